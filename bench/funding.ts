// `npm run bench -- funding`: funding gates started and driven to disbursement per second
// on the dev server, against a baseline workflow with the same updates and activity calls
// in the same run (ratio); then the worker's RSS with BENCH_OPEN_GATES gates waiting on
// approvals.
import { FundingPrograms } from '../db/funding-programs';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { openStore } from '../db/store';
import { createScratchSchema } from '../db/scratch-schema';
import { Ledger, ledgerAccounts } from '../db/ledger';
import type { FundingGateInput } from '../domain/funding/gate-input';
import { fundingGateId } from '../domain/funding/gate-input';
import { temporalCliExecutable } from '../scripts/temporal-tools';
import { buildWorkflowBundle } from '../workers/bundle';
import { createArxflowWorker } from '../workers/worker';
import { decideUpdate, fundingGate } from '../workflows';
import { ARXFLOW_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { baselineDecide, baselineGate } from './baseline-workflow';
import { writeResults } from './results';
import { installBenchRuntime } from './bench-runtime';

const GATES = Number(process.env.BENCH_GATES ?? 100);
const OPEN_GATES = Number(process.env.BENCH_OPEN_GATES ?? 10_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 10);
/** Activity calls of one gate run without conditions: opened, two votes, disbursing, disburse, disbursed, completed, closed. */
const GATE_ACTIVITY_CALLS = 8;

/** A draw with two approval stages and no conditions (bench/cluster-load.ts too). */
export function draw(projectId: string, milestoneId: string): FundingGateInput {
  return {
    projectId,
    milestoneId,
    requestedBy: 'gc',
    payeeId: 'payee',
    currency: 'USD',
    lines: [{ lineId: 'L1', description: 'Works', scheduledValue: 1_000_000, requestedAmount: 100_000 }],
    retainage: { percent: 10 },
    projectPercentComplete: 10,
    conditions: [],
    approvals: {
      stages: [
        { name: 'review', approvers: { users: ['rita'] }, quorum: 1 },
        { name: 'sign', approvers: { users: ['sam'] }, quorum: 1 },
      ],
    },
    clocks: { escalationContact: 'ops' },
  };
}

async function timed(count: number, one: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) await one(next++);
    }),
  );
  return count / (Number(process.hrtime.bigint() - started) / 1e9);
}

const mib = (bytes: number) => Math.round(bytes / 1024 / 1024);

export async function benchFunding(): Promise<void> {
  installBenchRuntime();
  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable: temporalCliExecutable(), searchAttributes: ARXFLOW_SEARCH_ATTRIBUTES },
  });
  const scratch = process.env.DATABASE_URL
    ? await createScratchSchema(process.env.DATABASE_URL, 'arxflow_bench')
    : undefined;
  const store = await openStore(scratch ? { databaseUrl: scratch.databaseUrl } : { inMemory: true });
  const run = randomUUID().slice(0, 8);
  const project = `BENCH-${run}`;
  const ledger = new Ledger(store.db);
  await ledger.ensureAccount(ledgerAccounts.projectFunding(project), 'funding', 'USD');
  await ledger.fund(ledgerAccounts.projectFunding(project), 1_000_000_000_000, `bench-${run}`, 'bench deposit');
  await new FundingPrograms(store.db, store.audit).registerPayee(project, 'payee', 'Bench payee', 'bench-admin'); // disburse pays registered payees only

  const gateQueue = `bench-gates-${run}`;
  const baselineQueue = `bench-baseline-${run}`;
  const gateWorker = await createArxflowWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue: gateQueue,
    workflowBundle: await buildWorkflowBundle(),
    deps: { store },
  });
  const baselineWorker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: baselineQueue,
    workflowsPath: require.resolve('./baseline-workflow'),
    activities: { noop: async () => undefined },
  });
  try {
    const results = await gateWorker.runUntil(
      baselineWorker.runUntil(async () => {
        const drive = async (
          handle: { executeUpdate: (...args: never[]) => Promise<unknown>; result: () => Promise<unknown> },
          update: unknown,
          votes: unknown[],
        ) => {
          for (const vote of votes) await handle.executeUpdate(update as never, { args: [vote] } as never);
          await handle.result();
        };
        await timed(20, async (i) => {
          // warm-up: bundle, caches, connections
          const handle = await env.client.workflow.start(baselineGate, {
            taskQueue: baselineQueue,
            workflowId: `bench/warm/${run}/${i}`,
            args: [GATE_ACTIVITY_CALLS],
          });
          await drive(handle as never, baselineDecide, [{}, {}]);
        });
        const baseline = await timed(GATES, async (i) => {
          const handle = await env.client.workflow.start(baselineGate, {
            taskQueue: baselineQueue,
            workflowId: `bench/baseline/${run}/${i}`,
            args: [GATE_ACTIVITY_CALLS],
          });
          await drive(handle as never, baselineDecide, [{}, {}]);
        });
        const gates = await timed(GATES, async (i) => {
          const input = draw(project, `D${i}`);
          const handle = await env.client.workflow.start(fundingGate, {
            taskQueue: gateQueue,
            workflowId: fundingGateId(input),
            args: [input],
          });
          await drive(handle as never, decideUpdate, [
            { decision: 'approve', actor: 'rita', roles: [] },
            { decision: 'approve', actor: 'sam', roles: [] },
          ]);
        });

        const rssBefore = process.memoryUsage().rss;
        const openProject = `OPEN-${run}`;
        const opened = async () => {
          const [row] = await store.db.query<{ n: string }>(
            "SELECT count(*) AS n FROM audit_events WHERE action = 'funding.opened' AND subject LIKE $1",
            [`${openProject}/%`],
          );
          return Number(row?.n);
        };
        // In batches, each waited for until every gate in it has run its first task (its
        // 'opened' audit event is written): a backlog of thousands of first tasks on 2 cores
        // only measures workflow task timeouts.
        const BATCH = 500;
        const startedAt = process.hrtime.bigint();
        for (let from = 0; from < OPEN_GATES; from += BATCH) {
          const size = Math.min(BATCH, OPEN_GATES - from);
          await timed(size, async (i) => {
            const input = draw(openProject, `O${from + i}`);
            await env.client.workflow.start(fundingGate, {
              taskQueue: gateQueue,
              workflowId: fundingGateId(input),
              args: [input],
            });
          });
          while ((await opened()) < from + size) await new Promise((resolve) => setTimeout(resolve, 250));
        }
        const startRate = OPEN_GATES / (Number(process.hrtime.bigint() - startedAt) / 1e9);
        global.gc?.();
        const rssAfter = process.memoryUsage().rss;
        return { baseline, gates, startRate, rssBefore, rssAfter };
      }),
    );
    const rows = [
      {
        run: `baseline workflow (2 updates, ${GATE_ACTIVITY_CALLS} no-op activities)`,
        perSecond: results.baseline.toFixed(1),
        vsBaseline: '1.00x',
      },
      {
        run: 'fundingGate to disbursement (2 approvals, ledger, audit)',
        perSecond: results.gates.toFixed(1),
        vsBaseline: `${(results.gates / results.baseline).toFixed(2)}x`,
      },
    ];
    console.log(
      `funding benchmark: ${GATES} gates, ${CONCURRENCY} at a time, store ${store.db.kind}, Temporal dev server (SQLite)`,
    );
    console.table(rows);
    console.table([
      {
        openGates: OPEN_GATES,
        maxCachedWorkflows: gateWorker.options.maxCachedWorkflows,
        startedPerSecond: results.startRate.toFixed(0),
        processRssBeforeMiB: mib(results.rssBefore),
        processRssWithOpenGatesMiB: mib(results.rssAfter),
        perGateKiB: ((results.rssAfter - results.rssBefore) / 1024 / OPEN_GATES).toFixed(1),
      },
    ]);
    writeResults('funding', {
      gateRuns: GATES,
      concurrency: CONCURRENCY,
      store: store.db.kind,
      maxCachedWorkflows: gateWorker.options.maxCachedWorkflows,
      ...results,
    });
  } finally {
    await store.close();
    await scratch?.drop();
    await env.teardown();
  }
}
