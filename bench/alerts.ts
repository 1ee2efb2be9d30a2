// `npm run bench -- alerts`: latency from an alert's POST to the gateway until its first
// Slack message arrives at the local Slack Web API server (p50/p95/p99), and alerts per
// second sustained, over BENCH_ALERTS alerts (PagerDuty Events v2 triggers, each a new
// alert: intake, signalWithStart, alertEscalation, deliverNotification, chat.postMessage).
// Baseline in the same run and process: bare signalWithStart calls at the same concurrency
// against the same dev server (latency until Temporal accepted the call).
import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { slackClient } from '../activities/notifications/channels';
import { createAuthenticator } from '../platform/tokens';
import { buildGateway } from '../gateway/server';
import { createScratchSchema } from '../db/scratch-schema';
import { openStore } from '../db/store';
import { alertWorkflowId, pagerdutyDedupKey } from '../domain/alerts/dedup';
import { parseEscalationYaml } from '../domain/alerts/escalation-policy-schemas';
import { parseSettings } from '../domain/settings';
import { temporalCliExecutable } from '../scripts/temporal-tools';
import { startSlackApiServer } from '../test/support/slack-api-server';
import { buildWorkflowBundle } from '../workers/bundle';
import { createLogger } from '../platform/logger';
import { createArxflowWorker } from '../workers/worker';
import { ARXFLOW_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { writeResults } from './results';

const ALERTS = Number(process.env.BENCH_ALERTS ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const TOKEN = 'xoxb-bench';

const escalation = parseEscalationYaml(`
default: bench
policies:
  - name: bench
    incident: { severities: [], atLevel: never }
    levels:
      - notify: [{ slack: "#bench" }]
        escalateAfter: 30 minutes
`);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
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
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable: temporalCliExecutable(), searchAttributes: ARXFLOW_SEARCH_ATTRIBUTES },
  });
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

  // Resolves when the Slack server has received the message of `dedupKey`.
  const waiting = new Map<string, () => void>();
  const seen = new Set<string>();
  let scanned = 0;
  const poll = setInterval(() => {
    const calls = slack.calls('chat.postMessage');
    for (const call of calls.slice(scanned)) {
      const key = /bench-[\w-]+/.exec(String(call.params.text))?.[0];
      if (!key || seen.has(key)) continue;
      seen.add(key);
      waiting.get(key)?.();
    }
    scanned = calls.length;
  }, 2);
  const slackMessageOf = (key: string) =>
    new Promise<void>((resolve) => (seen.has(key) ? resolve() : waiting.set(key, resolve)));

  try {
    const results = await worker.runUntil(async () => {
      const run = randomUUID().slice(0, 8);
      const post = async (key: string) => {
        const response = await fetch(`${url}/v1/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            routing_key: 'bench',
            event_action: 'trigger',
            dedup_key: key,
            payload: { summary: `Bench alert ${key}`, source: 'bench', severity: 'critical' },
          }),
        });
        if (response.status !== 202)
          throw new Error(`POST /v1/events answered ${response.status}: ${await response.text()}`);
      };
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
      const slowest = { ms: 0, key: '' };
      const alerts = await driven(ALERTS, async (i) => {
        const key = `bench-${run}-${i}`;
        const t0 = performance.now();
        await post(key);
        await slackMessageOf(key);
        const ms = performance.now() - t0;
        if (ms > slowest.ms) Object.assign(slowest, { ms, key });
        return ms;
      });
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
      return { baseline, alerts };
    });
    const row = (name: string, r: typeof results.baseline) => ({
      path: name,
      perSecond: r.perSecond.toFixed(1),
      p50Ms: r.p50.toFixed(1),
      p95Ms: r.p95.toFixed(1),
      p99Ms: r.p99.toFixed(1),
      vsBaseline: `${(r.perSecond / results.baseline.perSecond).toFixed(2)}x`,
    });
    console.log(
      `alerts benchmark: ${ALERTS} alerts, ${CONCURRENCY} at a time, store ${store.db.kind}, Temporal dev server (SQLite)`,
    );
    console.table([
      row('client.signalWithStart, accepted (baseline)', results.baseline),
      row('POST /v1/events -> first Slack chat.postMessage received', results.alerts),
    ]);
    writeResults('alerts', { alertCount: ALERTS, concurrency: CONCURRENCY, store: store.db.kind, ...results });
  } finally {
    clearInterval(poll);
    await app.close();
    await slack.close();
    await store.close();
    await scratch?.drop();
    await env.teardown();
  }
}
