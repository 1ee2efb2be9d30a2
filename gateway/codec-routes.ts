import cors from '@fastify/cors';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Payload } from '@temporalio/common';
import { decodeJwt } from 'jose';
import { z } from 'zod';
import { hasAnyRole, type Role } from '../domain/roles';
import { rejected } from '../client/api/errors';
import type { ArxflowCodecs } from '../platform/codec/data-converter';
import { stampPayload, withCallerIdentity, withoutOrigin, withoutStamp } from '../platform/codec/identity-codec';
import { AuthError, type Authenticator, type Principal } from '../platform/tokens';
import {
  cookieValue,
  MAX_SESSION_SECONDS,
  principalOfSession,
  SESSION_COOKIE,
  sessionCookieHeader,
  sessionValueOf,
} from './ui-session';
import { errorResponses, noContent } from './responses';

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64');
const payloadsBody = z.object({
  payloads: z
    .array(z.object({ metadata: z.record(z.string(), base64).default({}), data: base64.optional() }))
    .max(1000),
});
/** Temporal's JSON payloads, as the Web UI and `temporal` CLI read them. */
const payloadsAnswer = z.object({
  payloads: z.array(z.object({ metadata: z.record(z.string(), z.string()), data: z.string() })),
});
const sessionAnswer = z.object({
  subject: z.string(),
  roles: z.array(z.string()),
  expiresAt: z.string().describe("ISO 8601: the token's expiry, at most 8 hours away"),
  uiIdentity: z.string().describe('how identities typed in the Web UI are treated'),
});

/** The codec server's part of the gateway's settings (platform/codec/data-converter.ts codecsFor). */
export interface CodecServerConfig {
  codecs: ArxflowCodecs;
  webUiOrigin: string;
  /** Development only (no JWT configured): the local Web UI, which has no login, may decode from loopback. */
  trustLocalWebUi: boolean;
}

export interface CodecRouteDeps extends CodecServerConfig {
  authenticator: Authenticator;
}

const DECODE_ROLES: Role[] = ['viewer', 'operator', 'approver'];

/**
 * The codec server for the Temporal Web UI and CLI: POST /codec/encode and /codec/decode
 * with Temporal's JSON payloads, and the Web UI session (POST/DELETE /v1/ui-session).
 *
 * Encode: a caller known by bearer token (the UI's "pass access token") or by session cookie
 * (the UI's "include cross-origin credentials") gets its subject and roles written over
 * whatever `actor` was typed (and over `roles` when the message has them), then a stamp that
 * also covers the time it was made (a workflow counts it once, within its window: see
 * workflows/identity-interceptor.ts). Anyone else's payloads pass unstamped (workers then
 * believe them only in trusted mode), but only when encryption is off: with encryption an
 * anonymous encode is refused (401), so the endpoint is no encryption oracle. Encode never
 * adds an origin MAC and drops any it is sent: a workflow whose input arxflow prepares
 * (fundingGate, fundingDeposit, complianceReview) refuses one started from the Web UI.
 * Decode: open when payloads are not encrypted (it only drops stamps and marks unverified
 * identities as workers see them); with encryption, a viewer token or session, or the
 * trusted local UI in development.
 */
export async function registerCodecRoutes(app: FastifyInstance, deps: CodecRouteDeps) {
  const { identity, encryption, uiIdentity } = deps.codecs;
  await app.register(async (scope) => {
    await scope.register(cors, {
      origin: deps.webUiOrigin,
      credentials: true,
      methods: ['POST'],
      // authorization-extras: the Web UI with login sends its ID token there beside the access token (unused here).
      allowedHeaders: ['content-type', 'x-namespace', 'authorization', 'authorization-extras'],
    });
    const routes = scope.withTypeProvider<ZodTypeProvider>();
    const schema = (action: string, refusals: Parameters<typeof errorResponses>[0]) => ({
      tags: ['codec'],
      summary: `${action} payloads for the Temporal Web UI`,
      body: payloadsBody,
      response: {
        200: payloadsAnswer.describe(`The payloads, ${action}d`),
        ...errorResponses(refusals, {
          401: 'Payloads are encrypted and the caller has no valid token or Web UI session',
          422: `The payloads cannot be ${action}d`,
        }),
      },
    });

    routes.post('/codec/encode', { schema: schema('encode', [400, 401, 422]) }, async (request, reply) => {
      const caller = await callerOf(request, deps);
      if (caller instanceof AuthError) return unauthorized(reply, caller);
      // With encryption, an anonymous encode would be an encryption oracle for anyone who can reach the gateway.
      if (!caller && encryption)
        return unauthorized(
          reply,
          new AuthError('missing bearer token or Web UI session (payloads are encrypted)', 401),
        );
      // Never an origin MAC (not even a sent one): what the Web UI starts is never "prepared by arxflow".
      const vouched = (sent: Payload) => {
        const p = withoutOrigin(sent);
        return caller && uiIdentity !== 'off'
          ? stampPayload(withCallerIdentity(p, caller), identity.signingKey)
          : withoutStamp(p);
      };
      const stamped = fromWire(request.body.payloads).map(vouched);
      return toWire(encryption ? await transform(() => encryption.encode(stamped), 'encode') : stamped);
    });

    routes.post('/codec/decode', { schema: schema('decode', [400, 401, 403, 422]) }, async (request, reply) => {
      if (encryption && !isTrustedLocalUi(request, deps)) {
        const caller = await callerOf(request, deps);
        const refusal =
          caller instanceof AuthError
            ? caller
            : !caller
              ? new AuthError('missing bearer token or Web UI session', 401)
              : !hasAnyRole(caller.roles, DECODE_ROLES)
                ? new AuthError(
                    `role ${DECODE_ROLES.join(' or ')} required; token has ${caller.roles.join(', ') || 'no role'}`,
                    403,
                  )
                : undefined;
        if (refusal) return unauthorized(reply, refusal);
      }
      const payloads = fromWire(request.body.payloads);
      const opened = encryption ? await transform(() => encryption.decode(payloads), 'decode') : payloads;
      return toWire(await identity.decode(opened));
    });
  });

  // The Web UI session: the browser gets the cookie by sending its token here once (the page
  // at GET /v1/ui-session does it), on the gateway's host, e.g. http://localhost:8080.
  app.get('/v1/ui-session', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(SESSION_PAGE),
  );
  const routes = app.withTypeProvider<ZodTypeProvider>();
  routes.post(
    '/v1/ui-session',
    {
      schema: {
        tags: ['codec'],
        summary: 'Web UI session cookie for the codec server (bearer token)',
        description:
          'The token as bearer, or as `token` in a JSON body; the answer sets the arxflow_ui_session cookie.',
        response: {
          200: sessionAnswer.describe('Session started: the cookie is set'),
          ...errorResponses([400, 401], { 401: 'Missing, invalid or expired token' }),
        },
      },
    },
    async (request, reply) => {
      const token = bearerOf(request) ?? tokenInBody(request.body);
      if (!token) return unauthorized(reply, new AuthError('missing bearer token', 401));
      let principal: Principal;
      try {
        principal = await deps.authenticator.verify(token);
      } catch (err) {
        if (err instanceof AuthError) return unauthorized(reply, err);
        throw err;
      }
      const now = Math.floor(Date.now() / 1000);
      const exp = Math.min(now + MAX_SESSION_SECONDS, decodeJwt(token).exp ?? Infinity);
      const value = sessionValueOf(principal, exp, identity.signingKey);
      return reply.header('set-cookie', sessionCookieHeader(value, exp - now, request.protocol === 'https')).send({
        subject: principal.subject,
        roles: principal.roles,
        expiresAt: new Date(exp * 1000).toISOString(),
        uiIdentity,
      });
    },
  );
  routes.delete(
    '/v1/ui-session',
    {
      schema: {
        tags: ['codec'],
        summary: 'Ends the Web UI session',
        response: {
          204: noContent.describe('The cookie is cleared'),
          ...errorResponses([400], { 400: 'A body was sent that cannot be parsed' }),
        },
      },
    },
    async (request, reply) =>
      reply
        .header('set-cookie', sessionCookieHeader('', 0, request.protocol === 'https'))
        .code(204)
        .send(),
  );
}

/** The verified caller: bearer token first (an invalid one is an AuthError), else a valid session cookie, else undefined. */
async function callerOf(request: FastifyRequest, deps: CodecRouteDeps): Promise<Principal | AuthError | undefined> {
  const token = bearerOf(request);
  if (token) {
    try {
      return await deps.authenticator.verify(token);
    } catch (err) {
      if (err instanceof AuthError) return err;
      throw err;
    }
  }
  return principalOfSession(cookieValue(request.headers.cookie, SESSION_COOKIE), deps.codecs.identity.keys);
}

function bearerOf(request: FastifyRequest): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
}

function tokenInBody(body: unknown): string | undefined {
  const token = body && typeof body === 'object' ? (body as { token?: unknown }).token : undefined;
  return typeof token === 'string' && token ? token : undefined;
}

function unauthorized(reply: FastifyReply, err: AuthError) {
  return reply
    .code(err.statusCode)
    .header('www-authenticate', 'Bearer')
    .send({ error: err.statusCode === 401 ? 'unauthorized' : 'forbidden', message: err.message });
}

type WirePayload = z.infer<typeof payloadsBody>['payloads'][number];

function fromWire(payloads: WirePayload[]): Payload[] {
  return payloads.map((p) => ({
    metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(p.data ?? '', 'base64'),
  }));
}

function toWire(payloads: Payload[]) {
  return {
    payloads: payloads.map((p) => ({
      metadata: Object.fromEntries(
        Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
      ),
      data: Buffer.from(p.data ?? []).toString('base64'),
    })),
  };
}

async function transform(run: () => Promise<Payload[]>, action: string): Promise<Payload[]> {
  return run().catch((err: Error) => {
    throw rejected(`cannot ${action} payloads: ${err.message}`);
  });
}

const SESSION_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>arxflow: Web UI session</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 2em auto">
<h1>Temporal Web UI session</h1>
<p>Paste your arxflow token: the codec server then signs what you send from the Web UI as you.
In the Web UI's Codec Server settings, turn on <em>Include cross-origin credentials</em>.</p>
<textarea id="token" rows="5" style="width: 100%"></textarea>
<p><button id="login">Start session</button> <button id="logout">End session</button></p>
<pre id="result"></pre>
<script>
const show = async (response) => { document.getElementById('result').textContent = response.status + ' ' + await response.text(); };
document.getElementById('login').onclick = async () => show(await fetch('/v1/ui-session', {
  method: 'POST', headers: { authorization: 'Bearer ' + document.getElementById('token').value.trim() } }));
document.getElementById('logout').onclick = async () => show(await fetch('/v1/ui-session', { method: 'DELETE' }));
</script>
</body></html>
`;

function isTrustedLocalUi(request: FastifyRequest, deps: CodecRouteDeps): boolean {
  const loopback = ['127.0.0.1', '::1', '::ffff:127.0.0.1'].includes(request.ip);
  return (
    deps.trustLocalWebUi && loopback && request.headers.origin === deps.webUiOrigin && !request.headers.authorization
  );
}
