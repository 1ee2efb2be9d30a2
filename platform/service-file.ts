import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * `<data dir>/service.json`: where the running `npm start` of this data dir answers. The service
 * writes it once the gateway listens and removes it on a clean stop; the CLI reads it to find
 * the service by itself (so no command asks the user to stop the service or to set a URL).
 * A file left by a crash names a pid that no longer runs: readers treat it as absent.
 */
const serviceFileSchema = z.object({
  pid: z.number().int().positive(),
  gatewayUrl: z.string().url(),
  temporalAddress: z.string(),
  namespace: z.string(),
  startedAt: z.string(),
});
export type ServiceFile = z.infer<typeof serviceFileSchema>;

export function serviceFilePath(dataDir: string): string {
  return path.resolve(dataDir, 'service.json');
}

/** Written atomically (temp file + rename), so a reader never sees half a file. */
export function writeServiceFile(dataDir: string, service: ServiceFile): void {
  const file = serviceFilePath(dataDir);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(service, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

/** Removes the file only when it is ours (a newer service of the same data dir may have replaced it). */
export function removeServiceFile(dataDir: string, pid = process.pid): void {
  if (readServiceFile(dataDir, { evenIfDead: true })?.pid === pid) rmSync(serviceFilePath(dataDir), { force: true });
}

/** The running service of `dataDir`, or undefined when there is none (no file, unreadable, or its process is gone). */
export function readServiceFile(dataDir: string, options: { evenIfDead?: boolean } = {}): ServiceFile | undefined {
  let parsed: ServiceFile;
  try {
    parsed = serviceFileSchema.parse(JSON.parse(readFileSync(serviceFilePath(dataDir), 'utf8')));
  } catch {
    return undefined;
  }
  return options.evenIfDead || processIsAlive(parsed.pid) ? parsed : undefined;
}

/** Signal 0 checks existence only; EPERM means it runs under another user, which still counts as alive. */
export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
