import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { AuditGroupCommit } from './audit-group-commit';
import { AuditLog, type AnchorKey } from './audit-log';
import { resolveAuditKey } from './audit-key';
import { IdempotencyKeys } from './idempotency-keys';
import { migrate } from './migrate';
import { openPostgres } from './pg-database';
import type { SqlDatabase } from './sql';

export interface Store {
  readonly db: SqlDatabase;
  readonly audit: AuditLog;
  readonly idempotency: IdempotencyKeys;
  /** Exactly-once audit appends, concurrent callers committed together (db/audit-group-commit.ts). */
  readonly auditWrites: AuditGroupCommit;
  /** Round trip to the database; throws when it is unreachable. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type StoreLocation =
  | { databaseUrl: string }
  | { pgliteDir: string } // embedded, persisted in this folder
  | { inMemory: true }; // embedded, gone on close (tests)

/**
 * Opens PostgreSQL (DATABASE_URL) or PGlite and applies pending migrations. `auditKey`
 * signs the audit chain's anchors; default: resolveAuditKey (ARXFLOW_AUDIT_KEY or the data dir).
 */
export async function openStore(location: StoreLocation, options: { auditKey?: AnchorKey } = {}): Promise<Store> {
  const auditKey = options.auditKey ?? resolveAuditKey(location);
  const db = await openDatabase(location);
  let audit: AuditLog;
  try {
    const applied = await migrate(db);
    audit = new AuditLog(db, auditKey);
    // The chain as it stood when anchoring arrived is signed once; every append anchors itself after.
    if (applied.includes('012_audit_anchors.sql')) await audit.anchorHead();
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
  const idempotency = new IdempotencyKeys(db);
  return {
    db,
    audit,
    idempotency,
    auditWrites: new AuditGroupCommit(idempotency, audit),
    async ping() {
      await db.query('SELECT 1');
    },
    close: () => db.close(),
  };
}

async function openDatabase(location: StoreLocation): Promise<SqlDatabase> {
  if ('databaseUrl' in location) return openPostgres(location.databaseUrl);
  // PGlite (a WebAssembly PostgreSQL) takes a quarter of a second to load: only when it is the store.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load; import() would make this an ES module import
  const { openPglite } = require('./pglite-database') as typeof import('./pglite-database');
  if ('pgliteDir' in location) {
    mkdirSync(path.dirname(location.pgliteDir), { recursive: true });
    return openPglite(location.pgliteDir);
  }
  return openPglite();
}
