import type { Settings } from '../domain/settings';
import { durationToMs } from '../domain/durations';
import { GatewayClient } from '../client/api/gateway-client';
import type { Caller } from '../client/api/operations';
import { readServiceFile, type ServiceFile } from '../platform/service-file';
import { createToken } from '../platform/tokens';

/** Tokens the CLI mints for itself live this long: one command, with room for `--watch`-style waits (minted per request). */
const MINTED_TTL = '5m';

export interface GatewayTarget {
  gateway: GatewayClient;
  /** The running service of the data dir, when the URL came from its service.json. */
  service?: ServiceFile;
  /** Set when the CLI mints its own tokens: a token for any caller, so operations act as the Caller they are given. */
  tokenFor?: (caller: Caller) => Promise<string>;
}

/**
 * Which gateway a command goes through, if any:
 * - ARXFLOW_URL when set (with ARXFLOW_TOKEN), as before;
 * - else the running `npm start` of the same data dir (`<dataDir>/service.json`), so nobody
 *   has to stop the service to use the CLI (its PGlite store is one process's), unless
 *   TEMPORAL_ADDRESS names another Temporal than the service's: then the user means that one;
 * - else none: Temporal and the store directly.
 *
 * Identity through a found service: ARXFLOW_TOKEN when set; else the CLI mints a short-lived
 * token for the caller (ARXFLOW_ACTOR or `cli:<login>`, admin, as on Temporal directly),
 * signed with ARXFLOW_JWT_SECRET or the data dir's development secret. That grants nothing
 * new: whoever holds that secret can mint any token with `arxflow token create`. With
 * ARXFLOW_JWKS_URL and no secret the CLI cannot mint, and a 401 says to set ARXFLOW_TOKEN.
 */
export function resolveGatewayTarget(
  settings: Settings,
  env: NodeJS.ProcessEnv,
  caller: Caller,
): GatewayTarget | undefined {
  const token = env.ARXFLOW_TOKEN || undefined;
  if (env.ARXFLOW_URL) return { gateway: new GatewayClient(env.ARXFLOW_URL, token) };
  const service = readServiceFile(settings.dataDir);
  if (!service) return undefined;
  if (settings.temporalAddress && settings.temporalAddress !== service.temporalAddress) return undefined;
  const where = `the service of ${settings.dataDir} at ${service.gatewayUrl} (service.json)`;
  if (token) {
    return {
      service,
      gateway: new GatewayClient(service.gatewayUrl, token, {
        unauthorizedHint: `ARXFLOW_TOKEN was refused by ${where}`,
      }),
    };
  }
  if (settings.auth.jwksUrl && !settings.auth.jwtSecret) {
    return {
      service,
      gateway: new GatewayClient(service.gatewayUrl, undefined, {
        unauthorizedHint: `${where} verifies tokens with ARXFLOW_JWKS_URL: set ARXFLOW_TOKEN to one from your identity provider`,
      }),
    };
  }
  const tokenFor = mintFor(settings);
  return {
    service,
    tokenFor,
    gateway: new GatewayClient(service.gatewayUrl, () => tokenFor(caller), {
      unauthorizedHint:
        `the CLI signed its token with ${settings.auth.jwtSecret ? 'ARXFLOW_JWT_SECRET' : "the data dir's development secret"}` +
        ` and ${where} did not accept it: set ARXFLOW_TOKEN, or the service's ARXFLOW_JWT_SECRET`,
    }),
  };
}

/**
 * Signs a short-lived token for `caller` with the settings' secret: what the CLI sends a found
 * service as itself, and as whoever `--as` names (the gateway checks the token like any other).
 */
export function mintFor(settings: Settings): (caller: Caller) => Promise<string> {
  const { maxLifetime } = settings.auth;
  const ttl = durationToMs(MINTED_TTL) <= durationToMs(maxLifetime) ? MINTED_TTL : maxLifetime;
  return (caller) => createToken(settings, { subject: caller.subject, roles: caller.roles, ttl });
}
