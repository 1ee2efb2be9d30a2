import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  onRequestHookHandler,
  preHandlerHookHandler,
} from 'fastify';
import { hasAnyRole, type Role } from '../domain/roles';
import { AuthError, type Authenticator, type Principal } from '../platform/tokens';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

const AUTH_HOOK = Symbol('arxflow.requireRole');
type AuthHook = ((request: FastifyRequest, reply: FastifyReply) => Promise<unknown>) & { [AUTH_HOOK]?: true };

/**
 * A route hook: 401 without a valid bearer token, 403 when none of `allowed` roles is held.
 * Attach it as `onRequest` (before the body is read and validated, so an anonymous caller
 * gets 401, never 400); attached as `preHandler` it is moved there by
 * authenticateBeforeValidation.
 */
export function requireRole(authenticator: Authenticator, allowed: readonly Role[]) {
  const hook: AuthHook = async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers.authorization ?? '';
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    try {
      if (!token) throw new AuthError('missing bearer token', 401);
      const principal = await authenticator.verify(token);
      if (!hasAnyRole(principal.roles, allowed)) {
        throw new AuthError(
          `role ${allowed.join(' or ')} required; token has ${principal.roles.join(', ') || 'no role'}`,
          403,
        );
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
  hook[AUTH_HOOK] = true;
  return hook;
}

/**
 * Every route's requireRole hook runs at onRequest, whatever the route declared: a
 * requireRole preHandler (the hook Fastify runs after parsing and validating the body) is
 * moved to the end of the route's onRequest hooks. Register before the routes.
 */
export function authenticateBeforeValidation(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const handlers = [route.preHandler ?? []].flat() as AuthHook[];
    const auth = handlers.filter((hook) => hook[AUTH_HOOK]);
    if (auth.length === 0) return;
    route.preHandler = handlers.filter((hook) => !hook[AUTH_HOOK]) as preHandlerHookHandler[];
    route.onRequest = [...[route.onRequest ?? []].flat(), ...auth] as onRequestHookHandler[];
  });
}
