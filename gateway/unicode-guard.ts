import type { FastifyInstance } from 'fastify';
import { invalidUnicodeIn } from '../domain/unicode';

/**
 * Every route: a parsed body, query string or path parameter holding text that is not valid
 * Unicode (a lone surrogate) is refused with 400 naming the field, before schema validation
 * and before anything is started or written. It would otherwise reach Temporal's gRPC and
 * come back as a 500, which webhook senders retry forever. Runs after onRequest, so
 * authentication still answers first. Raw bodies (webhooks, Slack) stay bytes here: their
 * routes check the parsed event with invalidUnicodeIn after verifying the signature.
 */
export function refuseInvalidUnicode(app: FastifyInstance): void {
  app.addHook('preValidation', async (request, reply) => {
    const problem =
      (Buffer.isBuffer(request.body) ? undefined : invalidUnicodeIn(request.body, 'body')) ??
      invalidUnicodeIn(request.query, 'query') ??
      invalidUnicodeIn(request.params, 'params');
    if (problem) return reply.code(400).send({ error: 'bad_input', message: problem });
  });
}
