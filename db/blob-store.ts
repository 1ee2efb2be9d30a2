import { canonicalContent } from '../domain/sync/content-hash';
import type { PayloadRef } from '../domain/compliance/payload-ref';
import type { JsonValue } from '../domain/sync/sync-types';
import type { SqlExecutor } from './sql';

/** Thrown when a reference names a payload that was never stored (the caller's bad input, or a lost row). */
export class MissingPayloadError extends Error {
  override name = 'MissingPayloadError';
}

/**
 * Content-addressed payloads (migration 019): what is too large to travel in a workflow's
 * input, messages or activity results. The hashing is data sync's (canonical JSON, sha256),
 * so equal values have one row whatever their key order; a second put is a no-op.
 */
export class BlobStore {
  constructor(private readonly db: SqlExecutor) {}

  /** Stores a JSON value once per hash and returns the reference a workflow carries. */
  async put(value: JsonValue): Promise<PayloadRef> {
    const { canonical, hash, bytes } = canonicalContent(value);
    await this.db.query(
      'INSERT INTO payload_blobs (hash, canonical, bytes) VALUES ($1, $2, $3) ON CONFLICT (hash) DO NOTHING',
      [hash, canonical, bytes],
    );
    return { sha256: hash, bytes };
  }

  /** The value a reference names, or undefined when it was never stored. */
  async find(ref: PayloadRef): Promise<JsonValue | undefined> {
    const [row] = await this.db.query<{ canonical: string }>('SELECT canonical FROM payload_blobs WHERE hash = $1', [
      ref.sha256,
    ]);
    return row && (JSON.parse(row.canonical) as JsonValue);
  }

  /** The value a reference names; MissingPayloadError when it was never stored. */
  async get(ref: PayloadRef): Promise<JsonValue> {
    const value = await this.find(ref);
    if (value === undefined) throw new MissingPayloadError(`no stored payload ${ref.sha256} (${ref.bytes} bytes)`);
    return value;
  }
}
