// `npm run bench -- cluster` (issue #18, Figures): in one run, funding gates driven to
// disbursement per second and alerts per second (POST /v1/events through the gateway to the
// first Slack message at a local Slack Web API server) on
//   - the dev server as `npm start` runs it (the baseline: ratios are against it),
//   - `npm run cluster` with two worker processes,
//   - the same cluster after one of its workers got SIGKILL with gates in flight (failover:
//     time until the killed worker's workflows progress on the other), i.e. with one worker.
// Both deployments run side by side, started as a user starts them, and are measured in
// alternating rounds (the idle one waits): on a shared machine the background load drifts
// over minutes, and alternating gives each side the same share of it, so the ratios hold
// even when the absolute figures move. Size: BENCH_CLUSTER_SCALE multiplies the default
// counts (48 gates and 120 alerts per deployment and phase, 40 failover gates);
// BENCH_CONCURRENCY as in the other benches (16).
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { startSlackApiServer } from '../test/support/slack-api-server';
import { driven } from './alerts';
import { startClusterDeployment, startDevService, type Running } from './cluster-deployments';
import { measureFailover, type Failover } from './cluster-failover';
import { slackWatcher } from './alert-load';
import { fundedProject, runAlert, runGate } from './cluster-load';
import { writeResults } from './results';

const SCALE = Number(process.env.BENCH_CLUSTER_SCALE ?? 1);
const GATES = Math.round(48 * SCALE);
const ALERTS = Math.round(120 * SCALE);
const FAILOVER_GATES = Math.round(40 * SCALE);
// bench/alerts.ts's driven() runs BENCH_CONCURRENCY jobs at a time (16 unless set); the failover too.
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const ROUNDS = 3;
const WARM_UP = 8;
const TOKEN = 'xoxb-bench';

/** Rate and percentiles over every round (bench/alerts.ts summarises one call of driven() alike). */
function summary(latencies: number[], seconds: number) {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
  return { perSecond: latencies.length / seconds, p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}
type Rate = ReturnType<typeof summary>;
interface Measured {
  deployment: string;
  /** The row its ratios are against: the dev server measured in the same rounds. */
  baseline?: string;
  gates: Rate;
  alerts: Rate;
  /** The machine's 1-minute load average at the end of the rounds: other work shares the machine. */
  loadAverage: number;
}

/** One deployment under measurement: its funded project, and the latencies and busy seconds of each load so far. */
class Subject {
  private readonly projectId: string;
  private gatesRun = 0;
  private alertsRun = 0;
  private readonly tally = { gates: { ms: [] as number[], s: 0 }, alerts: { ms: [] as number[], s: 0 } };

  constructor(
    readonly name: string,
    readonly deployment: Running,
    private readonly tag: string,
    private readonly run: string,
    private readonly watcher: ReturnType<typeof slackWatcher>,
  ) {
    this.projectId = `BENCH-${tag}-${run}`;
  }

  async prepare(): Promise<void> {
    await fundedProject(this.deployment.store, this.projectId);
    await driven(WARM_UP, (i) => runGate(this.deployment, this.projectId, `W${i}`)); // bundle, caches, connections
    await driven(WARM_UP, (i) => runAlert(this.deployment, this.watcher, `bench-${this.tag}-warm-${this.run}-${i}`));
  }

  gates(count: number) {
    const from = this.gatesRun;
    this.gatesRun += count;
    return this.load('gates', count, (i) => runGate(this.deployment, this.projectId, `G${from + i}`));
  }

  alerts(count: number) {
    const from = this.alertsRun;
    this.alertsRun += count;
    return this.load('alerts', count, (i) =>
      runAlert(this.deployment, this.watcher, `bench-${this.tag}-${this.run}-${from + i}`),
    );
  }

  private async load(kind: 'gates' | 'alerts', count: number, job: (i: number) => Promise<number>) {
    const tally = this.tally[kind];
    const rate = await driven(count, async (i) => {
      const ms = await job(i);
      tally.ms.push(ms);
      return ms;
    });
    tally.s += count / rate.perSecond;
  }

  /** Everything measured so far, from zero again afterwards (the next phase counts apart). */
  take(baseline?: string): Measured {
    const result = {
      deployment: this.name,
      ...(baseline ? { baseline } : {}),
      gates: summary(this.tally.gates.ms, this.tally.gates.s),
      alerts: summary(this.tally.alerts.ms, this.tally.alerts.s),
      loadAverage: loadavg()[0]!,
    };
    this.tally.gates = { ms: [], s: 0 };
    this.tally.alerts = { ms: [], s: 0 };
    return result;
  }
}

/** ROUNDS rounds of gates, then of alerts, each round both deployments one after the other, who goes first alternating. */
async function alternate(a: Subject, b: Subject): Promise<void> {
  const perRound = (total: number) => Math.ceil(total / ROUNDS);
  for (const kind of ['gates', 'alerts'] as const)
    for (let round = 0; round < ROUNDS; round++)
      for (const subject of round % 2 ? [b, a] : [a, b])
        await subject[kind](perRound(kind === 'gates' ? GATES : ALERTS));
}

export async function benchCluster(): Promise<void> {
  if (!(SCALE > 0)) throw new Error('BENCH_CLUSTER_SCALE: must be a number above 0');
  const slack = await startSlackApiServer({ token: TOKEN });
  const watcher = slackWatcher(slack);
  const slackEnv = { SLACK_BOT_TOKEN: TOKEN, SLACK_API_URL: slack.apiUrl };
  const run = randomUUID().slice(0, 8);
  const measured: Measured[] = [];
  let failover: Failover | undefined;
  const report = (m: Measured) => {
    measured.push(m);
    console.log(
      `  ${m.deployment}: ${m.gates.perSecond.toFixed(1)} gates/s, ${m.alerts.perSecond.toFixed(1)} alerts/s`,
    );
  };

  let dev: Running | undefined;
  let cluster: Running | undefined;
  try {
    console.log('cluster benchmark: starting npm start (dev server) and npm run cluster (two workers) ...');
    dev = await startDevService(slackEnv);
    cluster = await startClusterDeployment(slackEnv, 2);
    const devServer = new Subject(
      'npm start (dev server on SQLite; worker and gateway in one process)',
      dev,
      'dev',
      run,
      watcher,
    );
    const two = new Subject(
      'npm run cluster, 2 worker processes (Temporal Server on PostgreSQL)',
      cluster,
      'c2',
      run,
      watcher,
    );
    await devServer.prepare();
    await two.prepare();
    await alternate(devServer, two);
    const devWithTwo = devServer.take();
    report({ ...devWithTwo, deployment: `${devWithTwo.deployment}, rounds beside 2 workers` });
    report(two.take(devWithTwo.deployment));

    const failoverProject = `BENCH-failover-${run}`;
    await fundedProject(cluster.store, failoverProject);
    failover = await measureFailover(cluster, failoverProject, FAILOVER_GATES, CONCURRENCY);
    console.log(`  failover: ${JSON.stringify(failover)}`);

    const one = new Subject('npm run cluster, 1 worker process (the other killed)', cluster, 'c1', run, watcher);
    await one.prepare();
    await alternate(devServer, one);
    const devWithOne = devServer.take();
    report({ ...devWithOne, deployment: `${devWithOne.deployment}, rounds beside 1 worker` });
    report(one.take(devWithOne.deployment));
  } finally {
    await cluster?.stop();
    await dev?.stop();
    watcher.close();
    await slack.close();
  }

  // Each cluster row against the dev server row measured in the same rounds just before it.
  const baselineOf = (i: number) => (measured[i]!.baseline ? measured[i - 1]! : measured[i]!);
  const ratio = (value: number, baseline: number) => `${(value / baseline).toFixed(2)}x`;
  console.log(
    `cluster benchmark: ${GATES} gates and ${ALERTS} alerts per deployment and phase in ${ROUNDS} alternating rounds, ${CONCURRENCY} at a time; arxflow's store on PostgreSQL in each`,
  );
  console.table(
    measured.map((m, i) => ({
      deployment: m.deployment,
      gatesPerSecond: m.gates.perSecond.toFixed(1),
      gatesVsDev: ratio(m.gates.perSecond, baselineOf(i).gates.perSecond),
      gateP95Ms: m.gates.p95.toFixed(0),
      alertsPerSecond: m.alerts.perSecond.toFixed(1),
      alertsVsDev: ratio(m.alerts.perSecond, baselineOf(i).alerts.perSecond),
      alertP95Ms: m.alerts.p95.toFixed(0),
      load: m.loadAverage.toFixed(1),
    })),
  );
  console.table([
    {
      failoverGates: failover!.gates,
      inFlightAtKill: failover!.inFlightAtKill,
      killedWorkersWorkflows: failover!.killedWorkersWorkflows,
      activityRetries: Object.entries(failover!.retriedActivityTypes)
        .map(([type, n]) => `${n} ${type}`)
        .join(', '),
      workflowTaskTimeouts: failover!.workflowTaskTimeouts,
      progressP50S: failover!.progressP50Seconds.toFixed(1),
      progressMaxS: failover!.progressMaxSeconds.toFixed(1),
      allInFlightDoneS: failover!.allInFlightDoneSeconds.toFixed(1),
    },
  ]);
  writeResults('cluster', {
    gates: GATES,
    alerts: ALERTS,
    rounds: ROUNDS,
    concurrency: CONCURRENCY,
    scale: SCALE,
    measured,
    failover,
  });
}
