import type { FastifyInstance } from 'fastify';
import type { IdentityKey } from '../platform/codec/identity-codec';
import { AuthError, type Authenticator } from '../platform/tokens';
import { cookieValue, principalOfSession, SESSION_COOKIE } from './ui-session';

/**
 * With the Web UI's login on (ARXFLOW_OIDC_ISSUER), the codec server answers only a known
 * caller: the Web UI passes the logged-in person's access token on every codec request
 * (`codec.passAccessToken`), so a request with no token, or one that does not verify, is not
 * the Web UI and is refused (401) before the codec routes see it, on decode as on encode
 * (without login, an anonymous encode passes unstamped and workers refuse what it carries:
 * gateway/codec-routes.ts). A valid Web UI session cookie (/v1/ui-session) still counts.
 */
export function requireCodecCaller(
  app: FastifyInstance,
  deps: { authenticator: Authenticator; identityKeys: readonly IdentityKey[]; webUiOrigin: string },
): void {
  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'POST' || !/^\/codec\/(encode|decode)(\?|$)/.test(request.url)) return;
    const refuse = (message: string) => {
      // This hook runs before the codec routes' CORS plugin: the UI's origin gets its CORS
      // headers here, so the UI reads the 401 (an expired login, say), not a network error.
      if (request.headers.origin === deps.webUiOrigin)
        reply
          .header('access-control-allow-origin', deps.webUiOrigin)
          .header('access-control-allow-credentials', 'true');
      return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized', message });
    };
    const token = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (token) {
      try {
        await deps.authenticator.verify(token);
        return;
      } catch (err) {
        if (err instanceof AuthError) return refuse(err.message);
        throw err;
      }
    }
    if (principalOfSession(cookieValue(request.headers.cookie, SESSION_COOKIE), deps.identityKeys)) return;
    return refuse('missing bearer token: the Web UI login is on, codec requests carry the access token of the person');
  });
}
