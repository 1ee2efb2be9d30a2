import { realpathSync } from 'node:fs';
import path from 'node:path';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { createLocalTarget, type LocalTarget } from '../activities/deploy/local/local-target';
import { groupMembers, terminateGroup } from '../activities/pipelines/process-groups';
import { TemporalDeployOperations } from '../client/api/deploy-temporal-operations';
import { deploymentsConfigSchema } from '../domain/deploy/deploy-config';
import {
  deploymentWorkflowId,
  type DeploymentView,
  type LocalTargetConfig,
  type ServiceConfig,
} from '../domain/deploy/deploy-types';
import { commandLineOf, workingDirOf } from '../platform/process-identity';
import {
  exampleLocalTargetConfig,
  freePorts,
  processesLeftIn,
  proxyPidsIn,
  startsIn,
  versionsAnswering,
  writeExampleReleases,
} from '../test/support/deploy-test-service';
import { tally } from './tally';
import { ChaosDriver } from './driver';
import type { ChaosCount } from './scenario';
import { TASK_QUEUE, type ChaosWorld } from './world';

/**
 * Deployments on the `local` target in the chaos workload (issue #17). Item i is one service,
 * `chaos-<run>-web-<i>`, rolled out as a user would: 1.0.0, then 1.1.0 once 1.0.0 has
 * succeeded (two `deployment` workflows in sequence, through the client's deploy operations as
 * `arxflow deploy start` runs them without a gateway). Both releases are healthy example-web
 * builds, so every deployment must end `succeeded`; what the worker kills may change is only
 * how often a stage is tried, never what the target ends up with.
 *
 * No Prometheus runs in the chaos world, so the environment has no analysis: a deployment is
 * judged by its health checks and smoke test, then moved through its steps (50%, then 100%).
 */

const ENVIRONMENT = 'staging';
export const VERSIONS = ['1.0.0', '1.1.0'] as const;
const FINAL_VERSION = VERSIONS[VERSIONS.length - 1]!;
/** Progressive: the second deployment serves both versions side by side at 50% before it switches. */
const STEPS = [50, 100];
/** The stages that change a target, each recorded once in deployment_records (deployVersion, setTrafficWeight). */
export const RECORDED_STAGES = ['deploy', ...STEPS.map((_, index) => `step-${index + 1}`)].map(
  (stage) => `${ENVIRONMENT}.${stage}`,
);
/** Who starts them: the caller `arxflow deploy start` would be with a deployer token. */
const DEPLOYER = { subject: 'chaos-ci', roles: ['deployer'] };

/**
 * Short checks, so a deployment takes seconds even on a loaded CI machine: two passing rounds a
 * quarter second apart; the timeout only bounds a version that never answers.
 */
const HEALTH = {
  checks: [{ name: 'healthz', path: '/healthz', bodyMatch: '^ok' }],
  successes: 2,
  interval: '250 ms',
  timeout: '30 seconds',
};
/** Both versions answer `hello from <version>`; which version serves is checked at the end, on the public port. */
const SMOKE = [{ name: 'home', path: '/', bodyMatch: '^hello from \\d' }];

export interface DeploymentFixture {
  /** The chaos workers' ARXFLOW_DATA_DIR: their local targets live under `<dataDir>/deploy/<service>/<environment>`. */
  dataDir: string;
  /** The config file's folder as the deployments see it (the example releases are under it). */
  configDir: string;
  /** One service per item, as the config file's `deployments:` section would give it. */
  services: ServiceConfig[];
}

const serviceNameOf = (run: string, i: number) => `chaos-${run.toLowerCase()}-web-${i}`;

/** Before the workload: both releases written once under world.dir, and one service per item on ports of its own. */
export async function prepareDeployments(world: ChaosWorld, run: string, count: number): Promise<DeploymentFixture> {
  const configDir = path.join(world.dir, 'deployments');
  const artifact = writeExampleReleases(
    configDir,
    VERSIONS.map((version) => ({ version, errorRate: 0 })),
  );
  // One draw for every port: separate draws could hand two services the same free port.
  const ports = await freePorts(3 * count);
  const services = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const [port, blue, green] = ports.slice(3 * i, 3 * i + 3) as [number, number, number];
      return {
        name: serviceNameOf(run, i),
        environments: [
          {
            name: ENVIRONMENT,
            target: await exampleLocalTargetConfig(artifact, { port, slotPorts: [blue, green] }),
            health: HEALTH,
            smoke: SMOKE,
            steps: STEPS,
          },
        ],
      };
    }),
  );
  // The config file's own check, so the deployments get what `npm start` would have read.
  const config = deploymentsConfigSchema.parse({ services });
  // The workers build their local targets from their data dir (workers/main.ts,
  // activities/deploy/target-for.ts): what they started is looked for there.
  return { dataDir: world.workerDataDir, configDir, services: config.services };
}

/** Item i: 1.0.0, then 1.1.0, each started and waited for through calls that survive dead workers and servers. */
export async function driveDeployment(
  world: ChaosWorld,
  fixture: DeploymentFixture,
  i: number,
  driver: ChaosDriver,
): Promise<void> {
  const service = fixture.services[i]!.name;
  const operations = new TemporalDeployOperations({
    client: world.client,
    taskQueue: TASK_QUEUE,
    deployments: () => ({ config: { services: fixture.services }, configDir: fixture.configDir }),
  });
  for (const version of VERSIONS) {
    const workflowId = deploymentWorkflowId(service, ENVIRONMENT, version);
    // A repeat of a start that landed answers the existing deployment (existing: true) and starts nothing.
    await driver.persist(`start ${workflowId}`, () =>
      operations.start({ service, environment: ENVIRONMENT, version }, DEPLOYER),
    );
    const view = await driver.resultOf<DeploymentView>(
      world.client.workflow.getHandle(workflowId),
      `result of ${workflowId}`,
    );
    if (view.status !== 'succeeded') throw new Error(`${workflowId} ended ${view.status}: ${whyNot(view)}`);
  }
}

/** The reason a deployment gives, and its stages that did not end done. */
function whyNot(view: DeploymentView): string {
  const stages = view.stages
    .filter((stage) => stage.status !== 'done' && stage.status !== 'skipped')
    .map((stage) => `${stage.name} ${stage.status}`);
  return `${view.reason ?? 'no reason given'} (stages: ${stages.join(', ') || 'all done'})`;
}

/** The target the workers built for `service`: the same folder, so its run/ files are theirs. */
function targetOf(fixture: DeploymentFixture, service: ServiceConfig): LocalTarget {
  return createLocalTarget({
    service: service.name,
    environment: ENVIRONMENT,
    config: service.environments[0]!.target as LocalTargetConfig,
    configDir: fixture.configDir,
    dataDir: fixture.dataDir,
  });
}

const deploymentIdsOf = (service: string) =>
  VERSIONS.map((version) => deploymentWorkflowId(service, ENVIRONMENT, version));

/**
 * Effects counted where they land: the deployments' results as Temporal keeps them, process
 * starts in each target's run/starts.log, proxies in its run/proxy.log, and deployment_records
 * rows in PostgreSQL.
 *
 * Not counted, because they are at least once by design: health checks and smoke tests (a
 * worker killed while they run has them run again on the other worker: more requests to the
 * version, no change anywhere), a target change run again after a kill between the change and
 * its record (the target finds it made and does nothing: that is what the starts count
 * proves), the deploy queue's join signal (repeated joins are told their place again).
 */
export async function countDeployments(
  world: ChaosWorld,
  fixture: DeploymentFixture,
): Promise<{ counts: ChaosCount[]; checks: { name: string; ok: boolean; detail?: string }[] }> {
  const names = fixture.services.map((service) => service.name);
  const targets = fixture.services.map((service) => ({ name: service.name, target: targetOf(fixture, service) }));
  const records = await recordsOf(world, names);
  const counts = [
    tally(
      'deployments ended succeeded (their results in Temporal)',
      names.flatMap(deploymentIdsOf),
      await succeeded(world.client, names.flatMap(deploymentIdsOf)),
    ),
    tally(
      'version starts (run/starts.log of each target)',
      names.flatMap((name) => VERSIONS.map((version) => `${name} ${version}`)),
      targets.flatMap(({ name, target }) => startsIn(target.dir).map((start) => `${name} ${start.version}`)),
    ),
    tally(
      'reverse proxies started (run/proxy.log of each target)',
      names,
      targets.flatMap(({ name, target }) => proxyPidsIn(target.dir).map(() => name)),
    ),
    // The primary key (workflow_id, stage) allows no second row: what can show here is a stage lost.
    tally(
      'deployment records (one per stage that changed a target)',
      names.flatMap((name) => deploymentIdsOf(name).flatMap((id) => RECORDED_STAGES.map((stage) => `${id} ${stage}`))),
      records.map((row) => `${row.workflow_id} ${row.stage}`),
    ),
  ];
  return { counts, checks: await checksOf(targets, records) };
}

/** The deployments among `workflowIds` that completed with status `succeeded`; a running one is not asked for its result. */
async function succeeded(client: Client, workflowIds: string[]): Promise<string[]> {
  // A bound of its own: counting runs after the workload's deadline.
  const driver = new ChaosDriver(Date.now() + 30_000);
  const ended = await Promise.all(
    workflowIds.map(async (workflowId) => {
      const handle = client.workflow.getHandle(workflowId);
      // Never started (the workload ended first) is an answer, not a failure to try again.
      const described = await driver
        .persist(`describe ${workflowId}`, () => handle.describe().catch(notFoundAsUndefined))
        .catch(() => undefined);
      if (described?.status.name !== 'COMPLETED') return undefined;
      const view = await driver.resultOf<DeploymentView>(handle, `result of ${workflowId}`).catch(() => undefined);
      return view?.status === 'succeeded' ? workflowId : undefined;
    }),
  );
  return ended.filter((id): id is string => id !== undefined);
}

function notFoundAsUndefined(err: unknown): undefined {
  if (err instanceof WorkflowNotFoundError) return undefined;
  throw err;
}

async function recordsOf(world: ChaosWorld, services: string[]) {
  return world.store.db.query<{ workflow_id: string; stage: string }>(
    'SELECT workflow_id, stage FROM deployment_records WHERE service = ANY($1)',
    [services],
  );
}

async function checksOf(
  targets: { name: string; target: LocalTarget }[],
  records: { workflow_id: string; stage: string }[],
): Promise<{ name: string; ok: boolean; detail?: string }[]> {
  const serving = await Promise.all(targets.map(({ name, target }) => servingProblem(name, target)));
  const running = targets.map(({ name, target }) => runningProblem(name, target));
  // A rollback, or a stage nobody expected, would show as a record of another stage.
  const unexpected = records.filter((row) => !RECORDED_STAGES.includes(row.stage));
  const problems = (list: (string | undefined)[]) => list.filter((problem): problem is string => !!problem);
  return [
    {
      name: `every deployed service serves ${FINAL_VERSION} (its current release and its public port)`,
      ok: problems(serving).length === 0,
      detail: problems(serving).join('; ') || `${targets.length} of ${targets.length}`,
    },
    {
      name: `every target runs only ${FINAL_VERSION} and one proxy (the old version stopped)`,
      ok: problems(running).length === 0,
      detail: problems(running).join('; ') || `${targets.length} of ${targets.length}`,
    },
    {
      name: 'no deployment record of a stage not expected (no rollback)',
      ok: unexpected.length === 0,
      ...(unexpected.length ? { detail: unexpected.map((row) => `${row.workflow_id} ${row.stage}`).join('; ') } : {}),
    },
  ];
}

/** What is wrong with what `name` serves, or undefined: its `current` and three requests to its public port. */
async function servingProblem(name: string, target: LocalTarget): Promise<string | undefined> {
  const current = await target.serving();
  // The local target always has a public URL (its proxy's port).
  const answered = await versionsAnswering(target.publicUrl(FINAL_VERSION)!, 3).catch((err: Error) => [err.message]);
  if (current === FINAL_VERSION && answered.every((version) => version === FINAL_VERSION)) return undefined;
  return `${name}: current ${current ?? 'none'}, public port answered ${answered.join(', ')}`;
}

/** What is wrong with the processes left of `name`'s target, or undefined: one of the final version, one proxy. */
function runningProblem(name: string, target: LocalTarget): string | undefined {
  const versionOf = new Map(startsIn(target.dir).map((start) => [start.pid, start.version]));
  const left = processesLeftIn(target.dir)
    .map((pid) => versionOf.get(pid) ?? 'proxy')
    .sort();
  const expected = [FINAL_VERSION, 'proxy'].sort();
  return JSON.stringify(left) === JSON.stringify(expected)
    ? undefined
    : `${name}: running ${left.join(', ') || 'nothing'}`;
}

/**
 * Every target's processes stopped (releases and proxy), also after a failure, before world.dir
 * is removed (the target's run/ records are what finds them). The world's workers stop first:
 * one still deploying (a run stopped at its deadline) could otherwise start a release after
 * this. The world is closing anyway, and WorkerPool.stopAll again in close() finds them stopped.
 */
export async function stopDeployments(world: ChaosWorld, fixture: DeploymentFixture): Promise<void> {
  await world.workers.stopAll();
  const left = await Promise.all(
    fixture.services.map(async (service) => {
      const target = targetOf(fixture, service);
      await target.stopAll();
      // A process started but never recorded in its slot (a worker killed in between) is not
      // stopAll's to find: stopped here from the target's starts log.
      for (const pid of ownProcessesLeftIn(target.dir)) await terminateGroup(pid, 2_000);
      return ownProcessesLeftIn(target.dir).map((pid) => `${service.name} pid ${pid}`);
    }),
  );
  if (left.flat().length > 0) throw new Error(`deployment processes still running: ${left.flat().join(', ')}`);
}

/**
 * processesLeftIn, narrowed to groups still ours: a release runs in the target's releases/, a
 * proxy names its run/ on its command line. Pids are reused (pid_max can be 32768), so a group
 * that merely has a logged pid's number is someone else's and never signalled.
 */
function ownProcessesLeftIn(dir: string): number[] {
  // The folder as the workers named it (a proxy's command line) and as /proc resolves it (a cwd).
  const roots = [...new Set([dir, realDir(dir)])];
  return processesLeftIn(dir).filter((pgid) =>
    groupMembers(pgid).some((pid) => roots.some((root) => startedFrom(root, pid))),
  );
}

function startedFrom(root: string, pid: number): boolean {
  return workingDirOf(pid).startsWith(`${root}${path.sep}`) || commandLineOf(pid).includes(path.join(root, 'run'));
}

/** The folder with symlinks resolved, as /proc shows a process's cwd. */
function realDir(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return dir;
  }
}
