import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { canonicalJson } from '../../domain/canonical-json';
import type { Settings } from '../../domain/settings';

/**
 * Identity stamps: who sent a message is believed only when a trusted process vouched for it.
 *
 * Trusted processes (the gateway's Temporal client, the CLI in direct mode, workers) encode
 * every JSON message that names an `actor` with an HMAC stamp in the payload's metadata. The
 * codec server stamps what the Temporal Web UI sends only after it has overwritten `actor`
 * and `roles` with the caller's verified token (client/gateway/codec-routes.ts). Workers
 * decode: a valid stamp leaves the message as it is; an unstamped or forged one is rewritten
 * to `actor: "unverified:<typed>"`, `roles: []`, so every workflow's own rules refuse it and
 * record the refusal in its status (unless the codec trusts unstamped messages: development).
 *
 * The stamp covers the whole message (canonical JSON), not only actor and roles, so a stamp
 * seen in a history cannot be lifted onto another decision. Decoding is deterministic as long
 * as the keys and the trust mode stay: rotate keys like encryption keys (new first, keep the
 * old ones while any open workflow's history holds a stamp made with them).
 */
export const IDENTITY_METADATA = 'arxflow-identity';
export const UNVERIFIED_PREFIX = 'unverified:';
const JSON_ENCODING = 'json/plain';
const STAMP_CONTEXT = 'arxflow-identity/v1\n';

export interface IdentityKey {
  id: string;
  key: Buffer;
}

/** A JSON message that names who sent it. */
export type IdentityMessage = Record<string, unknown> & { actor: string };

/**
 * Parses ARXFLOW_IDENTITY_KEYS: `keyId:base64key[,keyId:base64key...]`, 32-byte keys. The
 * first key stamps; every listed key verifies.
 */
export function parseIdentityKeys(spec: string): IdentityKey[] {
  const keys = spec.split(',').map((entry, index) => {
    const [id, material] = entry.trim().split(':');
    if (!id || !material) throw new Error(`ARXFLOW_IDENTITY_KEYS: entry ${index + 1} must be keyId:base64key`);
    if (!/^[\w-]+$/.test(id)) throw new Error(`ARXFLOW_IDENTITY_KEYS: key id ${id} may hold letters, digits, _ and - only`);
    const key = Buffer.from(material, 'base64');
    if (key.length !== 32) throw new Error(`ARXFLOW_IDENTITY_KEYS: key ${id} must be 32 bytes of base64 (got ${key.length})`);
    return { id, key };
  });
  const ids = keys.map((k) => k.id);
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate) throw new Error(`ARXFLOW_IDENTITY_KEYS: key id ${duplicate} is listed twice`);
  return keys;
}

/**
 * ARXFLOW_IDENTITY_KEYS, else a development key generated once in the data dir (like the
 * development JWT secret), so every process of one `npm start` stamps and verifies alike.
 * Processes on several machines need ARXFLOW_IDENTITY_KEYS.
 */
export function resolveIdentityKeys(settings: Settings): IdentityKey[] {
  if (settings.identity.keys) return parseIdentityKeys(settings.identity.keys);
  const file = path.resolve(settings.dataDir, 'identity-key');
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    try {
      writeFileSync(file, `dev:${randomBytes(32).toString('base64')}`, { flag: 'wx', mode: 0o600 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err; // another process of this start wrote it first
    }
  }
  chmodSync(file, 0o600);
  return parseIdentityKeys(readFileSync(file, 'utf8').trim());
}

/** The message of a `json/plain` payload whose data is a JSON object with a string `actor`; else undefined. */
export function identityMessageOf(payload: Payload): IdentityMessage | undefined {
  if (Buffer.from(payload.metadata?.encoding ?? []).toString() !== JSON_ENCODING) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload.data ?? []).toString('utf8'));
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  return typeof (value as Record<string, unknown>).actor === 'string' ? (value as IdentityMessage) : undefined;
}

/** `keyId.` + base64url HMAC-SHA256 of the message's canonical JSON. */
export function stampOf(message: IdentityMessage, key: IdentityKey): string {
  return `${key.id}.${macOf(message, key.key)}`;
}

/** True when `stamp` was made over exactly this message with one of `keys`. */
export function stampVerifies(stamp: string | undefined, message: IdentityMessage, keys: readonly IdentityKey[]): boolean {
  if (!stamp) return false;
  const dot = stamp.indexOf('.');
  const key = keys.find((k) => k.id === stamp.slice(0, dot));
  if (dot < 1 || !key) return false;
  const given = Buffer.from(stamp.slice(dot + 1));
  const expected = Buffer.from(macOf(message, key.key));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The payload's stamp metadata, if any. */
export function stampIn(payload: Payload): string | undefined {
  const raw = payload.metadata?.[IDENTITY_METADATA];
  return raw ? Buffer.from(raw).toString() : undefined;
}

/** The payload without any stamp metadata. */
export function withoutStamp(payload: Payload): Payload {
  if (!payload.metadata || !(IDENTITY_METADATA in payload.metadata)) return payload;
  const { [IDENTITY_METADATA]: _dropped, ...metadata } = payload.metadata;
  return { ...payload, metadata };
}

/** A trusted process vouches for an identity-bearing payload; other payloads pass (without any stamp). */
export function stampPayload(payload: Payload, key: IdentityKey): Payload {
  const clean = withoutStamp(payload);
  const message = identityMessageOf(clean);
  if (!message) return clean;
  return { ...clean, metadata: { ...clean.metadata, [IDENTITY_METADATA]: Buffer.from(stampOf(message, key)) } };
}

/** The message as an unverified sender: `actor` prefixed with `unverified:`, `roles` (when present) emptied. */
export function unverifiedMessage(message: IdentityMessage): IdentityMessage {
  return {
    ...message,
    actor: `${UNVERIFIED_PREFIX}${message.actor.slice(0, 180)}`,
    ...('roles' in message ? { roles: [] } : {}),
  };
}

/**
 * The codec server's overwrite: a JSON object payload that names `actor` or `roles` gets the
 * verified caller's subject and roles instead of whatever was typed. Other payloads pass.
 */
export function withCallerIdentity(payload: Payload, caller: { subject: string; roles: string[] }): Payload {
  if (Buffer.from(payload.metadata?.encoding ?? []).toString() !== JSON_ENCODING) return payload;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload.data ?? []).toString('utf8'));
  } catch {
    return payload;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return payload;
  if (!('actor' in value) && !('roles' in value)) return payload;
  return { ...payload, data: Buffer.from(JSON.stringify({ ...value, actor: caller.subject, roles: [...caller.roles] })) };
}

/** Decode of one payload: check and drop the stamp; an identity without a valid one is trusted or marked unverified. */
export function verifyPayload(payload: Payload, keys: readonly IdentityKey[], trustUnstamped: boolean): Payload {
  const stamp = stampIn(payload);
  const clean = withoutStamp(payload);
  const message = identityMessageOf(clean);
  if (!message || trustUnstamped || stampVerifies(stamp, message, keys)) return clean;
  return { ...clean, data: Buffer.from(JSON.stringify(unverifiedMessage(message))) };
}

export interface IdentityCodecOptions {
  /** Development (no real auth): messages without a valid stamp keep their typed identity. */
  trustUnstamped: boolean;
}

/** The identity stamp PayloadCodec of trusted processes: stamps on encode, verifies on decode. */
export class IdentityStampCodec implements PayloadCodec {
  readonly signingKey: IdentityKey;

  constructor(
    readonly keys: readonly IdentityKey[],
    readonly options: IdentityCodecOptions,
  ) {
    if (keys.length === 0) throw new Error('IdentityStampCodec needs at least one key');
    this.signingKey = keys[0]!;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => stampPayload(payload, this.signingKey));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => verifyPayload(payload, this.keys, this.options.trustUnstamped));
  }
}

function macOf(message: IdentityMessage, key: Buffer): string {
  return createHmac('sha256', key).update(STAMP_CONTEXT + canonicalJson(message)).digest('base64url');
}
