import type { SqlDatabase, SqlExecutor } from './sql';

export interface OnceResult<T> {
  result: T;
  /** false when the key was already used and the stored result is returned instead. */
  firstRun: boolean;
}

/**
 * Exactly-once side effects. `runOnce` claims the key and runs the effect in ONE
 * transaction: if the effect throws, the claim rolls back and a retry runs it again;
 * if it commits, every later call with the key returns the stored result. A concurrent
 * caller with the same key waits on the key's row lock, then sees the stored result.
 * Effects outside the database (a payment provider) must take the same key as their
 * own idempotency key.
 */
export class IdempotencyKeys {
  constructor(private readonly db: SqlDatabase) {}

  async runOnce<T>(key: string, effect: (tx: SqlExecutor) => Promise<T>): Promise<OnceResult<T>> {
    return this.db.transaction(async (tx) => {
      const claimed = await tx.query(
        'INSERT INTO idempotency_keys (key) VALUES ($1) ON CONFLICT (key) DO NOTHING RETURNING key',
        [key],
      );
      if (claimed.length === 0) {
        const [stored] = await tx.query<{ result: T }>('SELECT result FROM idempotency_keys WHERE key = $1', [key]);
        return { result: stored?.result as T, firstRun: false };
      }
      const result = await effect(tx);
      await tx.query('UPDATE idempotency_keys SET result = $2 WHERE key = $1', [key, JSON.stringify(result ?? null)]);
      return { result, firstRun: true };
    });
  }

  /**
   * `runOnce` for many keys in ONE transaction: the effect runs once, for the keys never used
   * before (in the order given), and returns one result per such key, stored with it; keys
   * used before are skipped. Answers the keys it ran for. Four statements of its own (BEGIN, the
   * claims, the results, COMMIT) whatever the count; keys in one order, so two attempts of one
   * batch wait on each other rather than deadlock.
   */
  async runOnceEach<T>(keys: string[], effect: (fresh: string[], tx: SqlExecutor) => Promise<T[]>): Promise<string[]> {
    return this.db.transaction(async (tx) => {
      const claimed = await tx.query<{ key: string }>(
        'INSERT INTO idempotency_keys (key) SELECT unnest($1::text[]) ON CONFLICT (key) DO NOTHING RETURNING key',
        [keys],
      );
      const won = new Set(claimed.map((row) => row.key));
      const fresh = keys.filter((key) => won.has(key));
      if (fresh.length === 0) return [];
      const results = await effect(fresh, tx);
      await tx.query(
        'UPDATE idempotency_keys AS k SET result = v.result FROM unnest($1::text[], $2::jsonb[]) AS v(key, result) WHERE k.key = v.key',
        [fresh, results.map((result) => JSON.stringify(result ?? null))],
      );
      return fresh;
    });
  }

  async get<T>(key: string): Promise<T | undefined> {
    const [row] = await this.db.query<{ result: T }>('SELECT result FROM idempotency_keys WHERE key = $1', [key]);
    return row?.result;
  }
}
