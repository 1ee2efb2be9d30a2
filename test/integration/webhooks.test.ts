import { randomUUID } from 'node:crypto';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { Counter, Registry } from 'prom-client';
import { openStore, type Store } from '../../db/store';
import { WebhookDeliveries } from '../../db/webhook-deliveries';
import { loadWebhookSources, registerWebhookRoutes, type WebhookRouteDeps } from '../../gateway/webhooks/routes';
import { derivedDeliveryId, signGithub, signTimestamped } from '../../platform/webhook-signatures';
import type { ProbeStatus } from '../../domain/probes';
import type { durabilityProbe } from '../../workflows';
import { openWorldStore, storeBackends } from '../support/store-backends';
import { createTestWorker, startDevServerEnv, uniqueTaskQueue } from '../support/temporal-env';

const CI_NEW = 'ci-new-secret-0123456789';
const CI_OLD = 'ci-old-secret-0123456789';
const TRACKER_SECRET = 'tracker-secret-0123456789';
const OTHER_SECRET = 'someone-elses-secret-0123456789';

const probeId = (build: string) => `ci-build/tower-a/${build}`;

/** The webhooks section as it would come out of arxflow.config.yaml. */
const webhooksSection = {
  ci: {
    scheme: 'timestamped',
    events: [
      {
        when: { kind: 'build.started' },
        action: 'start',
        workflowType: 'durabilityProbe',
        workflowId: 'ci-build/{{repository.name}}/{{build.id}}',
        args: [{ sleep: '1 hour', label: 'build {{build.id}}' }],
      },
      {
        when: { kind: 'build.finished' },
        action: 'update',
        workflowId: 'ci-build/{{repository.name}}/{{build.id}}',
        update: 'wakeUp',
        payload: { reason: '{{build.summary}}', actor: '{{sender.login}}' },
      },
      {
        when: { kind: 'build.nudged' },
        action: 'signal',
        workflowId: 'ci-build/{{repository.name}}/{{build.id}}',
        signal: 'wakeUp',
        payload: { reason: '{{note}}' },
      },
      {
        when: { kind: 'build.queued' },
        action: 'signalWithStart',
        workflowType: 'durabilityProbe',
        workflowId: 'ci-build/{{repository.name}}/{{build.id}}',
        args: [{ sleep: '1 hour', label: 'queued {{build.id}}' }],
        signal: 'wakeUp',
        payload: { reason: 'queued and woken at once', actor: '{{sender.login}}' },
      },
    ],
  },
  tracker: {
    scheme: 'github',
    secrets: [TRACKER_SECRET],
    events: [
      {
        when: { action: 'opened' },
        action: 'start',
        workflowType: 'durabilityProbe',
        workflowId: 'issue/{{issue.id}}',
        args: { sleep: '1 hour' },
      },
    ],
  },
  limited: { scheme: 'github', secrets: [TRACKER_SECRET], rateLimit: { max: 2, timeWindow: '1 minute' } },
  metered: { scheme: 'timestamped', secrets: [CI_NEW] },
};

describe('POST /v1/webhooks/:source on the dev server', () => {
  let env: TestWorkflowEnvironment;
  let store: Store;
  let deliveries: WebhookDeliveries;
  let worker: Worker;
  let workerRun: Promise<void>;
  let app: FastifyInstance;
  let baseUrl: string;
  const registry = new Registry();
  const verifications = new Counter({
    name: 'arxflow_webhook_verifications_total',
    help: 'test',
    labelNames: ['source', 'result'] as const,
    registers: [registry],
  });
  const taskQueue = uniqueTaskQueue('webhooks');
  const sources = loadWebhookSources(webhooksSection, { ARXFLOW_WEBHOOK_SECRET_CI: `${CI_NEW},${CI_OLD}` });

  async function buildApp(deps: WebhookRouteDeps): Promise<{ app: FastifyInstance; baseUrl: string }> {
    const built = Fastify();
    built.setValidatorCompiler(validatorCompiler);
    built.setSerializerCompiler(serializerCompiler);
    registerWebhookRoutes(built, deps);
    return { app: built, baseUrl: await built.listen({ port: 0, host: '127.0.0.1' }) };
  }

  beforeAll(async () => {
    [env, store] = await Promise.all([startDevServerEnv(), openWorldStore('webhooks')]);
    deliveries = new WebhookDeliveries(store.db);
    worker = await createTestWorker(env, taskQueue, { store });
    workerRun = worker.run();
    ({ app, baseUrl } = await buildApp({
      temporal: env.client,
      deliveries,
      sources,
      taskQueue,
      webhookVerifications: verifications,
    }));
  });
  afterAll(async () => {
    await app?.close();
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await workerRun;
    await env?.teardown();
    await store?.close();
  });

  const post = (source: string, body: string, headers: Record<string, string>, url = baseUrl) =>
    fetch(`${url}/v1/webhooks/${source}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });

  const nowSeconds = () => Math.floor(Date.now() / 1000);

  /** A CI delivery signed like the CI does it; `deliveryId: null` sends none. */
  function ciRequest(event: unknown, options: { secret?: string; t?: number; deliveryId?: string | null } = {}) {
    const body = JSON.stringify(event);
    const deliveryId = options.deliveryId === undefined ? randomUUID() : options.deliveryId;
    const headers: Record<string, string> = {
      'x-arxflow-signature': signTimestamped(body, options.secret ?? CI_NEW, options.t ?? nowSeconds()),
      ...(deliveryId === null ? {} : { 'x-arxflow-delivery': deliveryId }),
    };
    return { body, headers, deliveryId };
  }

  const sendCi = (event: unknown, options?: Parameters<typeof ciRequest>[1]) => {
    const request = ciRequest(event, options);
    return post('ci', request.body, request.headers);
  };

  /** A CI event about one build of tower-a; `build` fields are merged, other extras added at the top. */
  const buildEvent = (
    kind: string,
    buildId: string,
    { build, ...extra }: { build?: object; [field: string]: unknown } = {},
  ) => ({
    kind,
    build: { id: buildId, summary: 'green', ...build },
    repository: { name: 'tower-a' },
    sender: { login: 'mallory' },
    ...extra,
  });

  const handle = (workflowId: string) => env.client.workflow.getHandle<typeof durabilityProbe>(workflowId);
  const expectNotStarted = (workflowId: string) =>
    expect(handle(workflowId).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  const signalCount = async (workflowId: string) =>
    (await handle(workflowId).fetchHistory()).events?.filter((event) => event.workflowExecutionSignaledEventAttributes)
      .length;

  async function startProbe(build: string) {
    const response = await sendCi(buildEvent('build.started', build));
    expect(response.status).toBe(202);
  }

  describe('actions reach the workflow', () => {
    it('start: starts durabilityProbe on the default task queue with the args of the event', async () => {
      const { body, headers, deliveryId } = ciRequest(buildEvent('build.started', 'b-start'));
      const response = await post('ci', body, headers);
      expect(response.status).toBe(202);
      expect(await response.json()).toEqual({
        status: 'accepted',
        action: 'start',
        workflowId: probeId('b-start'),
        deliveryId,
      });
      const description = await handle(probeId('b-start')).describe();
      expect(description).toMatchObject({ type: 'durabilityProbe', taskQueue, status: { name: 'RUNNING' } });
      expect(await handle(probeId('b-start')).query<ProbeStatus>('probeStatus')).toMatchObject({ phase: 'sleeping' });
      expect(await deliveries.find('ci', deliveryId as string)).toMatchObject({
        status: 'done',
        result: { status: 'accepted', action: 'start', workflowId: probeId('b-start') },
      });
    });

    it('update: wakes the probe as webhook:ci, whatever actor the event claims', async () => {
      await startProbe('b-update');
      const response = await sendCi(buildEvent('build.finished', 'b-update', { build: { summary: 'build passed' } }));
      expect(response.status).toBe(202);
      expect(await response.json()).toMatchObject({
        status: 'accepted',
        action: 'update',
        workflowId: probeId('b-update'),
      });
      const result = await handle(probeId('b-update')).result();
      expect(result).toMatchObject({ label: 'build b-update', wokenBy: 'webhook:ci' });
    });

    it('signal: wakes the probe as webhook:ci', async () => {
      await startProbe('b-signal');
      const response = await sendCi(buildEvent('build.nudged', 'b-signal', { note: 'nudged by CI' }));
      expect(response.status).toBe(202);
      expect(await response.json()).toMatchObject({
        status: 'accepted',
        action: 'signal',
        workflowId: probeId('b-signal'),
      });
      expect(await handle(probeId('b-signal')).result()).toMatchObject({ wokenBy: 'webhook:ci' });
    });

    it('signalWithStart: starts the probe and signals it in one call', async () => {
      const response = await sendCi(buildEvent('build.queued', 'b-sws'));
      expect(response.status).toBe(202);
      expect(await response.json()).toMatchObject({
        status: 'accepted',
        action: 'signalWithStart',
        workflowId: probeId('b-sws'),
      });
      expect(await handle(probeId('b-sws')).describe()).toMatchObject({ type: 'durabilityProbe', taskQueue });
      expect(await handle(probeId('b-sws')).result()).toMatchObject({ label: 'queued b-sws', wokenBy: 'webhook:ci' });
      expect(await signalCount(probeId('b-sws'))).toBe(1);
    });

    it('github scheme: a tracker delivery starts its workflow', async () => {
      const body = JSON.stringify({ action: 'opened', issue: { id: 'ISS-7' } });
      const response = await post('tracker', body, {
        'x-hub-signature-256': signGithub(body, TRACKER_SECRET),
        'x-github-delivery': randomUUID(),
      });
      expect(response.status).toBe(202);
      expect(await handle('issue/ISS-7').describe()).toMatchObject({
        type: 'durabilityProbe',
        status: { name: 'RUNNING' },
      });
    });
  });

  describe('replays', () => {
    it('a replayed delivery is acknowledged once and ignored after: the workflow got exactly one signal', async () => {
      await startProbe('b-replay');
      // An empty reason: the probe records the refused wake-up and keeps sleeping, so every signal stays countable.
      const { body, headers, deliveryId } = ciRequest(buildEvent('build.nudged', 'b-replay', { note: '' }));
      const first = await post('ci', body, headers);
      expect(first.status).toBe(202);
      for (let replay = 0; replay < 2; replay += 1) {
        const again = await post('ci', body, headers);
        expect(again.status).toBe(200);
        expect(await again.json()).toEqual({ status: 'duplicate', deliveryId });
      }
      const status = await handle(probeId('b-replay')).query<ProbeStatus>('probeStatus');
      expect(status).toMatchObject({ phase: 'sleeping', refusedWakeUps: [{ actor: 'webhook:ci', reason: '' }] });
      expect(await signalCount(probeId('b-replay'))).toBe(1);
    });

    it('without a delivery header the id is derived from signature and body, so a byte-identical replay is a duplicate', async () => {
      await startProbe('b-derived');
      const { body, headers } = ciRequest(buildEvent('build.nudged', 'b-derived', { note: '' }), { deliveryId: null });
      const deliveryId = derivedDeliveryId(headers['x-arxflow-signature'] as string, Buffer.from(body));
      expect(await (await post('ci', body, headers)).json()).toMatchObject({ status: 'accepted', deliveryId });
      expect(await (await post('ci', body, headers)).json()).toEqual({ status: 'duplicate', deliveryId });
      // The query waits for the workflow to take the signal; history shows it only after that.
      expect(await handle(probeId('b-derived')).query<ProbeStatus>('probeStatus')).toMatchObject({
        refusedWakeUps: [{ reason: '' }],
      });
      expect(await signalCount(probeId('b-derived'))).toBe(1);
    });

    it('an event no rule matches is 202 ignored, recorded, and its replay is a duplicate', async () => {
      const { body, headers, deliveryId } = ciRequest({ kind: 'build.deleted', build: { id: 'b-ignored' } });
      const first = await post('ci', body, headers);
      expect(first.status).toBe(202);
      expect(await first.json()).toEqual({ status: 'ignored', deliveryId });
      expect(await deliveries.find('ci', deliveryId as string)).toMatchObject({
        status: 'done',
        result: { status: 'ignored' },
      });
      const again = await post('ci', body, headers);
      expect([again.status, await again.json()]).toEqual([200, { status: 'duplicate', deliveryId }]);
    });
  });

  describe('signatures: refused before anything is parsed, started or written', () => {
    const refusals: [
      string,
      (event: object) => { body: string; headers: Record<string, string>; deliveryId: string },
    ][] = [
      ['a signature made with another secret', (event) => signedBy(event, { secret: OTHER_SECRET })],
      [
        'no signature header',
        (event) => {
          const request = signedBy(event);
          delete request.headers['x-arxflow-signature'];
          return request;
        },
      ],
      ['a timestamp 6 minutes old', (event) => signedBy(event, { t: nowSeconds() - 6 * 60 })],
      ['a timestamp 6 minutes ahead', (event) => signedBy(event, { t: nowSeconds() + 6 * 60 })],
      [
        'a body altered after signing',
        (event) => {
          const request = signedBy(event);
          return { ...request, body: request.body.replace('"build.started"', '"build.started" ') };
        },
      ],
    ];

    function signedBy(event: object, options: { secret?: string; t?: number } = {}) {
      const request = ciRequest(event, options);
      return { ...request, deliveryId: request.deliveryId as string };
    }

    it.each(refusals)('%s: 401, no workflow, no delivery recorded', async (_label, makeRequest) => {
      const build = `b-refused-${randomUUID()}`;
      const { body, headers, deliveryId } = makeRequest(buildEvent('build.started', build));
      const response = await post('ci', body, headers);
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: 'unauthorized' });
      await expectNotStarted(probeId(build));
      expect(await deliveries.find('ci', deliveryId)).toBeUndefined();
    });

    it('github scheme: a wrong or missing X-Hub-Signature-256 is 401 and starts nothing', async () => {
      const body = JSON.stringify({ action: 'opened', issue: { id: 'ISS-refused' } });
      expect((await post('tracker', body, { 'x-hub-signature-256': signGithub(body, OTHER_SECRET) })).status).toBe(401);
      expect((await post('tracker', body, {})).status).toBe(401);
      expect(
        (await post('tracker', `${body}\n`, { 'x-hub-signature-256': signGithub(body, TRACKER_SECRET) })).status,
      ).toBe(401);
      await expectNotStarted('issue/ISS-refused');
    });

    it('rotation: the old and the new CI secret both pass, a third does not', async () => {
      const event = { kind: 'rotation-check' };
      expect((await sendCi(event, { secret: CI_NEW })).status).toBe(202);
      expect((await sendCi(event, { secret: CI_OLD })).status).toBe(202);
      expect((await sendCi(event, { secret: OTHER_SECRET })).status).toBe(401);
    });
  });

  describe('other refusals', () => {
    it('an unknown source is 404', async () => {
      const response = await post('jenkins', '{}', { 'x-hub-signature-256': signGithub('{}', TRACKER_SECRET) });
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: 'not_found', message: 'no webhook source "jenkins"' });
    });

    it('a signed body that is not JSON is 400 and records nothing', async () => {
      const body = 'kind=build.started';
      const deliveryId = randomUUID();
      const response = await post('ci', body, {
        'x-arxflow-signature': signTimestamped(body, CI_NEW, nowSeconds()),
        'x-arxflow-delivery': deliveryId,
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        error: 'bad_input',
        message: expect.stringMatching(/^body is not JSON/),
      });
      expect(await deliveries.find('ci', deliveryId)).toBeUndefined();
    });

    it('the content type does not matter: the signature is checked on the raw bytes first', async () => {
      const { body, headers } = ciRequest({ kind: 'build.deleted' });
      const asText = await post('ci', body, { ...headers, 'content-type': 'text/plain' });
      expect([asText.status, await asText.json()]).toEqual([202, expect.objectContaining({ status: 'ignored' })]);
      const unsigned = await post('ci', body, { 'content-type': 'application/x-www-form-urlencoded' });
      expect(unsigned.status).toBe(401);
    });

    it('the same delivery while the first is still in flight is 409 with Retry-After, not acknowledged', async () => {
      const { body, headers, deliveryId } = ciRequest(buildEvent('build.started', 'b-in-flight'));
      const inFlight = await deliveries.claim('ci', deliveryId as string);
      try {
        const response = await post('ci', body, headers);
        expect(response.status).toBe(409);
        expect(response.headers.get('retry-after')).toBe('10');
        expect(await response.json()).toMatchObject({ error: 'in_progress' });
        await expectNotStarted(probeId('b-in-flight'));
      } finally {
        if (inFlight.claimed) await inFlight.release();
      }
    });

    it('an event without a field the workflow id needs is 422 naming the path, and nothing starts', async () => {
      const { body, headers, deliveryId } = ciRequest({ kind: 'build.started', build: { id: 'b-no-repo' } });
      const response = await post('ci', body, headers);
      expect(response.status).toBe(422);
      expect(await response.json()).toEqual({
        error: 'missing_field',
        message: 'the event has no field repository.name',
        paths: ['repository.name'],
      });
      expect(await deliveries.find('ci', deliveryId as string)).toBeUndefined();
      await expectNotStarted('ci-build//b-no-repo');
    });

    it('an update the validator refuses is 422 with its message, and the delivery is released for a retry', async () => {
      await startProbe('b-refused-update');
      const { body, headers, deliveryId } = ciRequest(
        buildEvent('build.finished', 'b-refused-update', { build: { summary: '' } }),
      );
      const response = await post('ci', body, headers);
      expect(response.status).toBe(422);
      expect(await response.json()).toEqual({ error: 'rejected', message: 'reason: a reason is required' });
      expect(await deliveries.find('ci', deliveryId as string)).toBeUndefined();
      expect(await handle(probeId('b-refused-update')).query<ProbeStatus>('probeStatus')).toMatchObject({
        phase: 'sleeping',
      });
      // The sender retries the same delivery: refused again, not a "duplicate".
      expect((await post('ci', body, headers)).status).toBe(422);
    });

    it('starting a workflow that is already running is 409', async () => {
      await startProbe('b-twice');
      const response = await sendCi(buildEvent('build.started', 'b-twice'));
      expect(response.status).toBe(409);
      expect(await response.json()).toMatchObject({ error: 'already_started' });
    });

    it('starting a workflow id whose run has closed is 409 too, and no second run starts', async () => {
      await startProbe('b-closed');
      const first = await handle(probeId('b-closed')).describe();
      await handle(probeId('b-closed')).terminate('build cancelled');
      // The same event again under a new delivery id: a duplicate of the business id, not a new run.
      const response = await sendCi(buildEvent('build.started', 'b-closed'));
      expect(response.status).toBe(409);
      expect(await response.json()).toEqual({
        error: 'already_started',
        message: `workflow ${probeId('b-closed')} was already started (it runs once per id)`,
      });
      expect(await handle(probeId('b-closed')).describe()).toMatchObject({
        runId: first.runId,
        status: { name: 'TERMINATED' },
      });
    });

    it('a signal or update for a workflow that does not exist is 404 and the delivery is released', async () => {
      const signal = ciRequest(buildEvent('build.nudged', 'b-nobody', { note: 'hello?' }));
      const signalResponse = await post('ci', signal.body, signal.headers);
      expect(signalResponse.status).toBe(404);
      expect(await signalResponse.json()).toMatchObject({ error: 'not_found' });
      expect(await deliveries.find('ci', signal.deliveryId as string)).toBeUndefined();
      expect((await sendCi(buildEvent('build.finished', 'b-nobody'))).status).toBe(404);
    });

    it('Temporal unreachable is 503 and the delivery is released, so the sender retry runs it', async () => {
      // No retry interceptor: the refusal comes at once instead of after the client's backoff.
      const connection = Connection.lazy({ address: '127.0.0.1:1', interceptors: [] });
      const unreachable = await buildApp({ temporal: new Client({ connection }), deliveries, sources, taskQueue });
      try {
        const { body, headers, deliveryId } = ciRequest(buildEvent('build.started', 'b-unreachable'));
        const response = await post('ci', body, headers, unreachable.baseUrl);
        expect(response.status).toBe(503);
        expect(await response.json()).toMatchObject({ error: 'unavailable' });
        expect(await deliveries.find('ci', deliveryId as string)).toBeUndefined();
        // The retry reaches a gateway whose Temporal answers: it runs.
        expect((await post('ci', body, headers)).status).toBe(202);
        expect(await handle(probeId('b-unreachable')).describe()).toMatchObject({ status: { name: 'RUNNING' } });
      } finally {
        await unreachable.app.close();
        await connection.close();
      }
    });
  });

  it('rate limit: past `max` deliveries per window a source gets 429; other sources are unaffected', async () => {
    const body = JSON.stringify({ hello: 'world' });
    const headers = { 'x-hub-signature-256': signGithub(body, TRACKER_SECRET) };
    expect((await post('limited', body, headers)).status).toBe(202);
    expect((await post('limited', body, headers)).status).toBe(200); // the replay: still counted
    const limited = await post('limited', body, headers);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await sendCi({ kind: 'unlimited' })).status).toBe(202);
  });

  it('counts verifications by source and result', async () => {
    const event = { kind: 'metered' };
    const valid = ciRequest(event);
    expect((await post('metered', valid.body, valid.headers)).status).toBe(202);
    expect((await post('metered', valid.body, valid.headers)).status).toBe(200);
    const wrong = ciRequest(event, { secret: OTHER_SECRET });
    expect((await post('metered', wrong.body, wrong.headers)).status).toBe(401);
    const stale = ciRequest(event, { t: nowSeconds() - 6 * 60 });
    expect((await post('metered', stale.body, stale.headers)).status).toBe(401);
    expect((await post('metered', stale.body, stale.headers)).status).toBe(401);
    expect((await post('metered', valid.body, {})).status).toBe(401);

    const counts = Object.fromEntries(
      (await verifications.get()).values
        .filter((v) => v.labels.source === 'metered')
        .map((v) => [v.labels.result, v.value]),
    );
    expect(counts).toEqual({ valid: 1, duplicate: 1, invalid: 1, stale: 2, missing: 1 });
    expect(await registry.metrics()).toContain(
      'arxflow_webhook_verifications_total{source="metered",result="stale"} 2',
    );
  });
});

// On PostgreSQL too when DATABASE_URL is set (CI): PGlite runs one transaction at a time, so only there do the claims race.
describe.each(storeBackends('WebhookDeliveries claims'))('WebhookDeliveries claims (%s)', (_name, backend) => {
  let store: Store;
  let cleanup: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const opened = await backend();
    cleanup = opened.cleanup;
    store = await openStore(opened.location);
  });
  afterAll(async () => {
    await store?.close();
    await cleanup?.();
  });

  it('one claim per delivery: complete makes it done; release lets the next claim run it', async () => {
    const deliveries = new WebhookDeliveries(store.db);
    const first = await deliveries.claim('ci', 'd-1');
    expect(first.claimed).toBe(true);
    expect(await deliveries.claim('ci', 'd-1')).toEqual({ claimed: false, status: 'processing', result: null });
    expect((await deliveries.claim('tracker', 'd-1')).claimed).toBe(true); // ids are per source
    if (!first.claimed) throw new Error('unreachable');
    await first.release();
    const second = await deliveries.claim('ci', 'd-1');
    if (!second.claimed) throw new Error('expected a fresh claim after release');
    await second.complete({ status: 'accepted', workflowId: 'w' });
    expect(await deliveries.claim('ci', 'd-1')).toEqual({
      claimed: false,
      status: 'done',
      result: { status: 'accepted', workflowId: 'w' },
    });
  });

  it('a processing claim past the reclaim age is taken over; the presumed-dead claimant can no longer touch it', async () => {
    const crashed = await new WebhookDeliveries(store.db).claim('ci', 'd-crash');
    const impatient = new WebhookDeliveries(store.db, { reclaimAfterSeconds: 0 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const takeover = await impatient.claim('ci', 'd-crash');
    expect(takeover.claimed).toBe(true);
    if (!crashed.claimed || !takeover.claimed) throw new Error('unreachable');
    await crashed.release();
    await crashed.complete({ status: 'late' });
    expect(await impatient.find('ci', 'd-crash')).toMatchObject({ status: 'processing', result: null });
    await takeover.complete({ status: 'accepted' });
    expect(await impatient.find('ci', 'd-crash')).toMatchObject({ status: 'done', result: { status: 'accepted' } });
    // Done is final: no age makes it claimable again.
    expect(await impatient.claim('ci', 'd-crash')).toMatchObject({ claimed: false, status: 'done' });
  });

  it('of concurrent claims exactly one wins', async () => {
    const deliveries = new WebhookDeliveries(store.db);
    const claims = await Promise.all(Array.from({ length: 8 }, () => deliveries.claim('ci', 'd-race')));
    expect(claims.filter((claim) => claim.claimed)).toHaveLength(1);
  });
});
