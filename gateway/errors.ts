import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ApiError, temporalUnreachable } from '../client/api/errors';
import { fieldIssues, InputError, issuesText } from '../domain/validation';

/** What a 503 asks callers to wait before retrying: about how long the readiness probe takes to see Temporal back. */
const RETRY_AFTER_SECONDS = 5;

/**
 * One error shape for every route: `{ error, message }` (gateway/responses.ts errorBody), plus
 * `issues` (each refused field) when the input was refused by a schema. Bad input is 4xx naming
 * the field; Temporal unreachable (from any route, translated or not) is 503 `unavailable`;
 * only a fault of ours is 500 (and is logged). Every 503, whoever sends it, has `Retry-After`.
 */
export function registerErrorHandler(app: FastifyInstance): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    if (reply.statusCode === 503 && !reply.hasHeader('retry-after')) reply.header('retry-after', RETRY_AFTER_SECONDS);
    return payload;
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const unreachable = temporalUnreachable(error);
    if (unreachable) return reply.code(503).send({ error: unreachable.code, message: unreachable.message });
    if (error instanceof ApiError || error instanceof InputError) {
      const [status, code] = error instanceof ApiError ? [error.status, error.code] : [400, 'bad_input'];
      const issues = error.issues.length > 0 ? { issues: error.issues } : {};
      return reply.code(status).send({ error: code, message: error.message, ...issues });
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      // The route's own schema (body, querystring, params, headers) refused it: paths say which part.
      const where = error.validationContext ?? 'request';
      const issues = fieldIssues(
        error.validation.map((issue) => ({ path: zodPathOf(issue.instancePath), message: issue.message ?? 'invalid' })),
        { prefix: `${where}.` },
      );
      return reply.code(400).send({ error: 'bad_input', message: issuesText(issues), issues });
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      // Fastify's own: malformed JSON, body too large, unsupported media type... and the rate limit.
      return reply.code(error.statusCode).send({ error: error.code ?? 'bad_request', message: error.message });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send({ error: 'internal', message: 'internal error' });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` }),
  );
}

/** fastify-type-provider-zod keeps zod's path as `/${path.join('/')}`: back to its segments (`/` is the root). */
function zodPathOf(instancePath: string): string[] {
  const segments = instancePath.replace(/^\//, '');
  return segments === '' ? [] : segments.split('/');
}
