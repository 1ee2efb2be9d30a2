import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A server secret kept in a file of the data dir: generated once (32 random bytes,
 * base64url, mode 0600) when missing, then read. The development default of every secret
 * that has an environment variable for production (ARXFLOW_JWT_SECRET, ARXFLOW_AUDIT_KEY).
 */
export function readOrCreateSecretFile(file: string): string {
  const resolved = path.resolve(file);
  if (!existsSync(resolved)) {
    mkdirSync(path.dirname(resolved), { recursive: true });
    try {
      writeFileSync(resolved, randomBytes(32).toString('base64url'), { flag: 'wx', mode: 0o600 });
    } catch (err) {
      // Another process created it first: use theirs.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  chmodSync(resolved, 0o600);
  return readFileSync(resolved, 'utf8').trim();
}
