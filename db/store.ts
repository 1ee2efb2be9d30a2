import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { AuditLog } from './audit-log';
import { IdempotencyKeys } from './idempotency-keys';
import { migrate } from './migrate';
import { openPglite } from './pglite-database';
import { openPostgres } from './pg-database';
import type { SqlDatabase } from './sql';

export interface Store {
  readonly db: SqlDatabase;
  readonly audit: AuditLog;
  readonly idempotency: IdempotencyKeys;
  /** Round trip to the database; throws when it is unreachable. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type StoreLocation =
  | { databaseUrl: string }
  | { pgliteDir: string } // embedded, persisted in this folder
  | { inMemory: true }; // embedded, gone on close (tests)

/** Opens PostgreSQL (DATABASE_URL) or PGlite and applies pending migrations. */
export async function openStore(location: StoreLocation): Promise<Store> {
  const db = await openDatabase(location);
  try {
    await migrate(db);
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
  return {
    db,
    audit: new AuditLog(db),
    idempotency: new IdempotencyKeys(db),
    async ping() {
      await db.query('SELECT 1');
    },
    close: () => db.close(),
  };
}

async function openDatabase(location: StoreLocation): Promise<SqlDatabase> {
  if ('databaseUrl' in location) return openPostgres(location.databaseUrl);
  if ('pgliteDir' in location) {
    mkdirSync(path.dirname(location.pgliteDir), { recursive: true });
    return openPglite(location.pgliteDir);
  }
  return openPglite();
}
