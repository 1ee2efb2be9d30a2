import cors from '@fastify/cors';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import type { Role } from '../../domain/roles';
import { rejected } from '../api/errors';
import { requireRole, type Authenticator } from './auth';

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64');
const payloadsBody = z.object({
  payloads: z.array(z.object({ metadata: z.record(z.string(), base64).default({}), data: base64.optional() })).max(1000),
});

export interface CodecRouteDeps {
  codec: PayloadCodec;
  authenticator: Authenticator;
  webUiOrigin: string;
  /** Development only (no JWT configured): the local Web UI, which has no login, may decode from loopback. */
  trustLocalWebUi: boolean;
}

/**
 * The codec server for the Temporal Web UI and CLI: POST /codec/encode and /codec/decode
 * with Temporal's JSON payloads. Decoding needs a viewer token, encoding an operator one.
 */
export async function registerCodecRoutes(app: FastifyInstance, deps: CodecRouteDeps) {
  await app.register(async (scope) => {
    await scope.register(cors, {
      origin: deps.webUiOrigin, credentials: true, methods: ['POST'], allowedHeaders: ['content-type', 'x-namespace', 'authorization'],
    });
    const routes = scope.withTypeProvider<ZodTypeProvider>();
    const route = (action: 'encode' | 'decode', roles: Role[]) => {
      const guard = requireRole(deps.authenticator, roles);
      routes.post(`/codec/${action}`, {
        preHandler: async (request: FastifyRequest, reply: FastifyReply) => (isTrustedLocalUi(request, deps) ? undefined : guard(request, reply)),
        schema: { tags: ['codec'], summary: `${action} payloads for the Temporal Web UI`, body: payloadsBody },
      }, async (request) => {
        const payloads = request.body.payloads.map((p) => ({
          metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
          data: Buffer.from(p.data ?? '', 'base64'),
        }));
        const done = await (action === 'encode' ? deps.codec.encode(payloads) : deps.codec.decode(payloads)).catch((err: Error) => {
          throw rejected(`cannot ${action} payloads: ${err.message}`);
        });
        return {
          payloads: done.map((p) => ({
            metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
            data: Buffer.from(p.data ?? []).toString('base64'),
          })),
        };
      });
    };
    route('encode', ['operator']);
    route('decode', ['viewer', 'operator', 'approver']);
  });
}

function isTrustedLocalUi(request: FastifyRequest, deps: CodecRouteDeps): boolean {
  const loopback = ['127.0.0.1', '::1', '::ffff:127.0.0.1'].includes(request.ip);
  return deps.trustLocalWebUi && loopback && request.headers.origin === deps.webUiOrigin && !request.headers.authorization;
}
