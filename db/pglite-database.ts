import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { lockPgliteDir } from './pglite-lock';
import type { SqlDatabase, SqlExecutor } from './sql';

/**
 * PostgreSQL's shared buffers inside PGlite. PGlite's WebAssembly memory grows to hold them and
 * never shrinks, and with PostgreSQL's default (128 MB) an opened, migrated store took 690 MiB of
 * the process's resident memory (measured 2026-12-03: 847 MiB RSS after PGlite.create on an
 * existing data dir, 232 MiB with 32 MB, 260 MiB with 64 MB). The embedded store's working set
 * is small, and the operating system's page cache keeps its files warm anyway.
 */
export const EMBEDDED_SHARED_BUFFERS = '32MB';

const startParams = () => [...PGlite.defaultStartParams, '-c', `shared_buffers=${EMBEDDED_SHARED_BUFFERS}`];

/** Embedded PostgreSQL (PGlite). `dataDir` undefined means in memory. */
export async function openPglite(dataDir?: string): Promise<SqlDatabase> {
  const unlock = dataDir ? lockPgliteDir(dataDir) : () => undefined;
  let db: PGlite;
  try {
    if (dataDir) await initDataDirApart(dataDir);
    db = await PGlite.create({ ...(dataDir ? { dataDir } : {}), startParams: startParams() });
  } catch (err) {
    unlock();
    throw err;
  }
  const executor = (runner: Pick<PGlite, 'query' | 'exec'>): SqlExecutor => ({
    async query<Row>(sql: string, params: unknown[] = []) {
      const result = await runner.query<Row>(sql, params);
      return result.rows;
    },
    async exec(script: string) {
      await runner.exec(script);
    },
  });
  return {
    kind: 'pglite',
    ...executor(db),
    transaction: (work) => db.transaction((tx) => work(executor(tx))),
    async close() {
      await db.close();
      unlock();
    },
  };
}

/**
 * A new data dir's initdb, in a child process. PGlite runs initdb in a second WebAssembly
 * instance of its own, whose memory this process would keep until a garbage collection: a
 * worker's first start peaked at 809 MiB for a store that then holds 241 (measured 2026-12-03).
 * A data dir with PG_VERSION is initialised already (a restart): nothing to do.
 */
async function initDataDirApart(dataDir: string): Promise<void> {
  if (existsSync(path.join(dataDir, 'PG_VERSION'))) return;
  const script = `require(process.argv[1]).PGlite.create({ dataDir: process.argv[2] }).then((db) => db.close())`;
  await promisify(execFile)(process.execPath, ['-e', script, require.resolve('@electric-sql/pglite'), dataDir]);
}
