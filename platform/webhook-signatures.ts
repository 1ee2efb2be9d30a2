import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { SignatureScheme } from '../domain/webhook-config';

/** What a verification concluded; also the `result` label of the verification counter. */
export type VerificationResult = 'valid' | 'invalid' | 'missing' | 'stale';

export interface Verification {
  result: VerificationResult;
  /** Safe to return to the sender and to log: never contains a secret or an expected digest. */
  reason: string;
}

/** Lower-case, as Node presents incoming headers. */
export const SIGNATURE_HEADER: Record<SignatureScheme, string> = {
  github: 'x-hub-signature-256',
  timestamped: 'x-arxflow-signature',
};

export const DELIVERY_HEADER: Record<SignatureScheme, string> = {
  github: 'x-github-delivery',
  timestamped: 'x-arxflow-delivery',
};

export interface VerifyInput {
  /** The signature header as received; undefined when absent. */
  header: string | undefined;
  /** The raw body bytes, exactly as received: any re-serialisation would change the digest. */
  body: Buffer;
  secrets: readonly string[];
  nowMs: number;
  /** timestamped only: how far `t` may be from now, either way. */
  toleranceMs: number;
}

const SHA256_HEX = /^[0-9a-f]{64}$/i;
const UNIX_SECONDS = /^\d{1,12}$/;

export function verifySignature(scheme: SignatureScheme, input: VerifyInput): Verification {
  if (input.header === undefined || input.header.trim() === '') {
    return { result: 'missing', reason: `missing ${SIGNATURE_HEADER[scheme]} header` };
  }
  return scheme === 'github' ? verifyGithub(input) : verifyTimestamped(input);
}

/** `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>` */
function verifyGithub({ header = '', body, secrets }: VerifyInput): Verification {
  const hex = /^sha256=(.*)$/.exec(header.trim())?.[1];
  if (hex === undefined) return { result: 'invalid', reason: 'x-hub-signature-256 must be sha256=<hex digest>' };
  const matches = secrets.some((secret) => digestMatches(hmac(secret, body), hex));
  return matches
    ? { result: 'valid', reason: 'signature matches' }
    : { result: 'invalid', reason: 'signature does not match' };
}

/**
 * `X-Arxflow-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>...]`, each v1 an HMAC-SHA256 of
 * "<t>.<raw body>". Several v1 let a sender sign with two secrets while rotating. The
 * digest is checked before the clock, so `stale` always means an authentic but old (or
 * far-future) delivery: a replay, or a skewed clock worth alerting on.
 */
function verifyTimestamped({ header = '', body, secrets, nowMs, toleranceMs }: VerifyInput): Verification {
  const fields = header.split(',').map((part) => part.trim().split('='));
  const timestamps = fields.filter(([key]) => key === 't').map(([, value]) => value ?? '');
  const signatures = fields.filter(([key]) => key === 'v1').map(([, value]) => value ?? '');
  const [timestamp] = timestamps;
  if (timestamps.length !== 1 || timestamp === undefined || !UNIX_SECONDS.test(timestamp) || signatures.length === 0) {
    return { result: 'invalid', reason: 'x-arxflow-signature must be t=<unix seconds>,v1=<hex digest>' };
  }
  const signed = (secret: string) => hmac(secret, Buffer.from(`${timestamp}.`), body);
  const matches = secrets.some((secret) => {
    const expected = signed(secret);
    return signatures.some((hex) => digestMatches(expected, hex));
  });
  if (!matches) return { result: 'invalid', reason: 'signature does not match' };
  const skewMs = Math.abs(nowMs - Number(timestamp) * 1000);
  if (skewMs > toleranceMs) {
    return {
      result: 'stale',
      reason: `signature timestamp is ${Math.round(skewMs / 1000)}s from now (tolerance ${toleranceMs / 1000}s)`,
    };
  }
  return { result: 'valid', reason: 'signature matches' };
}

function hmac(secret: string, ...parts: Buffer[]): Buffer {
  const mac = createHmac('sha256', secret);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/** Constant time for well-formed digests; a malformed one is refused on its shape, which is no secret. */
function digestMatches(expected: Buffer, providedHex: string): boolean {
  if (!SHA256_HEX.test(providedHex)) return false;
  const provided = Buffer.from(providedHex, 'hex');
  return provided.length === expected.length && timingSafeEqual(provided, expected);
}

/** The header a github-scheme sender sets (tests, tools that replay deliveries). */
export function signGithub(body: Buffer | string, secret: string): string {
  return `sha256=${hmac(secret, Buffer.from(body)).toString('hex')}`;
}

/** The header a timestamped-scheme sender sets; one v1 per secret. */
export function signTimestamped(
  body: Buffer | string,
  secrets: string | readonly string[],
  unixSeconds: number,
): string {
  const t = String(Math.floor(unixSeconds));
  const digests = [secrets]
    .flat()
    .map((secret) => `v1=${hmac(secret, Buffer.from(`${t}.`), Buffer.from(body)).toString('hex')}`);
  return [`t=${t}`, ...digests].join(',');
}

/** The delivery id when the sender gives none: the same signed request always maps to the same id. */
export function derivedDeliveryId(signatureHeader: string, body: Buffer): string {
  return createHash('sha256').update(signatureHeader).update(body).digest('hex');
}
