import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTVerifyGetKey } from 'jose';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { hasAnyRole, roleNameSchema, type Role } from '../../domain/roles';
import type { Settings } from '../../domain/settings';

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
  const file = path.resolve(settings.dataDir, 'jwt-secret');
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64url'), { flag: 'wx', mode: 0o600 });
  }
  chmodSync(file, 0o600);
  return readFileSync(file, 'utf8').trim();
}

/** True when tokens are checked against a generated development secret (no real auth configured). */
export function usesDevelopmentSecret(settings: Settings): boolean {
  return !settings.auth.jwtSecret && !settings.auth.jwksUrl;
}

export function createAuthenticator(settings: Settings): Authenticator {
  const { issuer, audience } = settings.auth;
  const key: Uint8Array | JWTVerifyGetKey = settings.auth.jwksUrl
    ? createRemoteJWKSet(new URL(settings.auth.jwksUrl))
    : new TextEncoder().encode(resolveJwtSecret(settings));
  return {
    async verify(token) {
      let payload;
      try {
        const verifyOptions = { issuer, audience, algorithms: settings.auth.jwksUrl ? undefined : ['HS256'] };
        ({ payload } =
          key instanceof Uint8Array ? await jwtVerify(token, key, verifyOptions) : await jwtVerify(token, key, verifyOptions));
      } catch (err) {
        throw new AuthError(`invalid token: ${(err as Error).message}`, 401);
      }
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
  return new SignJWT({ roles: claims.roles })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.subject)
    .setIssuer(settings.auth.issuer)
    .setAudience(settings.auth.audience)
    .setIssuedAt()
    .setExpirationTime(claims.ttl ?? '8h')
    .sign(new TextEncoder().encode(resolveJwtSecret(settings)));
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** A preHandler: 401 without a valid bearer token, 403 when none of `allowed` roles is held. */
export function requireRole(authenticator: Authenticator, allowed: readonly Role[]) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers.authorization ?? '';
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    try {
      if (!token) throw new AuthError('missing bearer token', 401);
      const principal = await authenticator.verify(token);
      if (!hasAnyRole(principal.roles, allowed)) {
        throw new AuthError(`role ${allowed.join(' or ')} required; token has ${principal.roles.join(', ') || 'no role'}`, 403);
      }
      request.principal = principal;
    } catch (err) {
      if (!(err instanceof AuthError)) throw err;
      return reply
        .code(err.statusCode)
        .header('www-authenticate', 'Bearer')
        .send({ error: err.statusCode === 401 ? 'unauthorized' : 'forbidden', message: err.message });
    }
  };
}
