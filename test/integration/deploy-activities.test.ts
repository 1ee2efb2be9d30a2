import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment, type TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { createDeployActivities } from '../../activities/deploy';
import type { TargetRequest } from '../../activities/deploy/deploy-activity-types';
import { DeploymentRecords } from '../../db/deployment-records';
import { QualityResults } from '../../db/quality-results';
import { openStore, type Store } from '../../db/store';
import { openTestStore } from '../support/pglite-template';
import { parseEscalationConfig } from '../../domain/alerts/escalation-policy-schemas';
import { DEFAULT_ESCALATION } from '../../domain/config-file';
import type { HealthConfig, HttpCheck } from '../../domain/deploy/deploy-types';
import { parseSettings } from '../../domain/settings';
import { freePort } from '../../scripts/ports';
import { recordingKubectl, type RecordingKubectl } from '../support/recording-kubectl';
import { openWorldStore, storeBackends, type StoreBackend } from '../support/store-backends';
import { createTestWorker, startDevServerEnv, uniqueTaskQueue } from '../support/temporal-env';

const escalation = parseEscalationConfig(DEFAULT_ESCALATION);

function kubectlRequest(kubectl: RecordingKubectl, stage: string, version = '1.2.0'): TargetRequest {
  return {
    workflowId: 'deploy/web/production/1.2.0',
    stage,
    service: 'web',
    environment: 'production',
    configDir: '/nonexistent',
    version,
    previousVersion: '1.1.0',
    target: {
      type: 'kubectl',
      kubectl: kubectl.binary,
      namespace: 'web',
      deployment: 'web',
      container: 'web',
      image: 'registry.example/web:{{version}}',
      rolloutTimeout: '30s',
      baseUrl: 'http://web.internal',
    },
  };
}

describe.each(storeBackends('deployment records'))('deployment records and target changes on %s', (_name, backend) => {
  let store: Store;
  let handle: StoreBackend;
  let kubectl: RecordingKubectl;
  beforeAll(async () => {
    handle = await backend();
    store = await openStore(handle.location);
  });
  afterAll(async () => {
    await store?.close();
    await handle?.cleanup();
  });
  beforeEach(() => {
    kubectl = recordingKubectl();
    kubectl.answer({ match: 'get deployment web', stdout: 'registry.example/web:1.2.0' });
  });
  afterEach(() => kubectl.remove());

  const activities = () => createDeployActivities({ store, dataDir: tmpdir(), escalation });

  test('a stage runs its target change once: the retry returns the record, kubectl is not called again', async () => {
    const request = kubectlRequest(kubectl, `production.deploy-${Date.now()}`);
    const first = await activities().deployVersion(request);
    expect(first).toEqual({
      changed: true,
      serving: '1.2.0',
      baseUrl: 'http://web.internal',
      detail: '1.2.0 deployed and switched to (the target runs one version)',
    });
    const commands = kubectl.commands();
    expect(commands.filter((c) => c.includes('set image'))).toHaveLength(1);

    const retry = await activities().deployVersion(request);
    expect(retry).toEqual({ ...first, changed: false });
    expect(kubectl.commands()).toEqual(commands);

    const records = await new DeploymentRecords(store.db).list(request.workflowId);
    expect(records.filter((r) => r.stage === request.stage)).toEqual([
      expect.objectContaining({
        stage: request.stage,
        version: '1.2.0',
        outcome: expect.objectContaining({ serving: '1.2.0' }),
      }),
    ]);
  });

  test('a crash between the change and its record: the change runs again (a no-op for the target) and is recorded once', async () => {
    const request = kubectlRequest(kubectl, `production.step-1-${Date.now()}`);
    // The first attempt changed the cluster and died before recording: nothing is in the table.
    await activities().setTrafficWeight({ ...request, weight: 100 });
    await store.db.query('DELETE FROM deployment_records WHERE workflow_id = $1 AND stage = $2', [
      request.workflowId,
      request.stage,
    ]);
    const again = await activities().setTrafficWeight({ ...request, weight: 100 });
    expect(again).toMatchObject({ changed: true, serving: '1.2.0', detail: '100% of traffic to 1.2.0' });
    const twice = await Promise.all([
      activities().setTrafficWeight({ ...request, weight: 100 }),
      activities().setTrafficWeight({ ...request, weight: 100 }),
    ]);
    expect(twice.map((o) => o.changed)).toEqual([false, false]);
    const rows = await store.db.query('SELECT 1 FROM deployment_records WHERE workflow_id = $1 AND stage = $2', [
      request.workflowId,
      request.stage,
    ]);
    expect(rows).toHaveLength(1);
  });

  test('rollback is recorded under its own stage; a failed rollout is final and records nothing', async () => {
    const request = kubectlRequest(kubectl, `production.rollback-${Date.now()}`);
    kubectl.answer({ match: 'rollout status', stderr: 'error: timed out waiting for the condition', exitCode: 1 });
    await expect(activities().rollbackVersion(request)).rejects.toMatchObject({
      type: 'RolloutFailed',
      nonRetryable: true,
      message: expect.stringContaining('timed out waiting for the condition'),
    });
    await expect(new DeploymentRecords(store.db).get(request.workflowId, request.stage)).resolves.toBeUndefined();
  });

  test('qualityVerdict: the latest attempt of the commit, by full or abbreviated sha; none: null', async () => {
    const quality = new QualityResults(store.db);
    const sha = `${Date.now().toString(16)}abcdef0123456789abcdef0123456789`.slice(0, 40);
    const record = (attempt: number, verdict: 'pass' | 'fail') =>
      quality.record({
        runId: `run-${sha}-${attempt}`,
        service: 'acme/web',
        branch: 'main',
        sha,
        attempt,
        verdict: { verdict, checks: [] },
        metrics: {},
        testResults: [],
        flaky: [],
        owners: [],
      });
    await record(1, 'fail');
    await record(2, 'pass');
    const a = activities();
    await expect(a.qualityVerdict({ repo: 'acme/web', commit: sha })).resolves.toEqual({
      verdict: 'pass',
      gateId: `quality/acme/web/${sha}/2`,
    });
    await expect(a.qualityVerdict({ repo: 'acme/web', commit: sha.slice(0, 8) })).resolves.toMatchObject({
      verdict: 'pass',
    });
    await expect(a.qualityVerdict({ repo: 'acme/web', commit: sha.slice(0, 4) })).resolves.toBeNull();
    await expect(a.qualityVerdict({ repo: 'acme/other', commit: sha })).resolves.toBeNull();
  });
});

describe('health checks and smoke tests over real HTTP', () => {
  let server: Server;
  let baseUrl: string;
  let flakyHits = 0;
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore();
    server = createServer((req, res) => {
      if (req.url === '/ok') return void res.writeHead(200).end('status: ok');
      if (req.url === '/slow') return void setTimeout(() => res.writeHead(200).end('ok'), 300);
      // Every second answer fails: never two passing rounds in a row.
      if (req.url === '/flaky') return void res.writeHead(flakyHits++ % 2 === 0 ? 200 : 503).end();
      res.writeHead(404).end('not found');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await store.close();
  });

  const check = (name: string, extra: Partial<HttpCheck>): HttpCheck => ({
    name,
    method: 'GET',
    expectStatus: 200,
    ...extra,
  });
  const vars = () => ({ service: 'web', environment: 'staging', version: '1.2.0', baseUrl });
  const health = (checks: HttpCheck[], extra: Partial<HealthConfig> = {}): HealthConfig => ({
    checks,
    successes: 3,
    interval: '50ms',
    timeout: '2s',
    ...extra,
  });
  const activities = () => createDeployActivities({ store, dataDir: tmpdir(), escalation });

  test('passes after `successes` consecutive passing rounds', async () => {
    const outcome = await activities().runHealthChecks({
      health: health([
        check('ok', { path: '/ok', bodyMatch: 'status: (ok|fine)' }),
        check('abs', { url: '{{baseUrl}}/ok' }),
      ]),
      vars: vars(),
    });
    expect(outcome.ok).toBe(true);
    expect(outcome.detail).toMatch(/^3 consecutive rounds passed \(3 in all\): ok: 200 in \d+ ms; abs: 200 in \d+ ms$/);
  });

  test('fails within the timeout, the detail naming the failing check and why', async () => {
    const started = Date.now();
    const outcome = await activities().runHealthChecks({
      health: health([check('ok', { path: '/ok' }), check('version', { path: '/version' })], { timeout: '500ms' }),
      vars: vars(),
    });
    // The timeout ends the rounds (without it they would go on until the test's own timeout); room for a loaded machine.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(outcome.ok).toBe(false);
    expect(outcome.detail).toContain(`version: GET ${baseUrl}/version: expected 200, got 404`);
    expect(outcome.detail).not.toContain('ok: GET');
    expect(outcome.detail).toMatch(/\(0 of 3 consecutive passing rounds within 500ms, \d+ rounds\)$/);
  });

  test('a flapping service never gets its consecutive rounds; a slow one fails its latency bound; a body must match', async () => {
    const flapping = await activities().runHealthChecks({
      health: health([check('flaky', { path: '/flaky' })], { successes: 2, timeout: '600ms' }),
      vars: vars(),
    });
    expect(flapping).toMatchObject({ ok: false, detail: expect.stringContaining('flaky: GET') });
    expect(flapping.detail).toContain('expected 200, got 503');

    const slow = await activities().runSmokeTests({
      checks: [check('slow', { path: '/slow', maxLatencyMs: 100 })],
      vars: vars(),
    });
    expect(slow.ok).toBe(false);
    expect(slow.detail).toMatch(/^slow: GET .*\/slow: \d+ ms, over 100 ms$/);

    const body = await activities().runSmokeTests({
      checks: [check('body', { path: '/ok', bodyMatch: '^healthy$' })],
      vars: vars(),
    });
    expect(body).toEqual({ ok: false, detail: `body: GET ${baseUrl}/ok: body does not match /^healthy$/` });
  });

  test('smoke tests run each check once and name every failure; a refused connection is a failure, not a throw', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const passing = await activities().runSmokeTests({
      checks: [check('ok', { path: '/ok' }), check('head', { path: '/ok', method: 'HEAD' })],
      vars: vars(),
    });
    expect(passing).toEqual({ ok: true, detail: '2 smoke tests passed' });
    const failing = await activities().runSmokeTests({
      checks: [check('missing', { path: '/missing', expectStatus: 200 }), check('gone', { url: `${closed}/x` })],
      vars: vars(),
    });
    expect(failing.ok).toBe(false);
    expect(failing.detail.split('\n')).toEqual([
      `missing: GET ${baseUrl}/missing: expected 200, got 404`,
      `gone: GET ${closed}/x: ECONNREFUSED`,
    ]);
  });

  test('PROMETHEUS_URL is a setting (trailing slash dropped); a bad one names the variable', () => {
    expect(parseSettings({ PROMETHEUS_URL: 'http://127.0.0.1:9090/' }).prometheusUrl).toBe('http://127.0.0.1:9090');
    expect(parseSettings({}).prometheusUrl).toBeUndefined();
    expect(() => parseSettings({ PROMETHEUS_URL: 'not a url' })).toThrow(/PROMETHEUS_URL/);
  });
});

describe('a failed rollback raises a critical alert through the alert workflow (dev server)', () => {
  const world = {} as { env: TestWorkflowEnvironment; store: Store };
  beforeAll(async () => {
    [world.env, world.store] = await Promise.all([startDevServerEnv(), openWorldStore('deploy alert')]);
  });
  afterAll(async () => {
    await world.env?.teardown();
    await world.store?.close();
  });
  // Inner block: its worker stops before the outer block tears the server down.
  describe('with a worker', () => {
    let worker: Worker;
    let running: Promise<void>;
    let dataDir: string;
    const taskQueue = uniqueTaskQueue('deploy-alert');
    beforeAll(async () => {
      dataDir = mkdtempSync(path.join(tmpdir(), 'arxflow-deploy-alert-'));
      worker = await createTestWorker(world.env, taskQueue, { store: world.store, dataDir });
      running = worker.run();
    });
    afterAll(async () => {
      worker?.shutdown();
      await running;
      rmSync(dataDir, { recursive: true, force: true });
    });

    test('the alert is critical, names the service, environment and deployment; a retry reaches the same alert', async () => {
      const activities = createDeployActivities({ store: world.store, dataDir, escalation });
      const env = new MockActivityEnvironment({ taskQueue }, { client: world.env.client });
      const request = {
        workflowId: 'deploy/web/production/1.2.0',
        service: 'web',
        environment: 'production',
        version: '1.2.0',
        summary: 'rollback of web 1.2.0 in production failed: rollout status timed out',
      };
      const alertId = (await env.run(activities.raiseDeploymentAlert, request)) as string;
      expect(alertId).toMatch(/^alert\/deploy-[0-9a-f]{32}$/);
      expect(await env.run(activities.raiseDeploymentAlert, request)).toBe(alertId);

      const status = await world.env.client.workflow.getHandle(alertId).query<{
        severity: string;
        summary: string;
        service?: string;
        labels: Record<string, string>;
        status: string;
      }>('status');
      expect(status).toMatchObject({
        severity: 'critical',
        summary: request.summary,
        service: 'web',
        labels: { service: 'web', environment: 'production', deployment: request.workflowId },
      });
      const description = await world.env.client.workflow.getHandle(alertId).describe();
      expect(description.type).toBe('alertEscalation');
    });
  });
});
