import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { processIsAlive } from '../platform/service-file';

/**
 * PGlite is one process's database: a second process opening the same folder would
 * corrupt it. The owner writes its pid next to the folder; another opener is refused
 * while that process lives (a lock left by a crashed process is taken over).
 */
export function lockPgliteDir(dataDir: string): () => void {
  const lockFile = `${dataDir}.lock`;
  try {
    writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
  } catch {
    const owner = Number(readFileSync(lockFile, 'utf8'));
    if (owner && owner !== process.pid && processIsAlive(owner)) {
      throw new Error(
        `the PGlite store in ${dataDir} is open in process ${owner} (npm start?); ` +
          'the CLI goes through that service by itself when it runs on the same data dir (service.json); else set ARXFLOW_URL to the gateway URL npm start printed',
      );
    }
    writeFileSync(lockFile, String(process.pid));
  }
  return () => rmSync(lockFile, { force: true });
}
