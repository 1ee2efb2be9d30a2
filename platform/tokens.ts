/**
 * Bearer tokens: who a caller is. The gateway verifies them (gateway/auth.ts), the CLI mints
 * development tokens (`arxflow token create`), tests and benches do both.
 */
import path from 'node:path';
import {
  createRemoteJWKSet,
  errors as joseErrors,
  jwtVerify,
  SignJWT,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { roleNameSchema } from '../domain/roles';
import type { Settings } from '../domain/settings';
import { durationToMs } from '../domain/durations';
import { InputError } from '../domain/validation';
import { readOrCreateSecretFile } from './secret-file';

/** Who called: the token's subject is the only identity passed on to workflows. */
export interface Principal {
  subject: string;
  /** Gateway roles (viewer, operator, approver, admin) and business roles (signatory...). */
  roles: string[];
}

export interface Authenticator {
  verify(token: string): Promise<Principal>;
}

export class AuthError extends Error {
  constructor(
    message: string,
    readonly statusCode: 401 | 403,
  ) {
    super(message);
  }
}

/**
 * The HS256 secret: ARXFLOW_JWT_SECRET, else a development secret generated once in the
 * data dir (so `npm start` has auth on with no setup, and `arxflow token create` can mint
 * tokens for it).
 */
export function resolveJwtSecret(settings: Settings): string {
  if (settings.auth.jwtSecret) return settings.auth.jwtSecret;
  return readOrCreateSecretFile(path.join(settings.dataDir, 'jwt-secret'));
}

/** True when tokens are checked against a generated development secret (no real auth configured). */
export function usesDevelopmentSecret(settings: Settings): boolean {
  return !settings.auth.jwtSecret && !settings.auth.jwksUrl;
}

/** How far a token's `nbf`, `iat` (and `exp`) may be off from this server's clock. */
export const CLOCK_SKEW_SECONDS = 60;

/**
 * The token rules on top of the signature, issuer and audience: an expiry is required, the
 * lifetime (`exp - iat`, or `exp - now` without `iat`) is at most ARXFLOW_JWT_MAX_LIFETIME,
 * and a token issued in the future (beyond the clock skew) is refused. Returns the reason
 * naming the claim, or undefined.
 */
export function tokenClaimsRefusal(
  payload: JWTPayload,
  maxLifetimeMs: number,
  nowSeconds = Math.floor(Date.now() / 1000),
): string | undefined {
  if (typeof payload.exp !== 'number') return 'no expiry (exp claim): tokens must expire';
  if (payload.iat !== undefined && typeof payload.iat !== 'number') return 'iat claim: must be a number of seconds';
  if (payload.iat !== undefined && payload.iat > nowSeconds + CLOCK_SKEW_SECONDS) {
    return `iat claim is ${payload.iat - nowSeconds}s in the future (at most ${CLOCK_SKEW_SECONDS}s of clock skew is allowed)`;
  }
  const lifetimeSeconds = payload.exp - (payload.iat ?? nowSeconds);
  if (lifetimeSeconds * 1000 > maxLifetimeMs) {
    return `lifetime ${formatSeconds(lifetimeSeconds)} (exp - ${payload.iat === undefined ? 'now' : 'iat'}) exceeds the maximum of ${formatSeconds(maxLifetimeMs / 1000)} (ARXFLOW_JWT_MAX_LIFETIME)`;
  }
  return undefined;
}

function formatSeconds(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${Math.round(seconds)}s`;
}

export function createAuthenticator(settings: Settings): Authenticator {
  const { issuer, audience } = settings.auth;
  const maxLifetimeMs = durationToMs(settings.auth.maxLifetime);
  const key: Uint8Array | JWTVerifyGetKey = settings.auth.jwksUrl
    ? createRemoteJWKSet(new URL(settings.auth.jwksUrl))
    : new TextEncoder().encode(resolveJwtSecret(settings));
  return {
    async verify(token) {
      let payload;
      try {
        const verifyOptions = {
          issuer,
          audience,
          algorithms: settings.auth.jwksUrl ? undefined : ['HS256'],
          requiredClaims: ['exp'],
          clockTolerance: CLOCK_SKEW_SECONDS,
        };
        ({ payload } =
          key instanceof Uint8Array
            ? await jwtVerify(token, key, verifyOptions)
            : await jwtVerify(token, key, verifyOptions));
      } catch (err) {
        if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'exp' && err.reason === 'missing') {
          throw new AuthError('invalid token: no expiry (exp claim): tokens must expire', 401);
        }
        if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'nbf') {
          throw new AuthError(
            `invalid token: not valid yet (nbf claim is more than ${CLOCK_SKEW_SECONDS}s in the future)`,
            401,
          );
        }
        throw new AuthError(`invalid token: ${(err as Error).message}`, 401);
      }
      const refusal = tokenClaimsRefusal(payload, maxLifetimeMs);
      if (refusal) throw new AuthError(`invalid token: ${refusal}`, 401);
      if (!payload.sub) throw new AuthError('invalid token: no subject (sub)', 401);
      const claimed = Array.isArray(payload.roles) ? payload.roles : [payload.role].filter(Boolean);
      const roles = claimed.filter((role: unknown): role is string => roleNameSchema.safeParse(role).success);
      return { subject: payload.sub, roles };
    },
  };
}

/** Mints an HS256 token (development and tests; production tokens come from the identity provider). */
export async function createToken(
  settings: Settings,
  claims: { subject: string; roles: string[]; ttl?: string },
): Promise<string> {
  if (settings.auth.jwksUrl && !settings.auth.jwtSecret) {
    throw new Error('tokens are verified with ARXFLOW_JWKS_URL: mint them with your identity provider');
  }
  const ttl = claims.ttl ?? '8h';
  const ttlMs = durationToMs(ttl);
  if (!(ttlMs > 0)) throw new InputError(`ttl: "${ttl}" is not a duration such as 30m, 8h or 7d`);
  if (ttlMs > durationToMs(settings.auth.maxLifetime)) {
    throw new InputError(
      `ttl: ${ttl} is longer than the maximum token lifetime ${settings.auth.maxLifetime} (ARXFLOW_JWT_MAX_LIFETIME); the gateway would refuse the token`,
    );
  }
  return new SignJWT({ roles: claims.roles })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.subject)
    .setIssuer(settings.auth.issuer)
    .setAudience(settings.auth.audience)
    .setIssuedAt()
    .setExpirationTime(ttl)
    .sign(new TextEncoder().encode(resolveJwtSecret(settings)));
}
