// `npm run bench -- gateway`: verified webhooks per second, and p50/p99 latency, with
// autocannon against the real gateway; each webhook is verified (HMAC over the raw body),
// recorded as a delivery and ends in a signalWithStart. Baseline in the same run: the
// same signalWithStart calls made directly with the Temporal client, at the same
// concurrency, on the same dev server.
import autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';

import { spawn } from 'node:child_process';
import path from 'node:path';
import { createScratchSchema } from '../db/scratch-schema';
import { signGithub } from '../platform/webhook-signatures';
import { temporalCliExecutable } from '../scripts/temporal-tools';
import { ARXFLOW_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { BENCH_SECRET as SECRET, BENCH_TASK_QUEUE as TASK_QUEUE } from './gateway-server';
import { writeResults } from './results';
import { installBenchRuntime } from './bench-runtime';

const WEBHOOKS = Number(process.env.BENCH_WEBHOOKS ?? 3000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** N signalWithStart calls at a fixed concurrency, straight to Temporal. */
async function directBaseline(env: TestWorkflowEnvironment, count: number, prefix: string) {
  const latencies: number[] = [];
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (next < count) {
        const id = `${prefix}-${next++}`;
        const t0 = process.hrtime.bigint();
        await env.client.workflow.signalWithStart('durabilityProbe', {
          taskQueue: TASK_QUEUE,
          workflowId: `bench/${id}`,
          args: [{ sleep: '1 hour', label: id }],
          signal: 'wakeUp',
          signalArgs: [{ reason: 'bench', actor: 'webhook:bench' }],
        });
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  return { perSecond: count / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors: 0 };
}

/** The same calls as signed webhooks through the gateway, driven by autocannon. */
async function throughGateway(url: string, count: number, prefix: string) {
  let next = 0;
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    amount: count,
    requests: [
      {
        method: 'POST',
        path: '/v1/webhooks/bench',
        setupRequest: (request) => {
          const id = `${prefix}-${next++}`;
          const body = JSON.stringify({ build: { id } });
          return {
            ...request,
            body,
            headers: {
              'content-type': 'application/json',
              'x-hub-signature-256': signGithub(body, SECRET),
              'x-github-delivery': id,
            },
          };
        },
      },
    ],
  });
  return {
    perSecond: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.non2xx + result.errors,
  };
}

/** Starts bench/gateway-server.ts as a child process; resolves with its URL, store kind and a stop function. */
async function spawnGateway(temporalAddress: string, databaseUrl: string | undefined) {
  const child = spawn(
    path.join(__dirname, '..', 'node_modules', '.bin', 'tsx'),
    [
      ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : []),
      path.join(__dirname, 'gateway-server.ts'),
    ],
    {
      env: { ...process.env, BENCH_TEMPORAL_ADDRESS: temporalAddress, BENCH_DATABASE_URL: databaseUrl ?? '' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /listening (\S+) (\S+)/.exec(out);
      if (match) resolve(match[0]);
    });
    child.once('exit', (code) => reject(new Error(`bench gateway exited ${code}`)));
  });
  const [, url, storeKind] = line.split(' ');
  return {
    url: url!,
    storeKind: storeKind!,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export async function benchGateway(): Promise<void> {
  installBenchRuntime();
  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable: temporalCliExecutable(), searchAttributes: ARXFLOW_SEARCH_ATTRIBUTES },
  });
  const scratch = process.env.DATABASE_URL
    ? await createScratchSchema(process.env.DATABASE_URL, 'arxflow_bench')
    : undefined;
  const gateway = await spawnGateway(env.address, scratch?.databaseUrl);
  try {
    const run = randomUUID().slice(0, 8);
    await directBaseline(env, 200, `warm-direct-${run}`); // JIT, connections, server caches
    await throughGateway(gateway.url, 200, `warm-gateway-${run}`);
    const direct = await directBaseline(env, WEBHOOKS, `direct-${run}`);
    const viaGateway = await throughGateway(gateway.url, WEBHOOKS, `gateway-${run}`);
    const rows = [
      {
        path: 'client.signalWithStart (baseline)',
        perSecond: direct.perSecond,
        p50Ms: direct.p50,
        p99Ms: direct.p99,
        errors: direct.errors,
        vsBaseline: 1,
      },
      {
        path: 'signed webhook -> signalWithStart',
        perSecond: viaGateway.perSecond,
        p50Ms: viaGateway.p50,
        p99Ms: viaGateway.p99,
        errors: viaGateway.errors,
        vsBaseline: viaGateway.perSecond / direct.perSecond,
      },
    ];
    console.log(
      `gateway benchmark: ${WEBHOOKS} calls each, ${CONNECTIONS} concurrent, deliveries in ${gateway.storeKind}, Temporal dev server (SQLite)`,
    );
    console.table(
      rows.map((r) => ({
        ...r,
        perSecond: r.perSecond.toFixed(0),
        p50Ms: r.p50Ms.toFixed(1),
        p99Ms: r.p99Ms.toFixed(1),
        vsBaseline: `${r.vsBaseline.toFixed(2)}x`,
      })),
    );
    writeResults('gateway', { webhooks: WEBHOOKS, connections: CONNECTIONS, store: gateway.storeKind, rows });
  } finally {
    await gateway.stop();
    await scratch?.drop();
    await env.teardown();
  }
}
