import net from 'node:net';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { forwardToDeployment } from '../../client/api/alert-intake';
import { alertStatusQuery } from '../../workflows/alerts/messages';
import type { AlertEvent } from '../../domain/alerts/types';
import { deploymentsConfigSchema } from '../../domain/deploy/deploy-config';
import { deploymentWorkflowId, type DeploymentView } from '../../domain/deploy/deploy-types';
import { parseInput } from '../../domain/validation';
import { runArxflowInProcess } from '../support/cli-in-process';
import { useDevServerWorld } from '../support/dev-server-world';
import { recordingKubectl } from '../support/recording-kubectl';
import { call, TEST_SETTINGS, tokenFor } from '../support/gateway';
import { waitUntil } from '../support/service-process';

/**
 * Services whose deployments stop where a person decides: `api`'s production waits for its
 * reviewers, `frozen` for a freeze window that covers every day. Their kubectl is a recording
 * one (no cluster here): a deployment that gets past its gate runs its commands there.
 */
const recorder = recordingKubectl();
afterAll(() => recorder.remove());
const kubectl = (name: string) => ({
  type: 'kubectl',
  kubectl: recorder.binary,
  namespace: name,
  deployment: 'web',
  container: 'web',
  image: 'registry.test/web:{{version}}',
});
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const DEPLOYMENTS = parseInput(
  deploymentsConfigSchema,
  {
    services: [
      {
        name: 'api',
        environments: [
          { name: 'staging', target: kubectl('staging') },
          {
            name: 'production',
            target: kubectl('production'),
            approval: { users: ['rita', 'rob'], roles: [], quorum: 1, deadline: '1 hour', notify: [] },
          },
        ],
      },
      {
        name: 'frozen',
        environments: [
          {
            name: 'production',
            target: kubectl('production'),
            // A blackout from yesterday for 300 days: closed now, and it opens within the 400 days the workflow looks ahead.
            windows: { timezone: 'Europe/Berlin', allowed: [], blackouts: [{ from: day(-1), to: day(300) }] },
          },
        ],
      },
    ],
  },
  'deployments',
);

const AM_TOKEN = 'am-token-0123456789abcdef';
const world = useDevServerWorld('deploy-api', {
  gateway: {
    deployments: { config: DEPLOYMENTS, configDir: __dirname },
    alerts: { tokens: { alertmanager: AM_TOKEN } },
  },
});
const tokens = {} as Record<'deployer' | 'operator' | 'viewer' | 'reviewer' | 'rita' | 'admin' | 'nobody', string>;

beforeAll(async () => {
  [tokens.deployer, tokens.operator, tokens.viewer, tokens.reviewer, tokens.rita, tokens.admin, tokens.nobody] =
    await Promise.all([
      tokenFor('dora', 'deployer'),
      tokenFor('olga', 'operator'),
      tokenFor('vera', 'viewer'),
      tokenFor('rob', 'reviewer'),
      tokenFor('rita', 'reviewer'),
      tokenFor('ada', 'admin'),
      tokenFor('nora'),
    ]);
});

const start = (body: unknown, token = tokens.deployer) => call(`${world.url}/v1/deployments`, { token, body });
const act = (path: string, body: unknown, token: string) =>
  call(`${world.url}/v1/deployments/${path}`, { token, body });

/** Nothing of `id` exists in Temporal: never started. */
async function expectNotStarted(id: string) {
  await expect(world.env.client.workflow.getHandle(id).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
}

describe('POST /v1/deployments: bad input is a 400 naming the field, and nothing starts', () => {
  it.each([
    ['an unknown service', { service: 'nope', version: '1.0.0' }, 'service', 'deploy/nope/staging/1.0.0'],
    [
      'an unknown environment',
      { service: 'api', version: '1.0.0', environment: 'qa' },
      'environment',
      'deploy/api/qa/1.0.0',
    ],
    ['a malformed version', { service: 'api', version: '1.0' }, 'body.version', 'deploy/api/staging/1.0'],
    ['a "v" version', { service: 'api', version: 'v1.0.0' }, 'body.version', 'deploy/api/staging/v1.0.0'],
    [
      'a bad commit',
      { service: 'api', version: '1.0.1', commit: 'not-a-sha' },
      'body.commit',
      'deploy/api/staging/1.0.1',
    ],
    [
      'an artifact that reads as an option',
      { service: 'api', version: '1.0.2', artifact: '--kubeconfig=/etc/x' },
      'body.artifact',
      'deploy/api/staging/1.0.2',
    ],
    [
      'requestedBy (the caller is who starts)',
      { service: 'api', version: '1.0.3', requestedBy: 'someone-else' },
      'body.requestedBy',
      'deploy/api/staging/1.0.3',
    ],
    [
      'a service name outside the names a config may have',
      { service: "api' OR 1=1", version: '1.0.4' },
      'body.service',
      "deploy/api' OR 1=1/staging/1.0.4",
    ],
  ])('%s', async (_what, body, field, id) => {
    const answer = await start(body);
    expect(answer.status).toBe(400);
    expect(answer.json.error).toBe('bad_input');
    expect((answer.json.issues as { path: string }[]).map((issue) => issue.path)).toContain(field);
    expect(answer.json.message).toContain(field.replace(/^body\./, ''));
    await expectNotStarted(id);
  });

  it('lists nothing after the refused starts', async () => {
    const list = await call(`${world.url}/v1/deployments?service=api`, { token: tokens.viewer });
    expect(list.status).toBe(200);
    expect(list.json.deployments).toEqual([]);
  });
});

describe('roles', () => {
  it.each([
    ['a viewer', 'viewer'],
    ['a reviewer', 'reviewer'],
    ['a token without roles', 'nobody'],
  ] as const)('%s may not start a deployment (403), and nothing starts', async (_who, role) => {
    const answer = await start({ service: 'api', version: '2.0.0' }, tokens[role]);
    expect(answer.status).toBe(403);
    await expectNotStarted(deploymentWorkflowId('api', 'staging', '2.0.0'));
  });

  it('without a token: 401 before the body is looked at', async () => {
    expect((await call(`${world.url}/v1/deployments`, { body: { nonsense: true } })).status).toBe(401);
  });

  it('a deployer may not approve, nor override a freeze window; a viewer may not steer (403)', async () => {
    const approve = await act('api/production/3.0.0/approve', {}, tokens.deployer);
    expect(approve.status).toBe(403);
    expect(approve.json.message).toMatch(/reviewer or approver/);
    const override = await act('frozen/production/3.0.0/override-window', { reason: 'hotfix' }, tokens.deployer);
    expect(override.status).toBe(403);
    expect(override.json.message).toMatch(/admin/);
    expect((await act('api/production/3.0.0/pause', {}, tokens.viewer)).status).toBe(403);
  });

  it('an action body is checked per action: a reason is required for abort, identity fields are refused', async () => {
    const abort = await act('api/production/3.0.0/abort', {}, tokens.deployer);
    expect(abort.status).toBe(400);
    expect((abort.json.issues as { path: string }[]).map((issue) => issue.path)).toEqual(['reason']);
    const approve = await act('api/production/3.0.0/approve', { actor: 'rob' }, tokens.rita);
    expect(approve.status).toBe(400);
    expect(approve.json.message).toMatch(/actor: the actor is the authenticated caller/);
    const unknown = await act('api/production/3.0.0/deploy-faster', {}, tokens.admin);
    expect(unknown.status).toBe(400);
  });
});

describe('a CI system starts a deployment with a deployer token (arxflow token create --role deployer)', () => {
  let ciToken: string;
  beforeAll(async () => {
    const minted = await runArxflowInProcess(['token', 'create', '--sub', 'ci-pipeline', '--role', 'deployer'], {
      ARXFLOW_JWT_SECRET: TEST_SETTINGS.auth.jwtSecret,
    });
    expect(minted.status).toBe(0);
    ciToken = minted.stdout.trim();
  });

  it('answers 202 with the contract shape; the run carries the caller as requestedBy and the search attributes', async () => {
    const answer = await start({ service: 'api', version: '1.2.0', commit: 'abcdef1' }, ciToken);
    expect(answer.status).toBe(202);
    expect(answer.json).toEqual({
      workflowId: 'deploy/api/staging/1.2.0',
      service: 'api',
      environment: 'staging',
      version: '1.2.0',
      status: 'queued',
      existing: false,
    });
    const handle = world.env.client.workflow.getHandle('deploy/api/staging/1.2.0');
    const description = await handle.describe();
    expect(description.type).toBe('deployment');
    const attributes = Object.fromEntries(
      description.typedSearchAttributes.getAll().map((pair) => [pair.key.name, pair.value]),
    );
    expect(attributes).toMatchObject({ DeployService: ['api'], DeployEnvironment: ['staging'] });
    const history = await handle.fetchHistory();
    const input = world.env.client.options.loadedDataConverter.payloadConverter.fromPayload(
      history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!,
    );
    expect(input).toMatchObject({
      service: 'api',
      environment: 'staging',
      version: '1.2.0',
      commit: 'abcdef1',
      requestedBy: 'ci-pipeline',
      whenBusy: 'wait',
      config: { name: 'api' },
    });
  });

  it('the same start again answers the existing deployment and starts nothing new', async () => {
    const before = await world.env.client.workflow.getHandle('deploy/api/staging/1.2.0').describe();
    const again = await start({ service: 'api', version: '1.2.0' }, ciToken);
    expect(again.status).toBe(202);
    expect(again.json).toMatchObject({ workflowId: 'deploy/api/staging/1.2.0', existing: true });
    const after = await world.env.client.workflow.getHandle('deploy/api/staging/1.2.0').describe();
    expect(after.runId).toBe(before.runId);
  });
});

/** GET a deployment until `check` holds (the workflow moves on its own; a few seconds at most here). */
async function eventually(path: string, check: (view: DeploymentView) => boolean): Promise<DeploymentView> {
  let last: unknown;
  for (let attempt = 0; attempt < 100; attempt++) {
    const answer = await call(`${world.url}/v1/deployments/${path}`, { token: tokens.viewer });
    last = answer.json;
    if (answer.status === 200 && check(answer.json as unknown as DeploymentView))
      return answer.json as unknown as DeploymentView;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`GET ${path} never matched; last answer ${JSON.stringify(last)}`);
}

describe('steering a running deployment: approvals, the queue, the freeze window', () => {
  const starter = {} as { token: string };
  beforeAll(async () => {
    // rita may start deployments and is a reviewer of api's production: never of her own.
    starter.token = await tokenFor('rita', 'deployer', 'reviewer');
  });

  it('waits for approval; a self-approval and a non-reviewer are 409 with the reason, recorded nowhere as votes', async () => {
    const started = await start({ service: 'api', version: '1.0.0', environment: 'production' }, starter.token);
    expect(started.status).toBe(202);
    const view = await eventually('api/production', (v) => v.status === 'waiting_approval');
    expect(view).toMatchObject({
      workflowId: 'deploy/api/production/1.0.0',
      requestedBy: 'rita',
      approvals: { quorum: 1, users: ['rita', 'rob'], votes: [] },
    });

    const self = await act('api/production/1.0.0/approve', { comment: 'lgtm' }, starter.token);
    expect(self.status).toBe(409);
    expect(self.json.message).toMatch(/rita started this deployment and may not approve it \(no self-approval\)/);
    const stranger = await act('api/production/1.0.0/approve', {}, await tokenFor('vera', 'reviewer'));
    expect(stranger.status).toBe(409);
    expect(stranger.json.message).toMatch(/vera is not a reviewer/);
    const latest = await call(`${world.url}/v1/deployments/api/production?version=1.0.0`, { token: tokens.viewer });
    expect((latest.json as unknown as DeploymentView).approvals?.votes).toEqual([]);
  });

  it('queue: false while another deployment of api/production runs is 409 and starts nothing; queued, it waits its turn', async () => {
    const refused = await start({ service: 'api', version: '1.1.0', environment: 'production', queue: false });
    expect(refused.status).toBe(409);
    expect(refused.json.message).toMatch(/busy: deploy\/api\/production\/1\.0\.0 is running/);
    await expectNotStarted('deploy/api/production/1.1.0');

    const queued = await start({ service: 'api', version: '1.1.0', environment: 'production' });
    expect(queued.status).toBe(202);
    const waiting = await eventually('api/production?version=1.1.0', (v) => v.queue?.position === 1);
    expect(waiting.queue).toMatchObject({ position: 1, ahead: 'deploy/api/production/1.0.0' });
    // The latest of api/production is the newest started: the queued one.
    expect((await eventually('api/production', () => true)).version).toBe('1.1.0');
  });

  it('a reviewer rejects: 200 with the vote; the next in the queue gets its turn; a deployer aborts it with a reason', async () => {
    const rejected = await act('api/production/1.0.0/reject', { comment: 'not today' }, tokens.reviewer);
    expect(rejected.status).toBe(200);
    expect((rejected.json as unknown as DeploymentView).approvals?.votes).toEqual([
      expect.objectContaining({ actor: 'rob', decision: 'reject', comment: 'not today' }),
    ]);
    await eventually('api/production?version=1.0.0', (v) => v.status === 'rejected');
    await eventually('api/production?version=1.1.0', (v) => v.status === 'waiting_approval');

    const aborted = await act('api/production/1.1.0/abort', { reason: 'superseded' }, tokens.deployer);
    expect(aborted.status).toBe(200);
    const ended = await eventually('api/production?version=1.1.0', (v) =>
      ['rolled_back', 'rejected', 'failed'].includes(v.status),
    );
    expect(ended.reason).toMatch(/superseded/);
    const again = await act('api/production/1.1.0/resume', {}, tokens.deployer);
    expect(again.status).toBe(409);
    // Ended, or ending (its rollback under way): either way nothing to resume.
    expect(again.json.message).toMatch(/has ended|nothing to resume/);
  });

  it('lists deployments by service, environment and status', async () => {
    const list = async (query: string) =>
      (
        (await call(`${world.url}/v1/deployments?${query}`, { token: tokens.viewer })).json.deployments as {
          workflowId: string;
        }[]
      ).map((row) => row.workflowId);
    const production = await list('service=api&environment=production');
    expect(production).toEqual(['deploy/api/production/1.1.0', 'deploy/api/production/1.0.0']);
    for (let attempt = 0; attempt < 50 && !(await list('service=api&status=rejected')).length; attempt++)
      await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await list('service=api&status=rejected')).toContain('deploy/api/production/1.0.0');
    expect(await list('service=frozen')).toEqual([]);
  });

  it('outside its freeze window it waits; only an admin overrides it, with the reason audited in its view', async () => {
    expect((await start({ service: 'frozen', version: '1.0.0' })).status).toBe(202);
    const waiting = await eventually('frozen/production', (v) => v.status === 'waiting_window');
    expect(waiting.reason).toBeTruthy();
    expect((await act('frozen/production/1.0.0/override-window', { reason: 'hotfix' }, tokens.operator)).status).toBe(
      403,
    );
    const overridden = await act('frozen/production/1.0.0/override-window', { reason: 'hotfix INC-7' }, tokens.admin);
    expect(overridden.status).toBe(200);
    expect((overridden.json as unknown as DeploymentView).window?.override).toMatchObject({
      actor: 'ada',
      reason: 'hotfix INC-7',
    });
    await eventually('frozen/production', (v) => v.status !== 'waiting_window');
  });
});

/** One firing alert as Alertmanager 0.25 sends it (payload version 4). */
const firing = (fingerprint: string, labels: Record<string, string>) => ({
  version: '4',
  groupKey: '{}:{alertname="HighErrorRate"}',
  truncatedAlerts: 0,
  status: 'firing',
  receiver: 'arxflow',
  groupLabels: {},
  commonLabels: {},
  commonAnnotations: {},
  externalURL: 'http://am.example:9093',
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'HighErrorRate', severity: 'critical', ...labels },
      annotations: { summary: `errors high (${fingerprint})` },
      startsAt: '2026-11-25T10:00:00.123456789Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prom.example/graph',
      fingerprint,
    },
  ],
});
const alertmanager = (body: unknown) =>
  call(`${world.url}/v1/alerts/alertmanager`, { body, headers: { authorization: `Bearer ${AM_TOKEN}` } });

describe('post-deploy watch: a firing alert naming a service and environment reaches its deploy queue', () => {
  /** A queue nobody runs (no worker polls its task queue): what it is sent stays in its history to read. */
  async function parkedQueue(service: string, environment: string) {
    return world.env.client.workflow.start('deployQueue', {
      workflowId: `deploy-queue/${service}/${environment}`,
      taskQueue: `${world.taskQueue}-parked`,
      args: [{ service, environment }],
    });
  }
  async function deployAlertsOf(handle: { fetchHistory(): Promise<{ events?: unknown[] | null }> }) {
    const { events } = await handle.fetchHistory();
    const converter = world.env.client.options.loadedDataConverter.payloadConverter;
    return (
      events as { workflowExecutionSignaledEventAttributes?: { signalName?: string; input?: { payloads?: never[] } } }[]
    )
      .map((event) => event.workflowExecutionSignaledEventAttributes)
      .filter((signaled) => signaled?.signalName === 'deployAlert')
      .map((signaled) => converter.fromPayload(signaled!.input!.payloads![0]!));
  }

  it('sends deployAlert {alertId, summary, severity, labels} to deploy-queue/<service>/<environment>, with `environment` or `env`', async () => {
    const production = await parkedQueue('watched', 'production');
    const staging = await parkedQueue('watched', 'staging');
    expect((await alertmanager(firing('f1', { service: 'watched', environment: 'production' }))).status).toBe(200);
    expect((await alertmanager(firing('f2', { service: 'watched', env: 'staging' }))).status).toBe(200);
    const [alert] = await deployAlertsOf(production);
    expect(alert).toEqual({
      alertId: expect.stringMatching(/^alert\//),
      summary: 'errors high (f1)',
      severity: 'critical',
      incidentId: expect.stringMatching(/^incident\/inc-/),
      labels: { alertname: 'HighErrorRate', severity: 'critical', service: 'watched', environment: 'production' },
    });
    // The alert's own workflow runs as always: alertId names it, and the incident it opens
    // (a critical alert opens one at once) is the one the forward named.
    const { alertId, incidentId } = alert as { alertId: string; incidentId: string };
    const alertRun = world.env.client.workflow.getHandle(alertId);
    await expect(alertRun.describe()).resolves.toMatchObject({ type: 'alertEscalation' });
    // The alert links its incident once the child has started: a few workflow tasks after the
    // forward, which took over 10 s on a loaded 2-core machine (the old bound: 100 looks of 100 ms,
    // counted in looks, each query itself slow). Waited for by the clock, a minute.
    const opened = await waitUntil(
      'the alert links its incident',
      async () => (await alertRun.query(alertStatusQuery)).incident,
      60_000,
    );
    expect(opened).toBe(incidentId);
    expect(await deployAlertsOf(staging)).toEqual([expect.objectContaining({ summary: 'errors high (f2)' })]);
  });

  it('no deploy queue there, or no environment named: the intake accepts it and nothing is created', async () => {
    const ghost = await alertmanager(firing('f3', { service: 'ghost', environment: 'production' }));
    expect(ghost.status).toBe(200);
    expect(ghost.json.alerts).toEqual([expect.objectContaining({ outcome: 'raised' })]);
    await expectNotStarted('deploy-queue/ghost/production');
    expect((await alertmanager(firing('f4', { service: 'api' }))).status).toBe(200);
  });

  it('a Temporal that does not answer makes the forward give up within its deadline and log, never throw', async () => {
    // A server that takes the connection and never answers: every call waits for its deadline.
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    // No retry interceptor: nothing of the call is left running to meet the closed connection after the test.
    const dead = new Client({ connection: Connection.lazy({ address: `127.0.0.1:${port}`, interceptors: [] }) });
    const logged: string[] = [];
    const event = {
      action: 'trigger',
      dedupKey: 'k1',
      summary: 's',
      severity: 'critical',
      labels: { service: 'api', environment: 'production' },
    } as unknown as AlertEvent;
    const began = Date.now();
    await expect(forwardToDeployment(dead, event, (_fields, message) => void logged.push(message))).resolves.toBe(
      'failed',
    );
    // The 1 s deadline ends it (without one the SDK retries an unreachable server on and on); room for a loaded machine.
    expect(Date.now() - began).toBeLessThan(10_000);
    expect(logged).toEqual(['firing alert not forwarded to the deploy queue']);
    await dead.connection.close();
    silent.close();
  });
});
