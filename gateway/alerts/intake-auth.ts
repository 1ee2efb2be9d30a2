import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** The alert sources with their own bearer token (Settings.alertTokens) and the variable that sets it. */
export const INTAKE_SOURCES = {
  alertmanager: 'ARXFLOW_ALERTMANAGER_TOKEN',
  events: 'ARXFLOW_EVENTS_TOKEN',
  metrics: 'ARXFLOW_METRICS_TOKEN',
} as const;
export type IntakeSource = keyof typeof INTAKE_SOURCES;
export type IntakeTokens = Partial<Record<IntakeSource, string>>;

/**
 * An onRequest hook (before the body is read or parsed): with a token configured the
 * caller must send `Authorization: Bearer <token>` (Alertmanager's
 * http_config.authorization); without one only loopback callers get in, so a fresh
 * install works on one machine and is closed to the network until a token is set.
 */
export function intakeGuard(source: IntakeSource, token: string | undefined) {
  const expected = token === undefined ? undefined : digest(token);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (expected === undefined) {
      if (isLoopback(request.socket.remoteAddress)) return;
      return refuse(
        request,
        reply,
        source,
        `no token is configured for ${source} (${INTAKE_SOURCES[source]}): only loopback callers are accepted`,
      );
    }
    const given = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
    if (given === undefined) return refuse(request, reply, source, 'missing bearer token');
    // Equal-length digests: the comparison time says nothing about the token.
    if (!timingSafeEqual(digest(given), expected)) return refuse(request, reply, source, 'wrong bearer token');
  };
}

function refuse(request: FastifyRequest, reply: FastifyReply, source: IntakeSource, message: string) {
  request.log.warn({ source, remote: request.socket.remoteAddress }, `alert intake refused: ${message}`);
  return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized', message });
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** The socket's address, never X-Forwarded-For: a header anyone can send must not open the door. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return address === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** For the start-up log: how each source is authenticated. */
export function describeIntakeAuth(
  tokens: IntakeTokens,
): { source: IntakeSource; auth: 'bearer token' | 'loopback only'; variable: string }[] {
  return (Object.keys(INTAKE_SOURCES) as IntakeSource[]).map((source) => ({
    source,
    auth: tokens[source] ? 'bearer token' : 'loopback only',
    variable: INTAKE_SOURCES[source],
  }));
}
