// `npm run bench -- cluster` (issue #18, Figures): in one run, funding gates driven to
// disbursement per second and alerts per second (POST /v1/events through the gateway to the
// first Slack message at a local Slack Web API server) on
//   1. the dev server as `npm start` runs it (the baseline: ratios are against it),
//   2. `npm run cluster` with two worker processes,
//   3. the same cluster after one of its workers got SIGKILL with gates in flight (failover:
//      time until the killed worker's workflows progress on the other), i.e. one worker.
// Each deployment is started as a user starts it and stopped before the next (2 cores here:
// nothing else of the bench competes with the one measured). Size: BENCH_CLUSTER_SCALE
// multiplies the default counts (60 gates, 150 alerts, 40 failover gates per deployment);
// BENCH_CONCURRENCY as in the other benches (16).
import { randomUUID } from 'node:crypto';
import { startSlackApiServer } from '../test/support/slack-api-server';
import { driven } from './alerts';
import { startClusterDeployment, startDevService, type Running } from './cluster-deployments';
import { measureFailover, type Failover } from './cluster-failover';
import { fundedProject, runAlert, runGate, slackWatcher } from './cluster-load';
import { writeResults } from './results';

const SCALE = Number(process.env.BENCH_CLUSTER_SCALE ?? 1);
const GATES = Math.round(60 * SCALE);
const ALERTS = Math.round(150 * SCALE);
const FAILOVER_GATES = Math.round(40 * SCALE);
// bench/alerts.ts's driven() runs BENCH_CONCURRENCY jobs at a time (16 unless set); the failover too.
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const WARM_UP = 8;
const TOKEN = 'xoxb-bench';

type Rate = Awaited<ReturnType<typeof driven>>;
interface Measured {
  deployment: string;
  gates: Rate;
  alerts: Rate;
}

export async function benchCluster(): Promise<void> {
  if (!(SCALE > 0)) throw new Error('BENCH_CLUSTER_SCALE: must be a number above 0');
  const slack = await startSlackApiServer({ token: TOKEN });
  const watcher = slackWatcher(slack);
  const slackEnv = { SLACK_BOT_TOKEN: TOKEN, SLACK_API_URL: slack.apiUrl };
  const run = randomUUID().slice(0, 8);
  const measured: Measured[] = [];
  let failover: Failover | undefined;

  /** Warm-up (bundle, caches, connections), then gates and alerts, one load after the other. */
  const measure = async (deployment: Running, name: string, tag: string) => {
    const projectId = `BENCH-${tag}-${run}`;
    await fundedProject(deployment.store, projectId);
    await driven(WARM_UP, (i) => runGate(deployment, projectId, `W${i}`));
    await driven(WARM_UP, (i) => runAlert(deployment, watcher, `bench-${tag}-warm-${run}-${i}`));
    const gates = await driven(GATES, (i) => runGate(deployment, projectId, `G${i}`));
    const alerts = await driven(ALERTS, (i) => runAlert(deployment, watcher, `bench-${tag}-${run}-${i}`));
    measured.push({ deployment: name, gates, alerts });
    console.log(`  ${name}: ${gates.perSecond.toFixed(1)} gates/s, ${alerts.perSecond.toFixed(1)} alerts/s`);
  };

  try {
    console.log('cluster benchmark: npm start (dev server) ...');
    const dev = await startDevService(slackEnv);
    try {
      await measure(dev, 'npm start (dev server, SQLite; worker and gateway in one process)', 'dev');
    } finally {
      await dev.stop();
    }

    console.log('cluster benchmark: npm run cluster (two workers) ...');
    const cluster = await startClusterDeployment(slackEnv, 2);
    try {
      await measure(cluster, 'npm run cluster, 2 worker processes (Temporal Server on PostgreSQL)', 'c2');
      const failoverProject = `BENCH-failover-${run}`;
      await fundedProject(cluster.store, failoverProject);
      failover = await measureFailover(cluster, failoverProject, FAILOVER_GATES, CONCURRENCY);
      console.log(`  failover: ${JSON.stringify(failover)}`);
      await measure(cluster, 'npm run cluster, 1 worker process (the other killed)', 'c1');
    } finally {
      await cluster.stop();
    }
  } finally {
    watcher.close();
    await slack.close();
  }

  const [base] = measured;
  const ratio = (value: number, baseline: number) => `${(value / baseline).toFixed(2)}x`;
  console.log(
    `cluster benchmark: ${GATES} gates and ${ALERTS} alerts per deployment, ${CONCURRENCY} at a time; arxflow's store on PostgreSQL in each`,
  );
  console.table(
    measured.map((m) => ({
      deployment: m.deployment,
      gatesPerSecond: m.gates.perSecond.toFixed(1),
      gatesVsDev: ratio(m.gates.perSecond, base!.gates.perSecond),
      gateP95Ms: m.gates.p95.toFixed(0),
      alertsPerSecond: m.alerts.perSecond.toFixed(1),
      alertsVsDev: ratio(m.alerts.perSecond, base!.alerts.perSecond),
      alertP95Ms: m.alerts.p95.toFixed(0),
    })),
  );
  console.table([
    {
      failoverGates: failover!.gates,
      inFlightAtKill: failover!.inFlightAtKill,
      killedWorkersWorkflows: failover!.killedWorkersWorkflows,
      activityRetries: failover!.activityRetries,
      workflowTaskTimeouts: failover!.workflowTaskTimeouts,
      progressP50S: failover!.progressP50Seconds.toFixed(1),
      progressMaxS: failover!.progressMaxSeconds.toFixed(1),
      allInFlightDoneS: failover!.allInFlightDoneSeconds.toFixed(1),
    },
  ]);
  writeResults('cluster', { gates: GATES, alerts: ALERTS, concurrency: CONCURRENCY, scale: SCALE, measured, failover });
}
