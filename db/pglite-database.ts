import { PGlite } from '@electric-sql/pglite';
import { lockPgliteDir } from './pglite-lock';
import type { SqlDatabase, SqlExecutor } from './sql';

/** Embedded PostgreSQL (PGlite). `dataDir` undefined means in memory. */
export async function openPglite(dataDir?: string): Promise<SqlDatabase> {
  const unlock = dataDir ? lockPgliteDir(dataDir) : () => undefined;
  let db: PGlite;
  try {
    db = await PGlite.create(dataDir ? { dataDir } : {});
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
