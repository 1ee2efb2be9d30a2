import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Writes bench/results/<name>.json (git-ignored) and says where. */
export function writeResults(name: string, results: Record<string, unknown>): void {
  const out = path.resolve(__dirname, 'results', `${name}.json`);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ at: new Date().toISOString(), ...results }, null, 2));
  console.log(`results: ${path.relative(process.cwd(), out)}`);
}
