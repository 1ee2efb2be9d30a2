import pg from 'pg';
import type { SqlDatabase, SqlExecutor } from './sql';

/** PostgreSQL through a `pg` pool. Connecting fails fast with a clear error instead of hanging. */
export async function openPostgres(databaseUrl: string, connectTimeoutMs = 5000): Promise<SqlDatabase> {
  const pool = new pg.Pool({ connectionString: databaseUrl, connectionTimeoutMillis: connectTimeoutMs, max: 10 });
  pool.on('error', () => undefined); // idle-client errors surface on the next query instead of crashing
  try {
    const client = await pool.connect();
    client.release();
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new Error(
      `DATABASE_URL: cannot connect to PostgreSQL at ${redactUrl(databaseUrl)}: ${(err as Error).message}`,
    );
  }

  const executor = (runner: pg.Pool | pg.PoolClient): SqlExecutor => ({
    async query<Row>(sql: string, params: unknown[] = []) {
      const result = await runner.query(sql, params);
      return result.rows as Row[];
    },
    async exec(script: string) {
      await runner.query(script);
    },
  });

  return {
    kind: 'postgres',
    ...executor(pool),
    async transaction(work) {
      const client = await pool.connect();
      // A checked-out client has no listener of the pool's: a connection lost mid-transaction
      // (PostgreSQL stopped) emits 'error' on it, which unheard ends the process (the store-outage
      // chaos scenario saw a worker die so). The pending statement fails with the same error;
      // the client is dropped rather than pooled again.
      let lost: Error | undefined;
      const onError = (err: Error) => (lost = err);
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const result = await work(executor(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        if (!lost) await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.off('error', onError);
        client.release(lost);
      }
    },
    async close() {
      await pool.end();
    },
  };
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):([^@/]+)@/, '//$1:***@');
}
