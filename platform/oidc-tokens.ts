/**
 * Access tokens of an OpenID provider (the login of the standalone Web UI): verified against the
 * provider's JWKS, the person is the token's `sub`, and arxflow roles come from one claim (a
 * list of groups, mapped to roles). The gateway accepts them beside its own tokens
 * (`withOidc`), so the codec server knows who is logged in to the Web UI when the UI passes
 * its access token (`codec.passAccessToken`), and stamps that person on what the UI sends.
 *
 * Settings (environment): ARXFLOW_OIDC_ISSUER (the provider's issuer URL; unset: no OIDC),
 * ARXFLOW_OIDC_AUDIENCE (the `aud` the provider puts in access tokens for arxflow),
 * ARXFLOW_OIDC_JWKS_URL (default: the provider's discovery document's jwks_uri),
 * ARXFLOW_OIDC_ROLES_CLAIM (default `groups`), ARXFLOW_OIDC_ROLE_MAP (`group=role,...`;
 * unset: claim values that are arxflow role names are taken as they are).
 */
import { createRemoteJWKSet, decodeJwt, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { roleNameSchema } from '../domain/roles';
import { InputError } from '../domain/validation';
import { AuthError, CLOCK_SKEW_SECONDS, tokenClaimsRefusal, type Authenticator, type Principal } from './tokens';

interface OidcSettings {
  issuer: string;
  audience: string;
  jwksUrl?: string;
  rolesClaim: string;
  /** Claim value -> arxflow roles; undefined: values that are role names pass as they are. */
  roleMap?: Map<string, string[]>;
  /** Longest access token lifetime accepted (ms). */
  maxLifetimeMs: number;
}

const envSchema = z.object({
  ARXFLOW_OIDC_ISSUER: z.string().url('a URL such as https://login.example.com').optional(),
  ARXFLOW_OIDC_AUDIENCE: z.string().min(1).optional(),
  ARXFLOW_OIDC_JWKS_URL: z.string().url('a URL').optional(),
  ARXFLOW_OIDC_ROLES_CLAIM: z.string().min(1).default('groups'),
  ARXFLOW_OIDC_ROLE_MAP: z.string().optional(),
});

/** The OIDC settings of `env`, or undefined when ARXFLOW_OIDC_ISSUER is unset. Bad values: InputError naming the variable. */
export function oidcSettingsFrom(env: NodeJS.ProcessEnv, maxLifetimeMs = 12 * 3600_000): OidcSettings | undefined {
  const parsed = envSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InputError(`${String(issue.path[0])}: ${issue.message}`);
  }
  const e = parsed.data;
  if (!e.ARXFLOW_OIDC_ISSUER) return undefined;
  if (!e.ARXFLOW_OIDC_AUDIENCE)
    throw new InputError('ARXFLOW_OIDC_AUDIENCE: required with ARXFLOW_OIDC_ISSUER (the aud of its access tokens)');
  return {
    issuer: e.ARXFLOW_OIDC_ISSUER,
    audience: e.ARXFLOW_OIDC_AUDIENCE,
    jwksUrl: e.ARXFLOW_OIDC_JWKS_URL,
    rolesClaim: e.ARXFLOW_OIDC_ROLES_CLAIM,
    roleMap: e.ARXFLOW_OIDC_ROLE_MAP === undefined ? undefined : parseRoleMap(e.ARXFLOW_OIDC_ROLE_MAP),
    maxLifetimeMs,
  };
}

/** `group=role,group=role+role`: a group may give several roles (joined by +). */
export function parseRoleMap(text: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const entry of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [group, roles] = entry.split('=').map((s) => s.trim());
    const list = (roles ?? '').split('+').filter(Boolean);
    if (!group || !list.length || !list.every((role) => roleNameSchema.safeParse(role).success))
      throw new InputError(`ARXFLOW_OIDC_ROLE_MAP: "${entry}" is not group=role (roles joined by +)`);
    map.set(group, [...(map.get(group) ?? []), ...list]);
  }
  return map;
}

/** The arxflow roles of a claim value (a list, or one space-separated string). */
function rolesOfClaim(value: unknown, roleMap: Map<string, string[]> | undefined): string[] {
  const values = Array.isArray(value)
    ? value.filter((v): v is string => typeof v === 'string')
    : typeof value === 'string'
      ? value.split(/\s+/).filter(Boolean)
      : [];
  const roles = roleMap
    ? values.flatMap((v) => roleMap.get(v) ?? [])
    : values.filter((v) => roleNameSchema.safeParse(v).success);
  return [...new Set(roles)];
}

/** Verifies the provider's access tokens: signature by its JWKS, issuer, audience, expiry and lifetime. */
export function createOidcAuthenticator(settings: OidcSettings): Authenticator {
  let keys: Promise<JWTVerifyGetKey> | undefined;
  // The JWKS location from discovery, asked once when the first token comes (the provider may start after the gateway).
  const jwks = () =>
    (keys ??= discoverJwksUrl(settings).then(
      (url) => createRemoteJWKSet(new URL(url)),
      (err: Error) => {
        keys = undefined;
        throw new AuthError(`cannot verify OIDC tokens: ${err.message}`, 401);
      },
    ));
  return {
    async verify(token): Promise<Principal> {
      let payload;
      try {
        ({ payload } = await jwtVerify(token, await jwks(), {
          issuer: settings.issuer,
          audience: settings.audience,
          requiredClaims: ['exp', 'sub'],
          clockTolerance: CLOCK_SKEW_SECONDS,
        }));
      } catch (err) {
        if (err instanceof AuthError) throw err;
        const reason = err instanceof joseErrors.JOSEError ? err.message : String(err);
        throw new AuthError(`invalid OIDC access token: ${reason}`, 401);
      }
      const refusal = tokenClaimsRefusal(payload, settings.maxLifetimeMs);
      if (refusal) throw new AuthError(`invalid OIDC access token: ${refusal}`, 401);
      return { subject: payload.sub!, roles: rolesOfClaim(payload[settings.rolesClaim], settings.roleMap) };
    },
  };
}

async function discoverJwksUrl(settings: OidcSettings): Promise<string> {
  if (settings.jwksUrl) return settings.jwksUrl;
  const url = `${settings.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}`);
  const { jwks_uri: jwksUri } = (await response.json()) as { jwks_uri?: unknown };
  if (typeof jwksUri !== 'string') throw new Error(`${url} has no jwks_uri`);
  return jwksUri;
}

/**
 * The gateway's own tokens, and the OIDC provider's: a token whose (unverified) `iss` is the
 * provider's goes to the provider's keys, any other to the gateway's. The issuer only picks the
 * verifier; each verifier checks the issuer again with the signature.
 */
export function withOidc(gateway: Authenticator, settings: OidcSettings | undefined): Authenticator {
  if (!settings) return gateway;
  const oidc = createOidcAuthenticator(settings);
  return {
    verify(token) {
      let iss: string | undefined;
      try {
        iss = decodeJwt(token).iss;
      } catch {
        iss = undefined;
      }
      return iss === settings.issuer ? oidc.verify(token) : gateway.verify(token);
    },
  };
}
