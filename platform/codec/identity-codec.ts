import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Payload, PayloadCodec, SerializationContext } from '@temporalio/common';
import { canonicalJson } from '../../domain/canonical-json';
import {
  DEFAULT_STAMP_WINDOW_MS,
  ORIGIN_KEY,
  STAMP_KEY,
  UNVERIFIED_PREFIX,
  type HandedStamp,
  type OriginVerdict,
} from '../../domain/identity-stamp';
import type { Settings } from '../../domain/settings';

/**
 * Identity stamps: who sent a message is believed only when a trusted process vouched for it.
 *
 * Trusted processes (the gateway's Temporal client, the CLI in direct mode, workers) encode
 * every JSON message that names an `actor` with an HMAC stamp in the payload's metadata. The
 * codec server stamps what the Temporal Web UI sends only after it has overwritten `actor`
 * and `roles` with the caller's verified token (gateway/codec-routes.ts). Workers
 * decode: a valid stamp leaves the message as it is; an unstamped or forged one is rewritten
 * to `actor: "unverified:<typed>"`, `roles: []`, so every workflow's own rules refuse it and
 * record the refusal in its status (unless the codec trusts unstamped messages: development).
 *
 * The stamp covers the whole message (canonical JSON), not only actor and roles, so a stamp
 * seen in a history cannot be lifted onto another decision, and the time it was made
 * (`stampedAt`, epoch ms, in the metadata: `keyId.stampedAt.mac`). A worker in stamped mode
 * hands that time and the MAC to the workflow under STAMP_KEY; the workflow inbound
 * interceptor (workflows/identity-interceptor.ts) removes it and marks the message unverified
 * when the stamp is stale, from the future, or already used in that workflow: a stamped
 * payload read from one history cannot be resent later, nor twice to the same workflow.
 * Decoding is deterministic as long as the keys and the trust mode stay: rotate keys like
 * encryption keys (new first, keep the old ones while any open workflow's history holds a
 * stamp made with them).
 */
export { ORIGIN_KEY, STAMP_KEY } from '../../domain/identity-stamp';
export const IDENTITY_METADATA = 'arxflow-identity';
/**
 * Origin MACs: a trusted arxflow process (IdentityStampCodec.encode) vouches that it encoded a
 * payload, whatever it holds: `keyId.` + base64url HMAC-SHA256 of ORIGIN_CONTEXT and the
 * payload's data bytes. No time and no workflow id: a retried or continued run reuses its first
 * input, and the MAC in its history must still verify. The codec server (the Web UI's encode)
 * never adds one and drops any it is sent (gateway/codec-routes.ts), so only processes
 * that hold the identity keys can make a workflow input that counts as prepared by arxflow
 * (workflows/identity-interceptor.ts, SERVER_PREPARED_WORKFLOW_TYPES).
 */
export const ORIGIN_METADATA = 'arxflow-origin';
const JSON_ENCODING = 'json/plain';
const STAMP_CONTEXT = 'arxflow-identity/v2\n';
const ORIGIN_CONTEXT = 'arxflow-origin/v1\n';
/** A stamp that verified: when it was made and its MAC. */
export interface VerifiedStamp {
  at: number;
  mac: string;
}

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
    if (!/^[\w-]+$/.test(id))
      throw new Error(`ARXFLOW_IDENTITY_KEYS: key id ${id} may hold letters, digits, _ and - only`);
    const key = Buffer.from(material, 'base64');
    if (key.length !== 32)
      throw new Error(`ARXFLOW_IDENTITY_KEYS: key ${id} must be 32 bytes of base64 (got ${key.length})`);
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
  const value = jsonObjectOf(payload);
  return typeof value?.actor === 'string' ? (value as IdentityMessage) : undefined;
}

/** The payload's value when it is a JSON-encoded object (a message); undefined for anything else. */
function jsonObjectOf(payload: Payload): Record<string, unknown> | undefined {
  if (Buffer.from(payload.metadata?.encoding ?? []).toString() !== JSON_ENCODING) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload.data ?? []).toString('utf8'));
  } catch {
    return undefined;
  }
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** `keyId.stampedAt.` + base64url HMAC-SHA256 of stampedAt (epoch ms) and the message's canonical JSON. */
export function stampOf(message: IdentityMessage, key: IdentityKey, stampedAt = Date.now()): string {
  const at = Math.floor(stampedAt);
  return `${key.id}.${at}.${macOf(message, at, key.key)}`;
}

/** The stamp's time and MAC when `stamp` was made over exactly this message with one of `keys`; else undefined. */
export function verifiedStamp(
  stamp: string | undefined,
  message: IdentityMessage,
  keys: readonly IdentityKey[],
): VerifiedStamp | undefined {
  const [keyId, atText, mac, ...rest] = (stamp ?? '').split('.');
  const key = keys.find((k) => k.id === keyId);
  if (!key || !atText || !mac || rest.length > 0 || !/^\d{1,15}$/.test(atText)) return undefined;
  const at = Number(atText);
  const given = Buffer.from(mac);
  const expected = Buffer.from(macOf(message, at, key.key));
  return given.length === expected.length && timingSafeEqual(given, expected) ? { at, mac } : undefined;
}

/** True when `stamp` was made over exactly this message with one of `keys`. */
export function stampVerifies(
  stamp: string | undefined,
  message: IdentityMessage,
  keys: readonly IdentityKey[],
): boolean {
  return verifiedStamp(stamp, message, keys) !== undefined;
}

/** A metadata entry of the payload as text, if any. */
function metadataText(payload: Payload, name: string): string | undefined {
  const raw = payload.metadata?.[name];
  return raw ? Buffer.from(raw).toString() : undefined;
}

/** The payload without that metadata entry. */
function withoutMetadata(payload: Payload, name: string): Payload {
  if (!payload.metadata || !(name in payload.metadata)) return payload;
  const { [name]: _dropped, ...metadata } = payload.metadata;
  return { ...payload, metadata };
}

/** The payload's stamp metadata, if any. */
export function stampIn(payload: Payload): string | undefined {
  return metadataText(payload, IDENTITY_METADATA);
}

/** The payload without any stamp metadata. */
export function withoutStamp(payload: Payload): Payload {
  return withoutMetadata(payload, IDENTITY_METADATA);
}

/** A trusted process vouches for an identity-bearing payload; other payloads pass (without any stamp). */
export function stampPayload(payload: Payload, key: IdentityKey, stampedAt = Date.now()): Payload {
  const clean = withoutStamp(payload);
  const message = identityMessageOf(clean);
  if (!message) return clean;
  return {
    ...clean,
    metadata: { ...clean.metadata, [IDENTITY_METADATA]: Buffer.from(stampOf(message, key, stampedAt)) },
  };
}

/** `keyId.` + base64url HMAC-SHA256 of ORIGIN_CONTEXT and `data` (the payload's data bytes). */
export function originOf(data: Uint8Array | null | undefined, key: IdentityKey): string {
  return `${key.id}.${originMacOf(data, key.key)}`;
}

/** True when `origin` was made over exactly these data bytes with one of `keys`. */
export function originVerifies(
  origin: string | undefined,
  data: Uint8Array | null | undefined,
  keys: readonly IdentityKey[],
): boolean {
  const [keyId, mac, ...rest] = (origin ?? '').split('.');
  const key = keys.find((k) => k.id === keyId);
  if (!key || !mac || rest.length > 0) return false;
  const given = Buffer.from(mac);
  const expected = Buffer.from(originMacOf(data, key.key));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The payload's origin MAC metadata, if any. */
export function originIn(payload: Payload): string | undefined {
  return metadataText(payload, ORIGIN_METADATA);
}

/** The payload without any origin MAC metadata. */
export function withoutOrigin(payload: Payload): Payload {
  return withoutMetadata(payload, ORIGIN_METADATA);
}

/** A trusted arxflow process vouches that it encoded this payload (any payload: over its data bytes as they are). */
export function withOrigin(payload: Payload, key: IdentityKey): Payload {
  return { ...payload, metadata: { ...payload.metadata, [ORIGIN_METADATA]: Buffer.from(originOf(payload.data, key)) } };
}

/**
 * A decoded JSON object payload for a workflow: any ORIGIN_KEY a sender typed dropped and, with
 * a `verdict` (stamped mode), the verdict handed under ORIGIN_KEY. Other payloads pass.
 */
export function withOriginVerdict(payload: Payload, verdict: OriginVerdict | undefined): Payload {
  const value = jsonObjectOf(payload);
  if (!value || (!verdict && !(ORIGIN_KEY in value))) return payload;
  const { [ORIGIN_KEY]: _typed, ...rest } = value;
  return { ...payload, data: Buffer.from(JSON.stringify(verdict ? { ...rest, [ORIGIN_KEY]: verdict } : rest)) };
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
  const value = jsonObjectOf(payload);
  if (!value || (!('actor' in value) && !('roles' in value))) return payload;
  // `roles` only where the message has it: strict schemas (e.g. durabilityProbe's wakeUp) refuse unknown keys.
  const overwritten = { ...value, actor: caller.subject, ...('roles' in value ? { roles: [...caller.roles] } : {}) };
  return { ...payload, data: Buffer.from(JSON.stringify(overwritten)) };
}

/**
 * Decode of one payload: check and drop the stamp; an identity without a valid one is trusted
 * or marked unverified. With `handTo` (a worker in stamped mode, decoding a payload a workflow
 * receives), a verified message also carries its stamp under STAMP_KEY for the workflow's
 * identity interceptor, and any STAMP_KEY a sender typed is dropped first.
 */
export function verifyPayload(
  payload: Payload,
  keys: readonly IdentityKey[],
  trustUnstamped: boolean,
  handTo?: { window: number },
): Payload {
  const stamp = stampIn(payload);
  const clean = withoutStamp(payload);
  let message = identityMessageOf(clean);
  if (!message) return clean;
  let data = clean.data;
  if (handTo && STAMP_KEY in message) {
    const { [STAMP_KEY]: _typed, ...rest } = message;
    message = rest as IdentityMessage;
    data = Buffer.from(JSON.stringify(message));
  }
  // Verified over the message as it was sent and stamped (a typed STAMP_KEY included, then dropped).
  const verified = verifiedStamp(stamp, identityMessageOf(clean)!, keys);
  if (verified && handTo) {
    const handed: HandedStamp = { at: verified.at, id: verified.mac, window: handTo.window };
    return { ...clean, data: Buffer.from(JSON.stringify({ ...message, [STAMP_KEY]: handed })) };
  }
  if (verified || trustUnstamped) return { ...clean, data };
  return { ...clean, data: Buffer.from(JSON.stringify(unverifiedMessage(message))) };
}

export interface IdentityCodecOptions {
  /** Development (no real auth): messages without a valid stamp keep their typed identity. */
  trustUnstamped: boolean;
  /**
   * Workers in stamped mode: hand each verified stamp (time, MAC, window) to the workflow
   * under STAMP_KEY, for payloads a workflow receives (not activity inputs or results). Never
   * on clients: their decoded results would carry it.
   */
  handToWorkflow?: boolean;
  /** How long a stamp counts in a workflow (ms); DEFAULT_STAMP_WINDOW_MS when unset. */
  stampWindowMs?: number;
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

  /** Stamps identity-bearing payloads and vouches for the origin of every payload (ORIGIN_METADATA). */
  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) =>
      withOrigin(stampPayload(withoutOrigin(payload), this.signingKey), this.signingKey),
    );
  }

  async decode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    // Workflow-owned payloads only (start input, signals, updates, queries): activity inputs and results pass without it.
    const forWorkflow = this.options.handToWorkflow && context?.type !== 'activity';
    const handTo =
      forWorkflow && !this.options.trustUnstamped
        ? { window: this.options.stampWindowMs ?? DEFAULT_STAMP_WINDOW_MS }
        : undefined;
    return payloads.map((payload) => {
      const verified = verifyPayload(withoutOrigin(payload), this.keys, this.options.trustUnstamped, handTo);
      if (!forWorkflow) return verified;
      // Stamped mode hands the origin verdict (the interceptor refuses unprepared starts); trusted mode only drops a typed one.
      const verdict: OriginVerdict | undefined = handTo
        ? originVerifies(originIn(payload), payload.data, this.keys)
          ? 'arxflow'
          : 'outside'
        : undefined;
      return withOriginVerdict(verified, verdict);
    });
  }

  /**
   * This codec as a worker's: in stamped mode, verified stamps are handed to workflows
   * (STAMP_KEY), and every JSON object a workflow receives carries its origin verdict
   * (ORIGIN_KEY); a typed ORIGIN_KEY is dropped in either mode.
   */
  forWorker(): IdentityStampCodec {
    return new IdentityStampCodec(this.keys, { ...this.options, handToWorkflow: true });
  }
}

function originMacOf(data: Uint8Array | null | undefined, key: Buffer): string {
  return createHmac('sha256', key)
    .update(ORIGIN_CONTEXT)
    .update(Buffer.from(data ?? []))
    .digest('base64url'); // data may be a plain array (payloads from JSON histories)
}

function macOf(message: IdentityMessage, stampedAt: number, key: Buffer): string {
  return createHmac('sha256', key)
    .update(`${STAMP_CONTEXT}${stampedAt}\n${canonicalJson(message)}`)
    .digest('base64url');
}
