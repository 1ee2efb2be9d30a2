import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IdentityKey } from '../platform/codec/identity-codec';
import type { Principal } from '../platform/tokens';

/**
 * The Web UI session: an HttpOnly cookie the Temporal Web UI sends to the codec server when
 * its "include cross-origin credentials" setting is on. The value is the caller's verified
 * subject, roles and expiry, MACed with the identity signing key (its own context, so a
 * session value is never a valid identity stamp). Path=/codec: no other route reads it.
 */
export const SESSION_COOKIE = 'arxflow_ui_session';
const SESSION_CONTEXT = 'arxflow-ui-session/v1\n';
/** Longest session, whatever the token's own expiry. */
export const MAX_SESSION_SECONDS = 8 * 3600;

interface SessionBody {
  sub: string;
  roles: string[];
  exp: number;
}

/** `body.keyId.mac`, body being base64url JSON of subject, roles and expiry (epoch seconds). */
export function sessionValueOf(principal: Principal, expiresAt: number, key: IdentityKey): string {
  const body = Buffer.from(
    JSON.stringify({ sub: principal.subject, roles: principal.roles, exp: expiresAt } satisfies SessionBody),
  ).toString('base64url');
  return `${body}.${key.id}.${macOf(body, key.key)}`;
}

/** The principal of a session value MACed with one of `keys` and not expired at `now` (epoch ms); else undefined. */
export function principalOfSession(
  value: string | undefined,
  keys: readonly IdentityKey[],
  now = Date.now(),
): Principal | undefined {
  const [body, keyId, mac] = (value ?? '').split('.');
  const key = keys.find((k) => k.id === keyId);
  if (!body || !mac || !key) return undefined;
  const given = Buffer.from(mac);
  const expected = Buffer.from(macOf(body, key.key));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  const session = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as SessionBody;
  if (!(session.exp * 1000 > now)) return undefined;
  return { subject: session.sub, roles: session.roles };
}

/** The value of cookie `name` in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Set-Cookie of a session (maxAge seconds; 0 clears it). */
export function sessionCookieHeader(value: string, maxAge: number, secure: boolean): string {
  return [
    `${SESSION_COOKIE}=${value}`,
    'HttpOnly',
    'SameSite=Lax',
    'Path=/codec',
    `Max-Age=${maxAge}`,
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

function macOf(body: string, key: Buffer): string {
  return createHmac('sha256', key)
    .update(SESSION_CONTEXT + body)
    .digest('base64url');
}
