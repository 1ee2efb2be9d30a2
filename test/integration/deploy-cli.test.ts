import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { WorkflowNotFoundError } from '@temporalio/client';
import { loadConfigFile } from '../../platform/config-file';
import { runArxflowInProcess } from '../support/cli-in-process';
import { useDevServerWorld } from '../support/dev-server-world';
import { tokenFor } from '../support/gateway';
import { recordingKubectl } from '../support/recording-kubectl';

/**
 * `arxflow deploy ...` as a user and a CI job run it: on Temporal directly (the config file
 * read by the CLI, ARXFLOW_ACTOR or --as the caller) and through the gateway (the token the
 * caller). Targets are kubectl with a recording kubectl (no cluster here): `broken`'s
 * rollout fails, so its deployments fail and roll back.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'arxflow-deploy-cli-'));
const kubectl = recordingKubectl();
// `broken`'s rollouts never become ready (a final failure of the target: no retries).
kubectl.answer({
  match: '-n broken rollout status',
  stderr: 'error: deployment "web" exceeded its progress deadline',
  exitCode: 1,
});
const target = (namespace: string) => ({
  type: 'kubectl',
  kubectl: kubectl.binary,
  namespace,
  deployment: 'web',
  container: 'web',
  image: 'registry.test/web:{{version}}',
});
const configFile = path.join(dir, 'arxflow.config.yaml');
writeFileSync(
  configFile,
  stringify({
    deployments: {
      services: [
        {
          name: 'api',
          environments: [
            { name: 'staging', target: target('staging') },
            {
              name: 'production',
              after: 'staging',
              target: target('production'),
              approval: { users: ['rob', 'rita'], roles: [], quorum: 1, deadline: '1 hour' },
            },
          ],
        },
        { name: 'broken', environments: [{ name: 'staging', target: target('broken') }] },
      ],
    },
  }),
);
const deployments = { config: loadConfigFile(configFile).deployments, configDir: dir };

const world = useDevServerWorld('deploy-cli', { gateway: () => ({ deployments }) });
afterAll(() => {
  kubectl.remove();
  rmSync(dir, { recursive: true, force: true });
});

/** On Temporal directly, as `actor` (ARXFLOW_ACTOR); a data dir of its own, so no running service is found. */
const direct = (args: string[], actor = 'carl') =>
  runArxflowInProcess(['deploy', ...args], {
    TEMPORAL_ADDRESS: world.env.address,
    ARXFLOW_TASK_QUEUE: world.taskQueue,
    ARXFLOW_CONFIG: configFile,
    ARXFLOW_DATA_DIR: dir,
    ARXFLOW_ACTOR: actor,
    ARXFLOW_URL: undefined,
    ARXFLOW_TOKEN: undefined,
    DATABASE_URL: undefined,
  });
/** Through the gateway with a token. */
const viaGateway = (args: string[], token: string) =>
  runArxflowInProcess(['deploy', ...args], {
    ARXFLOW_URL: world.url,
    ARXFLOW_TOKEN: token,
    ARXFLOW_DATA_DIR: dir,
    TEMPORAL_ADDRESS: undefined,
  });

async function expectNotStarted(id: string) {
  await expect(world.env.client.workflow.getHandle(id).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
}

/** `deploy status --json` until `check` holds. */
async function statusWhen(args: string[], check: (view: Record<string, unknown>) => boolean) {
  let last = '';
  for (let attempt = 0; attempt < 100; attempt++) {
    const answer = await direct(['status', ...args, '--json']);
    last = answer.stdout || answer.stderr;
    if (answer.status === 0 && check(JSON.parse(answer.stdout))) return JSON.parse(answer.stdout);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`deploy status ${args.join(' ')} never matched; last: ${last}`);
}

const STATUS_KEYS = ['workflowId', 'service', 'environment', 'version', 'status', 'reason', 'stages', 'approvals'];

describe('bad input: exit 2 naming the field, nothing started', () => {
  it.each([
    ['a malformed version', ['start', 'api', '1.0'], /version/, 'deploy/api/staging/1.0'],
    ['an unknown service', ['start', 'nope', '1.0.0'], /service: unknown service "nope"/, 'deploy/nope/staging/1.0.0'],
    [
      'an unknown environment',
      ['start', 'api', '1.0.0', '--env', 'qa'],
      /environment: unknown environment "qa"/,
      'deploy/api/qa/1.0.0',
    ],
    ['a bad commit', ['start', 'api', '1.0.0', '--commit', 'xyz'], /commit/, 'deploy/api/staging/1.0.0'],
  ])('%s', async (_what, args, message, id) => {
    const answer = await direct([...args, '--json']);
    expect(answer.status).toBe(2);
    expect(answer.stderr).toMatch(message);
    expect(answer.stdout).toBe('');
    await expectNotStarted(id);
  });

  it.each([
    ['abort without --reason', ['abort', 'api', '1.0.0', '--env', 'production']],
    ['override-window without --env', ['override-window', 'api', '1.0.0', '--reason', 'hotfix']],
    ['status of a malformed version', ['status', 'api', '--version', '1.0']],
    ['list with an unknown status', ['list', '--status', 'exploded']],
  ])('%s', async (_what, args) => {
    expect((await direct(args)).status).toBe(2);
  });
});

describe('a deployment from start to succeeded on Temporal directly', () => {
  it('start --json prints exactly {workflowId, service, environment, version, status}', async () => {
    const started = await direct(['start', 'api', '1.0.0', '--env', 'production', '--json']);
    expect(started.status).toBe(0);
    expect(JSON.parse(started.stdout)).toEqual({
      workflowId: 'deploy/api/production/1.0.0',
      service: 'api',
      environment: 'production',
      version: '1.0.0',
      status: 'queued',
    });
  });

  it('status --json: the same shape plus reason, stages and approvals; without --json a table', async () => {
    const view = await statusWhen(['api', '--env', 'production'], (v) => v.status === 'waiting_approval');
    expect(STATUS_KEYS).toEqual(expect.arrayContaining(Object.keys(view)));
    expect(view).toMatchObject({
      workflowId: 'deploy/api/production/1.0.0',
      approvals: { quorum: 1, users: ['rob', 'rita'], votes: [] },
    });
    expect((view.stages as { name: string }[]).map((stage) => stage.name)).toContain('production.approval');
    const text = await direct(['status', 'api', '--env', 'production']);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/^Deployment\n/);
    expect(text.stdout).toMatch(/Approvals: 0 of 1 \(rob, rita\)/);
  });

  it('who started it may not approve it (exit 1 with the reason); a reviewer --as approves (exit 0)', async () => {
    const self = await direct(['approve', 'api', '1.0.0', '--env', 'production', '--as', 'carl']);
    expect(self.status).toBe(1);
    expect(self.stderr).toMatch(/carl started this deployment and may not approve it/);
    // --env left out: the version's deployment is found.
    const approved = await direct(['approve', 'api', '1.0.0', '--comment', 'ship it', '--json'], 'rob');
    expect(approved.status).toBe(0);
    expect(JSON.parse(approved.stdout).approvals.votes).toEqual([
      expect.objectContaining({ actor: 'rob', decision: 'approve', comment: 'ship it' }),
    ]);
  });

  it('start --wait of the same version follows it to succeeded: exit 0', async () => {
    const waited = await direct(['start', 'api', '1.0.0', '--env', 'production', '--wait', '--json']);
    expect(waited.status).toBe(0);
    expect(JSON.parse(waited.stdout)).toMatchObject({ workflowId: 'deploy/api/production/1.0.0', status: 'succeeded' });
    expect(kubectl.commands().some((line) => line.includes('set image') && line.includes('web:1.0.0'))).toBe(true);
  });

  it('start --wait of a deployment that ends badly: exit 1 with the reason', async () => {
    const waited = await direct(['start', 'broken', '1.0.0', '--wait', '--json']);
    expect(waited.status).toBe(1);
    const view = JSON.parse(waited.stdout);
    expect(['failed', 'rolled_back']).toContain(view.status);
    expect(view.reason).toMatch(/progress deadline/);
    expect(waited.stderr).toMatch(/deploy\/broken\/staging\/1\.0\.0 (failed|rolled_back): /);
  });

  it('list --json: newest first, filtered', async () => {
    const listed = await direct(['list', '--service', 'api', '--env', 'production', '--json']);
    expect(listed.status).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({
        workflowId: 'deploy/api/production/1.0.0',
        version: '1.0.0',
        environment: 'production',
      }),
    ]);
  });
});

describe('through the gateway with tokens (a CI job)', () => {
  it('a deployer token starts (exit 0); a viewer token is refused (exit 1); --as is bad input (exit 2)', async () => {
    const ci = await tokenFor('ci', 'deployer');
    const started = await viaGateway(['start', 'api', '2.0.0', '--env', 'production', '--json'], ci);
    expect(started.status).toBe(0);
    expect(JSON.parse(started.stdout)).toEqual({
      workflowId: 'deploy/api/production/2.0.0',
      service: 'api',
      environment: 'production',
      version: '2.0.0',
      status: 'queued',
    });
    const viewer = await viaGateway(['start', 'api', '2.0.1'], await tokenFor('vera', 'viewer'));
    expect(viewer.status).toBe(1);
    expect(viewer.stderr).toMatch(/deployer or operator/);
    expect((await viaGateway(['approve', 'api', '2.0.0', '--as', 'rob'], ci)).status).toBe(2);
  });

  it('--no-queue while 2.0.0 holds api/production: exit 1, busy, nothing started', async () => {
    await statusWhen(['api', '--env', 'production', '--version', '2.0.0'], (v) => v.status === 'waiting_approval');
    const busy = await viaGateway(
      ['start', 'api', '2.1.0', '--env', 'production', '--no-queue'],
      await tokenFor('ci', 'deployer'),
    );
    expect(busy.status).toBe(1);
    expect(busy.stderr).toMatch(/busy: deploy\/api\/production\/2\.0\.0 is running/);
    await expectNotStarted('deploy/api/production/2.1.0');
  });

  it('a reviewer rejects with their token (exit 0); once ended, another action is refused (exit 1)', async () => {
    const rita = await tokenFor('rita', 'reviewer');
    const rejected = await viaGateway(['reject', 'api', '2.0.0', '--env', 'production', '--comment', 'no'], rita);
    expect(rejected.status).toBe(0);
    await statusWhen(['api', '--env', 'production', '--version', '2.0.0'], (v) => v.status === 'rejected');
    const late = await viaGateway(['pause', 'api', '2.0.0', '--env', 'production'], await tokenFor('ci', 'deployer'));
    expect(late.status).toBe(1);
  });
});
