import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import { openStore, type Store } from '../../db/store';
import { startGateway } from '../support/gateway';
import { MIGRATIONS } from '../support/migrations';
import { ARXFLOW_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { createTestWorker, startDevServerEnv, uniqueTaskQueue } from '../support/temporal-env';

describe('gateway health on the dev server', () => {
  let env: TestWorkflowEnvironment;
  let store: Store;
  let gateway: FastifyInstance;
  let baseUrl: string;
  const taskQueue = uniqueTaskQueue('readyz');

  beforeAll(async () => {
    [env, store] = await Promise.all([startDevServerEnv(), openStore({ inMemory: true })]);
    ({ app: gateway, url: baseUrl } = await startGateway(env, store, taskQueue));
  });
  afterAll(async () => {
    await gateway?.close();
    await env?.teardown();
    await store?.close();
  });

  it('registers every arxflow search attribute on the dev server', async () => {
    const listed = await env.connection.operatorService.listSearchAttributes({ namespace: env.namespace ?? 'default' });
    const registered = Object.keys(listed.customAttributes ?? {});
    expect(registered).toEqual(expect.arrayContaining(ARXFLOW_SEARCH_ATTRIBUTES.map((key) => key.name)));
  });

  it('healthz answers while the process lives', async () => {
    const response = await fetch(`${baseUrl}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('readyz is 200 when a worker runs healthCheck against the store', async () => {
    const worker = await createTestWorker(env, taskQueue, { store });
    const response = await worker.runUntil(fetch(`${baseUrl}/readyz`));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: 'ready',
      checks: {
        temporal: { ok: true },
        workerAndStore: { ok: true, detail: { database: 'pglite', migrations: MIGRATIONS.length } },
      },
    });
  });

  it('readyz is 503 when no worker polls the task queue', async () => {
    const response = await fetch(`${baseUrl}/readyz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      status: 'not ready',
      checks: { temporal: { ok: true }, workerAndStore: { ok: false } },
    });
  });
});
