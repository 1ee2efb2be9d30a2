import type { FastifyInstance } from 'fastify';
import { nestingRefusal } from '../domain/json-depth';
import { invalidUnicodeIn, nulCharacterIn } from '../domain/unicode';

/**
 * Every route: a parsed body, query string or path parameter holding text that is not valid
 * Unicode (a lone surrogate) is refused with 400 naming the field, before schema validation
 * and before anything is started or written. It would otherwise reach Temporal's gRPC and
 * come back as a 500, which webhook senders retry forever. Runs after onRequest, so
 * authentication still answers first. Raw bodies (webhooks, Slack) stay bytes here: their
 * routes check the parsed event with invalidUnicodeIn after verifying the signature.
 * Likewise a body nested deeper than MAX_REQUEST_DEPTH: it parses, but the Temporal client
 * cannot write it back (JSON.stringify overflows), which was a 500 (the bad-input chaos scenario);
 * and a NUL character anywhere, which PostgreSQL cannot store in text or jsonb (a 500 too), except
 * in the bodies of data sync's routes: a document's content is stored as it is, NUL and all.
 */
export function refuseInvalidUnicode(app: FastifyInstance): void {
  app.addHook('preValidation', async (request, reply) => {
    const problem =
      (Buffer.isBuffer(request.body) ? undefined : invalidUnicodeIn(request.body, 'body')) ??
      invalidUnicodeIn(request.query, 'query') ??
      invalidUnicodeIn(request.params, 'params') ??
      (Buffer.isBuffer(request.body) ? undefined : nestingRefusal(request.body, 'body')) ??
      (Buffer.isBuffer(request.body) || keepsNul(request.routeOptions.url)
        ? undefined
        : nulCharacterIn(request.body, 'body')) ??
      nulCharacterIn(request.query, 'query') ??
      nulCharacterIn(request.params, 'params');
    if (problem) return reply.code(400).send({ error: 'bad_input', message: problem });
  });
}

/** Data sync stores a document's content byte for byte (db/sync-store.ts takes NUL characters). */
function keepsNul(route: string | undefined): boolean {
  return route?.startsWith('/v1/sync/') ?? false;
}
