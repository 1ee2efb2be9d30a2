import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { AnchorKey } from './audit-log';
import { readOrCreateSecretFile } from '../platform/secret-file';
import type { StoreLocation } from './store';

/** An in-memory store lives as long as the process: so does its key. */
let processKey: string | undefined;

/**
 * The key that signs audit anchors, never stored in the database: ARXFLOW_AUDIT_KEY (32+
 * characters; every worker and gateway of one database must share it), else a key
 * generated once in the data dir (`audit-key`, beside the PGlite store, or in
 * ARXFLOW_DATA_DIR for PostgreSQL), else for an in-memory store a key of this process.
 */
export function resolveAuditKey(
  location: StoreLocation,
  env: Record<string, string | undefined> = process.env,
): AnchorKey {
  const configured = env.ARXFLOW_AUDIT_KEY?.trim();
  if (configured) {
    if (configured.length < 32) throw new Error('ARXFLOW_AUDIT_KEY: must be at least 32 characters');
    return new AnchorKey(configured);
  }
  if ('inMemory' in location) return new AnchorKey((processKey ??= randomBytes(32).toString('base64url')));
  const dataDir = 'pgliteDir' in location ? path.dirname(location.pgliteDir) : env.ARXFLOW_DATA_DIR || '.arxflow';
  return new AnchorKey(readOrCreateSecretFile(path.join(dataDir, 'audit-key')));
}
