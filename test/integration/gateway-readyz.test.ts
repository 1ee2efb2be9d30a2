import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { openStore, type Store } from '../../db/store';
import { call, startGateway } from '../support/gateway';
import { ARXFLOW_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { createTestWorker, startDevServerEnv, uniqueTaskQueue } from '../support/temporal-env';

/** GET `url`, with how long the answer took. */
async function timed(url: string) {
  const started = performance.now();
  const answer = await call(url);
  return { ...answer, ms: performance.now() - started };
}

/** Asks /readyz until `accept` holds (the probe runs every ~2 s), for up to 10 s; returns the last answer. */
async function readyzUntil(url: string, accept: (answer: Awaited<ReturnType<typeof call>>) => boolean) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const answer = await call(`${url}/readyz`);
    if (accept(answer) || Date.now() > deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('gateway health on the dev server', () => {
  let env: TestWorkflowEnvironment;
  let store: Store;
  let gateway: FastifyInstance;
  let baseUrl: string;
  let worker: Worker | undefined;
  let workerRun: Promise<void> | undefined;
  const taskQueue = uniqueTaskQueue('readyz');

  beforeAll(async () => {
    [env, store] = await Promise.all([startDevServerEnv(), openStore({ inMemory: true })]);
    ({ app: gateway, url: baseUrl } = await startGateway(env, store, taskQueue));
  });
  afterAll(async () => {
    await gateway?.close();
    worker?.shutdown();
    await workerRun;
    await env?.teardown();
    await store?.close().catch(() => undefined); // the last test closed it already
  });

  const healthChecks = async () => (await env.client.workflow.count('WorkflowType = "healthCheck"')).count;

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

  it('readyz is 503 with Retry-After when no worker polls the task queue, and says since when', async () => {
    const first = await timed(`${baseUrl}/readyz`);
    expect(first.ms).toBeLessThan(1000);
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(first.json).toMatchObject({
      status: 'not ready',
      checks: {
        temporal: { ok: true },
        worker: { ok: false, error: expect.stringContaining(`no worker polls task queue ${taskQueue}`) },
        store: { ok: true, detail: { database: 'pglite' } },
      },
    });
    // A later probe: the failure keeps its `since`.
    const checkedAt = first.json.checkedAt as string;
    const later = await readyzUntil(baseUrl, (answer) => answer.json.checkedAt !== checkedAt);
    expect(later.json.checkedAt).not.toBe(checkedAt);
    const since = (answer: { json: Record<string, unknown> }) =>
      (answer.json.checks as { worker: { since: string } }).worker.since;
    expect(since(later)).toBe(since(first));
    expect(Date.parse(since(first))).toBeLessThanOrEqual(Date.parse(checkedAt));
  });

  it('readyz is 200 once a worker polls; 50 calls start no workflow and each answers within a second', async () => {
    worker = await createTestWorker(env, taskQueue, { store });
    workerRun = worker.run();
    const ready = await readyzUntil(baseUrl, (answer) => answer.status === 200);
    expect(ready.status).toBe(200);
    expect(ready.json).toMatchObject({
      status: 'ready',
      checks: {
        temporal: { ok: true },
        worker: { ok: true, detail: { taskQueue, workflowPollers: expect.any(Number) } },
        store: { ok: true },
      },
    });

    const before = await healthChecks();
    const answers = [];
    for (let i = 0; i < 50; i++) answers.push(await timed(`${baseUrl}/readyz`));
    expect(answers.filter((answer) => answer.status !== 200 || answer.ms >= 1000)).toEqual([]);
    expect(await healthChecks()).toBe(before);
    expect(before).toBe(0); // not one since the gateway started either
  });

  // Last: it closes the store the gateway and the worker share.
  it('readyz is 503 naming the store when the store does not answer', async () => {
    await store.close();
    const refused = await readyzUntil(baseUrl, (answer) => answer.status === 503);
    expect(refused.status).toBe(503);
    expect(refused.json).toMatchObject({
      status: 'not ready',
      checks: {
        temporal: { ok: true },
        worker: { ok: true },
        store: { ok: false, error: expect.stringContaining('closed') },
      },
    });
  });
});
