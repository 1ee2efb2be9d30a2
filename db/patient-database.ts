import type { SqlDatabase, SqlExecutor } from './sql';

/** Node's socket errors and PostgreSQL's connection classes: the store could not be reached, nothing it said. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up)
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);
/** pg's own words for a connection that went away under a query. */
const UNREACHABLE_MESSAGE = /Connection terminated|connection error|Connection ended/i;

/** True when `err` says the database could not be reached (down, restarting, connection cut), not what it answered. */
export function isStoreUnreachable(err: unknown): boolean {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  return (typeof code === 'string' && UNREACHABLE_CODES.has(code)) || UNREACHABLE_MESSAGE.test(String(message ?? ''));
}

/**
 * Two minutes: a restart or failover of the database, or a dropped network for a moment, is
 * waited out; a store that stays down longer fails the call, and the activity's own retry
 * policy decides what follows.
 */
export const STORE_OUTAGE_PATIENCE: Patience = { patienceMs: 2 * 60_000 };

export interface Patience {
  /** How long an outage is waited out, from the first failure, before the call fails as it would have. */
  patienceMs: number;
  /** The first pause; each next one doubles, up to 5 s. */
  firstPauseMs?: number;
}

/**
 * `db`, waiting out a store outage: a statement or transaction that fails because the database
 * cannot be reached is run again after a pause, until it lands or `patienceMs` has passed since
 * its first failure (then that failure is thrown). Any other error is thrown at once.
 *
 * For activities whose retry policy is short on purpose, because their own failures (a target
 * that refuses a version, a checkout that cannot be made) should end the attempt soon: a store
 * that is down for a minute is not such a failure, and must not roll a deployment back or fail
 * a pipeline job (the store-outage chaos scenario found both). Their activity heartbeats
 * meanwhile, so a lost worker is still noticed in seconds. Only for statements that may run
 * twice: a connection cut after the server committed but before its answer runs the
 * statement again (an insert keyed by its natural key, an append whose repeat is harmless).
 * A transaction is run again whole: the cut one was rolled back by the server.
 */
export function patientDatabase(db: SqlDatabase, patience: Patience): SqlDatabase {
  const patiently = <T>(call: () => Promise<T>) => withPatience(call, patience);
  return {
    kind: db.kind,
    query: <Row>(sql: string, params?: unknown[]) => patiently(() => db.query<Row>(sql, params)),
    exec: (script: string) => patiently(() => db.exec(script)),
    transaction: <T>(work: (tx: SqlExecutor) => Promise<T>) => patiently(() => db.transaction(work)),
    close: () => db.close(),
  };
}

async function withPatience<T>(call: () => Promise<T>, { patienceMs, firstPauseMs = 250 }: Patience): Promise<T> {
  let giveUpAt: number | undefined;
  let pauseMs = firstPauseMs;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (!isStoreUnreachable(err)) throw err;
      giveUpAt ??= Date.now() + patienceMs;
      const left = giveUpAt - Date.now();
      if (left <= 0) throw err;
      // The last try comes at the end of the patience, not a pause before it.
      await new Promise((resolve) => setTimeout(resolve, Math.min(pauseMs, left)));
      pauseMs = Math.min(pauseMs * 2, 5_000);
    }
  }
}
