// `npm run bench -- alerts`: latency from an alert's POST to the gateway until its first
// Slack message arrives at the local Slack Web API server (p50/p95/p99), and alerts per
// second sustained, over BENCH_ALERTS alerts (PagerDuty Events v2 triggers, each a new
// alert: intake, signalWithStart, alertEscalation, deliverNotification, chat.postMessage).
// Baselines in the same run and process, at the same concurrency against the same dev server:
// bare signalWithStart calls (latency until Temporal accepted the call), and the floor of
// issue #17: signalWithStart of the least workflow with the same side effect, one activity
// posting to the same Slack stand-in (bench/alert-floor-workflow.ts), until Slack has it.
// Aim: the alert path at 0.8x the floor's rate or better, p99 under 250 ms.
import { randomUUID } from 'node:crypto';
import { writeFileSync, mkdirSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { slackClient } from '../activities/notifications/channels';
import { createAuthenticator } from '../platform/tokens';
import { buildGateway } from '../gateway/server';
import { createScratchSchema } from '../db/scratch-schema';
import { openStore } from '../db/store';
import { alertWorkflowId, pagerdutyDedupKey } from '../domain/alerts/dedup';
import { parseEscalationYaml } from '../domain/alerts/escalation-policy-schemas';
import { parseSettings } from '../domain/settings';
import { startSlackApiServer } from '../test/support/slack-api-server';
import { buildWorkflowBundle } from '../workers/bundle';
import { createLogger } from '../platform/logger';
import { createArxflowWorker } from '../workers/worker';
import { writeResults } from './results';
import { floorAlert, floorTrigger } from './alert-floor-workflow';
import { postAlert, slackWatcher } from './alert-load';
import { installBenchRuntime } from './bench-runtime';
import { childProcessesNamed, processCpuMs } from './process-cpu';
import { percentile } from './percentile';
import { localDevServerOptions } from '../scripts/dev-server';

const ALERTS = Number(process.env.BENCH_ALERTS ?? 1000);
/** A folder: the main thread's CPU profile of each measured phase goes there (floor.cpuprofile, alerts.cpuprofile). */
const PROFILE_DIR = process.env.BENCH_PROFILE;
/** Worker tuning of the alert path's worker, as JSON (a lever to measure, e.g. {"maxConcurrentWorkflowTaskPolls":4}). */
const TUNING = process.env.BENCH_TUNING ? (JSON.parse(process.env.BENCH_TUNING) as Record<string, number>) : {};
/** Dev server flags (e.g. eager activity dispatch), for floor and path alike: a server setting, not arxflow's. */
const SERVER_ARGS = process.env.BENCH_SERVER_ARGS?.split(' ').filter(Boolean) ?? [];
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
/**
 * The paced phases: alerts (and floor runs) started at a steady rate, whether or not the ones
 * before have landed, as alerts arrive in operation. At saturation (the phases above) latency
 * is queueing: 16 in flight at 30 a second wait 530 ms on average whatever the path does
 * (Little's law), so a latency aim is read here, at a rate below both paths' capacity. Unset
 * means a quarter of the floor's rate measured in this run.
 */
const PACED_RATE = process.env.BENCH_ALERT_RATE ? Number(process.env.BENCH_ALERT_RATE) : undefined;
const PACED_ALERTS = Number(process.env.BENCH_PACED_ALERTS ?? 300);
const TOKEN = 'xoxb-bench';
/** Issue #17's aim for the alert path against its floor. */
const AIM = { ratioToFloor: 0.8, p99Ms: 250 };

const escalation = parseEscalationYaml(`
default: bench
policies:
  - name: bench
    incident: { severities: [], atLevel: never }
    levels:
      - notify: [{ slack: "#bench" }]
        escalateAfter: 30 minutes
`);

/** Runs `phase` under the inspector's CPU profiler when BENCH_PROFILE names a folder. */
async function profiled<T extends object>(
  name: string,
  devServerPid: number,
  phase: () => Promise<T>,
): Promise<T & { cpuMsPerRun: number; serverCpuMsPerRun: number }> {
  // This process's CPU (all its threads: gateway, worker, workflow threads, PGlite) per run of
  // the phase, and the dev server's: unlike the rate, they barely move when other processes
  // load the machine, and on 2 cores their sum is what bounds the rate.
  const cpu = process.cpuUsage();
  const serverCpu = processCpuMs(devServerPid);
  const perRun = (result: T) => {
    const used = process.cpuUsage(cpu);
    return {
      ...result,
      cpuMsPerRun: +((used.user + used.system) / 1000 / ALERTS).toFixed(1),
      serverCpuMsPerRun: +((processCpuMs(devServerPid) - serverCpu) / ALERTS).toFixed(1),
    };
  };
  if (!PROFILE_DIR) return perRun(await phase());
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return perRun(await phase());
  } finally {
    const { profile } = await session.post('Profiler.stop');
    mkdirSync(PROFILE_DIR, { recursive: true });
    writeFileSync(`${PROFILE_DIR}/${name}.cpuprofile`, JSON.stringify(profile));
    session.disconnect();
  }
}

/** What one run cost Temporal: workflow tasks, activities and local activities (markers) in its history. */
async function tasksOf(client: TestWorkflowEnvironment['client'], workflowId: string) {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const count = (attribute: string) =>
    events.filter((e) => attribute in e && (e as Record<string, unknown>)[attribute]).length;
  return {
    workflowTasks: count('workflowTaskCompletedEventAttributes'),
    activities: count('activityTaskScheduledEventAttributes'),
    markers: count('markerRecordedEventAttributes'),
    events: events.length,
  };
}

function summary(latencies: number[], seconds: number) {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    perSecond: latencies.length / seconds,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
  };
}

/** `count` jobs started `perSecond` apart, each whatever the others do (open loop); latencies in ms. */
async function paced(count: number, perSecond: number, job: (i: number) => Promise<number>) {
  const started = performance.now();
  const latencies = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const at = started + (i * 1000) / perSecond;
      const wait = at - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      return job(i);
    }),
  );
  return summary(latencies, (performance.now() - started) / 1000);
}

/** `count` jobs, `CONCURRENCY` at a time; each returns its latency in ms (bench/cluster-load.ts too). */
export async function driven(count: number, job: (i: number) => Promise<number>) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) latencies.push(await job(next++));
    }),
  );
  return summary(latencies, (performance.now() - started) / 1000);
}

export async function benchAlerts(): Promise<void> {
  installBenchRuntime();
  const env = await TestWorkflowEnvironment.createLocal({
    server: localDevServerOptions(SERVER_ARGS),
  });
  const [devServerPid] = childProcessesNamed('temporal');
  if (devServerPid === undefined) throw new Error('alerts bench: the Temporal dev server process was not found');
  const scratch = process.env.DATABASE_URL
    ? await createScratchSchema(process.env.DATABASE_URL, 'arxflow_bench')
    : undefined;
  const store = await openStore(scratch ? { databaseUrl: scratch.databaseUrl } : { inMemory: true });
  const slack = await startSlackApiServer({ token: TOKEN });
  const taskQueue = `bench-alerts-${randomUUID().slice(0, 8)}`;
  const worker = await createArxflowWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue,
    workflowBundle: await buildWorkflowBundle(),
    deps: { store, slack: slackClient({ token: TOKEN, apiUrl: slack.apiUrl }) },
    tuning: TUNING,
  });
  const floorQueue = `${taskQueue}-floor`;
  const floorSlack = slackClient({ token: TOKEN, apiUrl: slack.apiUrl });
  const floorWorker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: floorQueue,
    workflowsPath: require.resolve('./alert-floor-workflow'),
    activities: {
      postFloorAlert: async (key: string) => {
        await floorSlack.chat.postMessage({ channel: '#bench', text: `Floor alert ${key}` });
      },
    },
  });
  const settings = parseSettings({ ARXFLOW_JWT_SECRET: 'bench-secret-that-is-at-least-32-characters' });
  const { app } = await buildGateway({
    temporal: env.client,
    taskQueue,
    store,
    logger: createLogger('silent'),
    schedules: [],
    authenticator: createAuthenticator(settings),
    alerts: { escalation }, // no intake token: loopback callers only, as the bench is
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });

  const watcher = slackWatcher(slack);
  const slackMessageOf = watcher.messageOf;

  try {
    const results = await floorWorker.runUntil(
      worker.runUntil(async () => {
        const run = randomUUID().slice(0, 8);
        const post = (key: string) => postAlert(url, key);
        await driven(20, async (i) => {
          // warm-up: bundle, caches, connections
          const key = `bench-warm-${run}-${i}`;
          const t0 = performance.now();
          await post(key);
          await slackMessageOf(key);
          return performance.now() - t0;
        });
        const baseline = await driven(ALERTS, async (i) => {
          const t0 = performance.now();
          await env.client.workflow.signalWithStart('durabilityProbe', {
            // A queue no worker polls: the baseline is Temporal accepting the call, and its
            // workflows must not queue up ahead of the alerts measured next.
            taskQueue: `${taskQueue}-baseline`,
            workflowId: `bench/baseline/${run}/${i}`,
            args: [{ sleep: '1 hour', label: `b-${run}-${i}` }],
            signal: 'wakeUp',
            signalArgs: [{ reason: 'bench', actor: 'bench' }],
          });
          return performance.now() - t0;
        });
        // warm-up of the floor's worker, then the floor
        const floorRun = async (key: string) => {
          const t0 = performance.now();
          await env.client.workflow.signalWithStart(floorAlert, {
            taskQueue: floorQueue,
            workflowId: `bench/floor/${key}`,
            args: [key],
            signal: floorTrigger,
            signalArgs: [{ summary: `Bench alert ${key}` }],
          });
          await slackMessageOf(key);
          return performance.now() - t0;
        };
        await driven(20, (i) => floorRun(`bench-floorwarm-${run}-${i}`));
        const floor = await profiled('floor', devServerPid, () =>
          driven(ALERTS, (i) => floorRun(`bench-floor-${run}-${i}`)),
        );
        const slowest = { ms: 0, key: '' };
        const intake: number[] = [];
        const alertRun = async (key: string, intakes: number[]) => {
          const t0 = performance.now();
          await post(key);
          intakes.push(performance.now() - t0); // the gateway's part: POST until its 202 (Temporal accepted)
          await slackMessageOf(key);
          const ms = performance.now() - t0;
          if (ms > slowest.ms) Object.assign(slowest, { ms, key });
          return ms;
        };
        // One anchor per audit transaction: how many alerts' audit writes shared one (db/audit-group-commit.ts).
        const anchors = async () =>
          Number((await store.db.query<{ n: string | number }>('SELECT count(*) AS n FROM audit_anchors'))[0]!.n);
        const anchorsBefore = await anchors();
        const alerts = await profiled('alerts', devServerPid, () =>
          driven(ALERTS, (i) => alertRun(`bench-${run}-${i}`, intake)),
        );
        const auditTransactionsPerAlert = +(((await anchors()) - anchorsBefore) / ALERTS).toFixed(2);
        // The same offered load for both: the floor first, then the alert path.
        const ratePerSecond = +(PACED_RATE ?? floor.perSecond / 4).toFixed(1);
        const pacedFloor = await paced(PACED_ALERTS, ratePerSecond, (i) => floorRun(`bench-floorpaced-${run}-${i}`));
        const pacedAlerts = await paced(PACED_ALERTS, ratePerSecond, (i) => alertRun(`bench-paced-${run}-${i}`, []));
        const atRate = { ratePerSecond, runs: PACED_ALERTS, floor: pacedFloor, alerts: pacedAlerts };
        const perRun = {
          floor: await tasksOf(env.client, `bench/floor/bench-floor-${run}-0`),
          alert: await tasksOf(env.client, alertWorkflowId(pagerdutyDedupKey('bench', `bench-${run}-0`))),
        };
        if (process.env.BENCH_DEBUG) {
          // where the slowest alert spent its time
          const history = await env.client.workflow
            .getHandle(alertWorkflowId(pagerdutyDedupKey('bench', slowest.key)))
            .fetchHistory();
          const first =
            Number(history.events![0]!.eventTime!.seconds) * 1000 + (history.events![0]!.eventTime!.nanos ?? 0) / 1e6;
          for (const e of history.events!.slice(0, 25)) {
            const at = Number(e.eventTime!.seconds) * 1000 + (e.eventTime!.nanos ?? 0) / 1e6;
            console.log(
              `${(at - first).toFixed(0).padStart(7)} ms`,
              Object.keys(e).find((k) => k.endsWith('Attributes')),
            );
          }
          console.log('slowest', slowest);
        }
        const sortedIntake = intake.sort((a, b) => a - b);
        const intakeMs = { p50: percentile(sortedIntake, 50), p99: percentile(sortedIntake, 99) };
        return { baseline, floor, alerts, atRate, perRun, intakeMs, auditTransactionsPerAlert };
      }),
    );
    const row = (name: string, r: typeof results.baseline | typeof results.alerts) => ({
      path: name,
      perSecond: r.perSecond.toFixed(1),
      p50Ms: r.p50.toFixed(1),
      p95Ms: r.p95.toFixed(1),
      p99Ms: r.p99.toFixed(1),
      vsBaseline: `${(r.perSecond / results.baseline.perSecond).toFixed(2)}x`,
      vsFloor: `${(r.perSecond / results.floor.perSecond).toFixed(2)}x`,
      cpuMsPerRun: 'cpuMsPerRun' in r ? r.cpuMsPerRun : '',
      serverCpuMsPerRun: 'serverCpuMsPerRun' in r ? r.serverCpuMsPerRun : '',
    });
    const ratioToFloor = +(results.alerts.perSecond / results.floor.perSecond).toFixed(2);
    const p99Ms = +results.alerts.p99.toFixed(1);
    console.log(
      `alerts benchmark: ${ALERTS} alerts, ${CONCURRENCY} at a time, store ${store.db.kind}, Temporal dev server (SQLite)`,
    );
    console.table([
      row('client.signalWithStart, accepted (baseline)', results.baseline),
      row('floor: signalWithStart -> one activity -> Slack chat.postMessage received', results.floor),
      row('POST /v1/events -> first Slack chat.postMessage received', results.alerts),
    ]);
    console.log(
      `gateway intake (POST /v1/events until its 202, inside the alert path above): p50 ${results.intakeMs.p50.toFixed(1)} ms, p99 ${results.intakeMs.p99.toFixed(1)} ms`,
    );
    console.log(
      `per run: floor ${JSON.stringify(results.perRun.floor)}; alert ${JSON.stringify(results.perRun.alert)}; audit transactions per alert ${results.auditTransactionsPerAlert}; tuning ${JSON.stringify(TUNING)}; server ${SERVER_ARGS.join(' ') || 'defaults'}`,
    );
    const { atRate } = results;
    console.table([
      {
        path: 'floor',
        p50Ms: atRate.floor.p50.toFixed(1),
        p95Ms: atRate.floor.p95.toFixed(1),
        p99Ms: atRate.floor.p99.toFixed(1),
      },
      {
        path: 'alert path',
        p50Ms: atRate.alerts.p50.toFixed(1),
        p95Ms: atRate.alerts.p95.toFixed(1),
        p99Ms: atRate.alerts.p99.toFixed(1),
      },
    ]);
    console.log(
      `(above: ${atRate.runs} each, started ${atRate.ratePerSecond} a second whether or not the ones before had landed)`,
    );
    const pacedP99Ms = +atRate.alerts.p99.toFixed(1);
    console.log(
      `alert path against its floor: ${ratioToFloor}x the rate (aim ${AIM.ratioToFloor}x), p99 ${p99Ms} ms at saturation, ${pacedP99Ms} ms at ${atRate.ratePerSecond} a second (aim under ${AIM.p99Ms} ms)`,
    );
    writeResults('alerts', {
      alertCount: ALERTS,
      concurrency: CONCURRENCY,
      store: store.db.kind,
      ratioToFloor,
      p99Ms,
      pacedP99Ms,
      aim: AIM,
      tuning: TUNING,
      serverArgs: SERVER_ARGS,
      // The rate at saturation, the latency at the paced rate (see PACED_RATE).
      meetsAim: ratioToFloor >= AIM.ratioToFloor && pacedP99Ms < AIM.p99Ms,
      ...results,
    });
  } finally {
    watcher.close();
    await app.close();
    await slack.close();
    await store.close();
    await scratch?.drop();
    await env.teardown();
  }
}
