// `npm run bench -- gateway`: verified webhooks per second, and p50/p99 latency, with
// autocannon against the real gateway; each webhook is verified (HMAC over the raw body),
// recorded as a delivery and ends in a signalWithStart. Baseline in the same run: the
// same signalWithStart calls made directly with the Temporal client, at the same
// concurrency, on the same dev server. Three rounds in a row (BENCH_GATEWAY_ROUNDS), each the
// direct calls then the webhooks: issue #17's aim is at least 0.9x in every round, so
// `ratioToDirect` in bench/results/gateway.json is the lowest round's, beside each and the spread.
import autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';

import { spawn } from 'node:child_process';
import path from 'node:path';
import { createScratchSchema } from '../db/scratch-schema';
import { signGithub } from '../platform/webhook-signatures';
import { BENCH_SECRET as SECRET, BENCH_TASK_QUEUE as TASK_QUEUE } from './gateway-server';
import { writeResults } from './results';
import { installBenchRuntime } from './bench-runtime';
import { childProcessesNamed, cpuOfProcessesNamed, processCpuMs } from './process-cpu';
import { percentile } from './percentile';
import { localDevServerOptions } from '../scripts/dev-server';

const WEBHOOKS = Number(process.env.BENCH_WEBHOOKS ?? 3000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const ROUNDS = Number(process.env.BENCH_GATEWAY_ROUNDS ?? 3);
/**
 * BENCH_GATEWAY_TEMPORAL=host:port: an existing Temporal (the frontend `npm run cluster` prints:
 * Temporal Server on PostgreSQL) instead of a dev server started for the run.
 */
const EXISTING_TEMPORAL = process.env.BENCH_GATEWAY_TEMPORAL;
/** Issue #17's aim: the webhook path at this share of the direct client's rate, in every round. */
const AIM_RATIO = 0.9;

/** N signalWithStart calls at a fixed concurrency, straight to Temporal. */
async function directBaseline(client: Client, count: number, prefix: string) {
  const latencies: number[] = [];
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (next < count) {
        const id = `${prefix}-${next++}`;
        const t0 = process.hrtime.bigint();
        await client.workflow.signalWithStart('durabilityProbe', {
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
  // node itself (not the tsx launcher, a parent process): its CPU time is the gateway's.
  const child = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : []),
      '--import',
      'tsx',
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
    /** CPU time the gateway process has used so far (user + system), in ms (Linux /proc). */
    cpuMs: () => processCpuMs(child.pid!),
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export async function benchGateway(): Promise<void> {
  installBenchRuntime();
  const env = EXISTING_TEMPORAL
    ? undefined
    : await TestWorkflowEnvironment.createLocal({
        server: localDevServerOptions(),
      });
  const address = EXISTING_TEMPORAL ?? env!.address;
  const connection = EXISTING_TEMPORAL ? await Connection.connect({ address }) : undefined;
  const client = env?.client ?? new Client({ connection });
  const temporalKind = EXISTING_TEMPORAL ? `Temporal at ${EXISTING_TEMPORAL}` : 'Temporal dev server (SQLite)';
  const scratch = process.env.DATABASE_URL
    ? await createScratchSchema(process.env.DATABASE_URL, 'arxflow_bench')
    : undefined;
  const gateway = await spawnGateway(address, scratch?.databaseUrl);
  try {
    const run = randomUUID().slice(0, 8);
    await directBaseline(client, 200, `warm-direct-${run}`); // JIT, connections, server caches
    await throughGateway(gateway.url, 200, `warm-gateway-${run}`);
    const rounds: {
      direct: Awaited<ReturnType<typeof directBaseline>>;
      viaGateway: Awaited<ReturnType<typeof throughGateway>> & { gatewayCpuMsPerCall: number };
    }[] = [];
    // Where the machine's CPU went, per call: on 2 cores their sum is what bounds the rate.
    const [devServerPid] = env ? childProcessesNamed('temporal') : [];
    const cpuNow = () => {
      const usage = process.cpuUsage();
      return {
        bench: (usage.user + usage.system) / 1000, // the client, or autocannon
        gateway: gateway.cpuMs(),
        postgres: cpuOfProcessesNamed('postgres'),
        temporal: devServerPid ? processCpuMs(devServerPid) : 0,
      };
    };
    const perCall = (before: ReturnType<typeof cpuNow>) => {
      const after = cpuNow();
      const of = (ms: number) => +(ms / WEBHOOKS).toFixed(2);
      return {
        bench: of(after.bench - before.bench),
        gateway: of(after.gateway - before.gateway),
        postgres: scratch ? of(after.postgres.sinceMs(before.postgres)) : 0,
        temporal: of(after.temporal - before.temporal),
      };
    };
    const cpu: { direct: ReturnType<typeof perCall>; viaGateway: ReturnType<typeof perCall> }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const directCpu = cpuNow();
      const direct = await directBaseline(client, WEBHOOKS, `direct-${run}-${round}`);
      const directPerCall = perCall(directCpu);
      const viaCpu = cpuNow();
      const through = await throughGateway(gateway.url, WEBHOOKS, `gateway-${run}-${round}`);
      const viaPerCall = perCall(viaCpu);
      const viaGateway = { ...through, gatewayCpuMsPerCall: viaPerCall.gateway };
      cpu.push({ direct: directPerCall, viaGateway: viaPerCall });
      rounds.push({ direct, viaGateway });
    }
    const rows = rounds.flatMap(({ direct, viaGateway }, round) => [
      {
        round: round + 1,
        path: 'client.signalWithStart (baseline)',
        perSecond: direct.perSecond,
        p50Ms: direct.p50,
        p99Ms: direct.p99,
        errors: direct.errors,
        vsBaseline: 1,
      },
      {
        round: round + 1,
        path: 'signed webhook -> signalWithStart',
        perSecond: viaGateway.perSecond,
        p50Ms: viaGateway.p50,
        p99Ms: viaGateway.p99,
        errors: viaGateway.errors,
        vsBaseline: viaGateway.perSecond / direct.perSecond,
        gatewayCpuMsPerCall: +viaGateway.gatewayCpuMsPerCall.toFixed(2),
      },
    ]);
    const ratios = rounds.map(({ direct, viaGateway }) => +(viaGateway.perSecond / direct.perSecond).toFixed(3));
    const ratioToDirect = Math.min(...ratios);
    console.log(
      `gateway benchmark: ${ROUNDS} rounds of ${WEBHOOKS} calls each way, ${CONNECTIONS} concurrent, gateway in its own process, deliveries in ${gateway.storeKind}, ${temporalKind}`,
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
    console.log('CPU per call in ms, by process (bench: the client for the baseline, autocannon for webhooks):');
    console.table(
      cpu.flatMap(({ direct, viaGateway }, round) => [
        { round: round + 1, path: 'client.signalWithStart (baseline)', ...direct },
        { round: round + 1, path: 'signed webhook -> signalWithStart', ...viaGateway },
      ]),
    );
    console.log(
      `webhook path against the direct client, per round: ${ratios.map((r) => `${r}x`).join(', ')}; lowest ${ratioToDirect}x, spread ${(Math.max(...ratios) - ratioToDirect).toFixed(3)} (aim: ${AIM_RATIO}x in every round)`,
    );
    writeResults('gateway', {
      webhooks: WEBHOOKS,
      connections: CONNECTIONS,
      store: gateway.storeKind,
      temporal: temporalKind,
      ratioToDirect,
      ratiosByRound: ratios,
      spread: +(Math.max(...ratios) - ratioToDirect).toFixed(3),
      aim: AIM_RATIO,
      meetsAim: ratioToDirect >= AIM_RATIO,
      rows,
      cpuMsPerCallByProcess: cpu,
    });
  } finally {
    await gateway.stop();
    await scratch?.drop();
    await connection?.close();
    await env?.teardown();
  }
}
