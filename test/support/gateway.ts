import { Client, type Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import type { Role } from '../../domain/roles';
import { parseSettings } from '../../domain/settings';
import type { Store } from '../../db/store';
import { createAuthenticator, createToken } from '../../platform/tokens';
import { buildGateway, type GatewayDeps } from '../../gateway/server';
import { createLogger } from '../../platform/logger';
import { codecsFor, dataConverterOf } from '../../platform/codec/data-converter';
import { setQuickCallDeadline } from '../../client/api/temporal-deadline';
import { TEST_IDENTITY_KEYS } from './temporal-env';

export const TEST_SETTINGS = parseSettings({
  ARXFLOW_JWT_SECRET: 'test-secret-that-is-at-least-32-characters',
  ARXFLOW_IDENTITY_KEYS: TEST_IDENTITY_KEYS,
});

export function tokenFor(subject: string, ...roles: Role[]): Promise<string> {
  return createToken(TEST_SETTINGS, { subject, roles });
}

/**
 * The real gateway on a free port over real HTTP (fastify's inject pulls an ESM-only module jest
 * cannot load). Like `npm start` with real auth: its Temporal client stamps identities and the
 * codec server is on (`extra.codec` replaces it, e.g. with encryption). `env` is a test
 * environment, or a connection to a server of the test's own (test/integration/gateway-temporal-outage.test.ts).
 */
export async function startGateway(
  env:
    | Pick<TestWorkflowEnvironment, 'connection' | 'client' | 'namespace' | 'supportsTimeSkipping'>
    | { connection: Connection; namespace?: string; client?: never },
  store: Store,
  taskQueue: string,
  extra: Partial<GatewayDeps> = {},
): Promise<{ app: FastifyInstance; url: string }> {
  const codec = extra.codec ?? {
    codecs: codecsFor(TEST_SETTINGS),
    webUiOrigin: 'http://localhost:8233',
    trustLocalWebUi: false,
  };
  // The time-skipping server (a JVM) may be slow to answer on a loaded machine: slow, not down.
  if ('supportsTimeSkipping' in env && env.supportsTimeSkipping) setQuickCallDeadline(10_000);
  const temporal = env.connection
    ? new Client({
        connection: env.connection,
        namespace: env.namespace ?? 'default',
        dataConverter: dataConverterOf(codec.codecs),
      })
    : env.client!;
  const { app } = await buildGateway({
    temporal,
    taskQueue,
    store,
    logger: createLogger('silent'),
    schedules: [],
    authenticator: createAuthenticator(TEST_SETTINGS),
    codec,
    ...extra,
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url };
}

/** fetch with a JSON body and an optional bearer token; returns status and parsed body. */
export async function call(
  url: string,
  init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const response = await fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...init.headers,
    },
    body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json: json as Record<string, unknown>, text, headers: response.headers };
}
