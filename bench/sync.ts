// `npm run bench -- sync`: what data sync (issue #15) costs.
// - commits per second on one document (one writer, each commit based on the last) and across
//   BENCH_SYNC_DOCUMENTS documents (BENCH_SYNC_CONCURRENCY writers, each on its own documents),
//   through TemporalSyncOperations as the gateway calls it (check, stage by hash, the document's
//   workflow: prepare, hooks incl. the compliance quick check, write, audit). Beside each, a
//   bare Update to a no-op entity workflow (bench/sync-baseline-workflow.ts) on the same dev
//   server, with the same writers, in the same run: the cost of a commit in bare Updates;
// - diff time (domain/sync diffDocuments: RFC 6902 patch, stats, readable lines) for plans of
//   1 KB, 100 KB and 5 MB, as a plan (spaces and doors matched by id) and as plain json (by
//   position), beside `JSON.stringify(a) === JSON.stringify(b)` on the same pair;
// - commit-to-SSE-delivery latency through the gateway: a commit POSTed to
//   /v1/sync/:documentId/commits, its event read from /v1/sync/:documentId/events, p50/p99.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Caller } from '../client/api/operations';
import { TemporalSyncOperations } from '../client/api/sync-temporal-operations';
import { readServerSentEvents } from '../cli/stream-follow';
import { createScratchSchema } from '../db/scratch-schema';
import { openStore } from '../db/store';
import { SyncStore } from '../db/sync-store';
import { parseSettings } from '../domain/settings';
import { diffDocuments } from '../domain/sync/json-diff';
import type { DocumentKind, JsonValue } from '../domain/sync/sync-types';
import { buildGateway } from '../gateway/server';
import { createLogger } from '../platform/logger';
import { createAuthenticator, createToken } from '../platform/tokens';
import { buildWorkflowBundle } from '../workers/bundle';
import { createArxflowWorker } from '../workers/worker';
import { installBenchRuntime } from './bench-runtime';
import { writeResults } from './results';
import { baselineCommit, baselineEntity } from './sync-baseline-workflow';
import { editedPlan, planOfSize } from './sync-documents';
import { percentile } from './percentile';
import { localDevServerOptions } from '../scripts/dev-server';

const ONE_DOCUMENT_COMMITS = Number(process.env.BENCH_SYNC_COMMITS ?? 100);
const DOCUMENTS = Number(process.env.BENCH_SYNC_DOCUMENTS ?? 100);
const COMMITS_PER_DOCUMENT = Number(process.env.BENCH_SYNC_COMMITS_PER_DOCUMENT ?? 3);
const CONCURRENCY = Number(process.env.BENCH_SYNC_CONCURRENCY ?? 10);
const SSE_COMMITS = Number(process.env.BENCH_SYNC_SSE_COMMITS ?? 50);
/** Each size is diffed this many times (after one warm-up), fewer for the large ones. */
const DIFF_SIZES = [
  { label: '1 KB', bytes: 1024, runs: 500 },
  { label: '100 KB', bytes: 100 * 1024, runs: 50 },
  { label: '5 MB', bytes: 5 * 1024 * 1024 - 64 * 1024, runs: 5 },
];
const WARM_UP = 5;
const SECRET = 'bench-sync-secret-bench-sync-secret';

/** The example plan of examples/sync with storage space S202 at another area per commit (always compliant). */
const OFFICE_PLAN = JSON.parse(
  readFileSync(path.resolve(__dirname, '..', 'examples', 'sync', 'office-plan.json'), 'utf8'),
) as { spaces: { id: string; areaSqft: number }[] } & Record<string, JsonValue>;
function planVersion(n: number): JsonValue {
  const plan = structuredClone(OFFICE_PLAN);
  plan.spaces.find((space) => space.id === 'S202')!.areaSqft = 300 + (n % 5000);
  return plan as unknown as JsonValue;
}

function stats(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}
const msSince = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

/** Runs `lanes` in parallel, each a sequence of calls; the rate of calls and each call's time. */
async function timedLanes(lanes: (() => Promise<void>)[][]): Promise<{ perSecond: number; latencies: number[] }> {
  const latencies: number[] = [];
  const started = process.hrtime.bigint();
  await Promise.all(
    lanes.map(async (calls) => {
      for (const call of calls) {
        const t = process.hrtime.bigint();
        await call();
        latencies.push(msSince(t));
      }
    }),
  );
  return { perSecond: latencies.length / (msSince(started) / 1000), latencies };
}

/** Documents split over CONCURRENCY writers: writer k takes documents k, k + CONCURRENCY, ... */
function byWriter<T>(items: T[]): T[][] {
  const lanes = Array.from({ length: Math.min(CONCURRENCY, items.length) }, () => [] as T[]);
  items.forEach((item, i) => lanes[i % lanes.length]!.push(item));
  return lanes;
}

function diffRows() {
  const rows: { size: string; bytes: number; path: string; p50: number; p99: number; runs: number }[] = [];
  for (const size of DIFF_SIZES) {
    const before = planOfSize(size.bytes) as unknown as JsonValue;
    const after = editedPlan(planOfSize(size.bytes)) as unknown as JsonValue;
    const bytes = JSON.stringify(before).length;
    const time = (label: string, one: () => unknown) => {
      one();
      const times: number[] = [];
      for (let i = 0; i < size.runs; i++) {
        const t = process.hrtime.bigint();
        one();
        times.push(msSince(t));
      }
      rows.push({ size: size.label, bytes, path: label, runs: size.runs, ...stats(times) });
    };
    const diff = (kind: DocumentKind) => () => {
      const result = diffDocuments(before, after, kind);
      if (result.patch.length === 0) throw new Error(`${size.label}: the edited plan has no diff as ${kind}`);
    };
    time('JSON.stringify both, compare', () => {
      if (JSON.stringify(before) === JSON.stringify(after)) throw new Error('the edited plan is the same');
    });
    time('diff as plan (by id)', diff('plan'));
    time('diff as json (by position)', diff('json'));
  }
  return rows;
}

export async function benchSync(): Promise<void> {
  // (b) first, alone on the machine: pure CPU, no servers yet.
  const diffs = diffRows();

  installBenchRuntime();
  const env = await TestWorkflowEnvironment.createLocal({
    server: localDevServerOptions(),
  });
  const scratch = process.env.DATABASE_URL
    ? await createScratchSchema(process.env.DATABASE_URL, 'arxflow_bench')
    : undefined;
  const store = await openStore(scratch ? { databaseUrl: scratch.databaseUrl } : { inMemory: true });
  const run = randomUUID().slice(0, 8);
  const taskQueue = `bench-sync-${run}`;
  const baselineQueue = `bench-sync-baseline-${run}`;
  const worker = await createArxflowWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue,
    workflowBundle: await buildWorkflowBundle(),
    deps: { store },
  });
  const baselineWorker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: baselineQueue,
    workflowsPath: require.resolve('./sync-baseline-workflow'),
  });
  const operations = new TemporalSyncOperations({ client: env.client, taskQueue, store: new SyncStore(store.db) });
  const settings = parseSettings({ ARXFLOW_JWT_SECRET: SECRET });
  const { app } = await buildGateway({
    temporal: env.client,
    taskQueue,
    logger: createLogger('silent'),
    store,
    schedules: [],
    authenticator: createAuthenticator(settings),
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const editor: Caller = { subject: 'bench-editor', roles: ['editor'] };

  /**
   * One commit through the operations the gateway uses; its id. The message names the document,
   * but ids do not depend on that: the commit id includes the document (commitIdOf in
   * domain/sync/content-hash.ts), so two documents' first commits of the same content, author and
   * message in the same millisecond are two commits.
   */
  const commit = async (documentId: string, parent: string | undefined, n: number): Promise<string> => {
    const message = `bench: ${documentId} S202 at ${300 + n} sq ft`;
    const outcome = await operations.commit(
      documentId,
      { kind: 'plan', content: planVersion(n), message, ...(parent && { parent }) },
      editor,
    );
    if (outcome.outcome !== 'committed') throw new Error(`${documentId}: ${JSON.stringify(outcome)}`);
    return outcome.commitId;
  };
  /** A document's next `count` commits, in order, each on the last (the head it holds). */
  const commitsTo = (documentId: string, heads: Map<string, string>, count: number, from: number) =>
    Array.from({ length: count }, (_, i) => async () => {
      heads.set(documentId, await commit(documentId, heads.get(documentId), from + i));
    });
  const baselineEntities = async (ids: string[]) =>
    Promise.all(
      ids.map((workflowId) =>
        env.client.workflow.start(baselineEntity, { taskQueue: baselineQueue, workflowId, args: [] }),
      ),
    );
  const bareUpdates = (ids: string[], count: number) =>
    ids.map((workflowId) =>
      Array.from({ length: count }, () => async () => {
        await env.client.workflow.getHandle(workflowId).executeUpdate(baselineCommit, { args: [{}] });
      }),
    );

  try {
    const measured = await worker.runUntil(
      baselineWorker.runUntil(async () => {
        // (a) One document: its workflow exists and is warm before the clock starts (as is the baseline's).
        const heads = new Map<string, string>();
        const one = `bench-one-${run}`;
        for (const call of commitsTo(one, heads, WARM_UP, 0)) await call();
        const baselineOne = `bench-baseline-one-${run}`;
        await baselineEntities([baselineOne]);
        for (const lane of bareUpdates([baselineOne], WARM_UP)) for (const call of lane) await call();
        const oneBaseline = await timedLanes(bareUpdates([baselineOne], ONE_DOCUMENT_COMMITS));
        const oneSync = await timedLanes([commitsTo(one, heads, ONE_DOCUMENT_COMMITS, WARM_UP)]);

        // (a) Many documents: each has its first commit (its workflow started) before the clock.
        const documents = Array.from({ length: DOCUMENTS }, (_, i) => `bench-many-${run}-${i}`);
        await timedLanes(byWriter(documents).map((lane) => lane.flatMap((id) => commitsTo(id, heads, 1, 0))));
        const baselineIds = documents.map((id) => `bench-baseline-${id}`);
        await baselineEntities(baselineIds);
        await timedLanes(byWriter(baselineIds).map((lane) => bareUpdates(lane, 1).flat()));
        const manyBaseline = await timedLanes(
          byWriter(baselineIds).map((lane) => bareUpdates(lane, COMMITS_PER_DOCUMENT).flat()),
        );
        const manySync = await timedLanes(
          byWriter(documents).map((lane) => lane.flatMap((id) => commitsTo(id, heads, COMMITS_PER_DOCUMENT, 1))),
        );

        // (c) Commit (POST through the gateway) to its event on the document's stream.
        const sse = await sseLatencies(url, settings, run);
        return { oneBaseline, oneSync, manyBaseline, manySync, sse };
      }),
    );

    const throughput = [
      { path: 'one document: bare Update (no-op entity)', ...measured.oneBaseline, cost: 1 },
      {
        path: 'one document: sync commit (plan)',
        ...measured.oneSync,
        cost: measured.oneBaseline.perSecond / measured.oneSync.perSecond,
      },
      { path: `${DOCUMENTS} documents: bare Update (no-op entity)`, ...measured.manyBaseline, cost: 1 },
      {
        path: `${DOCUMENTS} documents: sync commit (plan)`,
        ...measured.manySync,
        cost: measured.manyBaseline.perSecond / measured.manySync.perSecond,
      },
    ].map(({ latencies, ...row }) => ({ ...row, calls: latencies.length, ...stats(latencies) }));
    const answered = stats(measured.sse.afterAnswer);
    const sent = stats(measured.sse.afterSend);

    console.log(
      `\nsync: commits per second (one document: 1 writer, ${ONE_DOCUMENT_COMMITS} commits; ` +
        `${DOCUMENTS} documents: ${CONCURRENCY} writers, ${COMMITS_PER_DOCUMENT} commits each)`,
    );
    console.table(
      throughput.map((row) => ({
        path: row.path,
        calls: row.calls,
        'per second': row.perSecond.toFixed(1),
        'p50 ms': row.p50.toFixed(1),
        'p99 ms': row.p99.toFixed(1),
        'cost vs bare Update': `${row.cost.toFixed(1)}x`,
      })),
    );
    console.log('\nsync: diff of a plan and its edit (ms)');
    console.table(
      diffs.map((row) => ({
        size: `${row.size} (${row.bytes} B)`,
        path: row.path,
        runs: row.runs,
        'p50 ms': row.p50.toFixed(3),
        'p99 ms': row.p99.toFixed(3),
        'vs stringify': `${(row.p50 / diffs.find((other) => other.size === row.size)!.p50).toFixed(1)}x`,
      })),
    );
    console.log(`\nsync: commit -> server-sent event through the gateway (${SSE_COMMITS} commits)`);
    console.table([
      {
        path: 'commit answered (201) -> event received',
        'p50 ms': answered.p50.toFixed(0),
        'p99 ms': answered.p99.toFixed(0),
      },
      { path: 'commit sent -> event received', 'p50 ms': sent.p50.toFixed(0), 'p99 ms': sent.p99.toFixed(0) },
    ]);
    writeResults('sync', {
      oneDocumentCommits: ONE_DOCUMENT_COMMITS,
      documents: DOCUMENTS,
      commitsPerDocument: COMMITS_PER_DOCUMENT,
      concurrency: CONCURRENCY,
      store: store.db.kind,
      throughput: throughput.map(({ path: name, perSecond, calls, p50, p99, cost }) => ({
        path: name,
        calls,
        perSecond,
        p50,
        p99,
        costVsBareUpdate: cost,
      })),
      diffs,
      sse: {
        commits: SSE_COMMITS,
        answeredToEvent: answered,
        sentToEvent: sent,
        answeredToEventMs: measured.sse.afterAnswer,
        sentToEventMs: measured.sse.afterSend,
      },
    });
  } finally {
    await app.close();
    await env.teardown();
    await store.close();
    await scratch?.drop();
  }
}

/**
 * SSE_COMMITS commits POSTed to the gateway one after another, a random pause of up to 250 ms
 * between them (so commits land at every point of the stream's 200 ms poll, not in step with
 * it), each timed to its `sync.committed` event on an open /v1/sync/:documentId/events.
 */
async function sseLatencies(url: string, settings: ReturnType<typeof parseSettings>, run: string) {
  const documentId = `bench-sse-${run}`;
  const editorToken = await createToken(settings, { subject: 'bench-editor', roles: ['editor'] });
  const viewerToken = await createToken(settings, { subject: 'bench-viewer', roles: ['viewer'] });
  const post = async (n: number, parent: string | undefined): Promise<string> => {
    const response = await fetch(`${url}/v1/sync/${documentId}/commits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${editorToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        kind: 'plan',
        content: planVersion(n),
        message: `bench sse ${n}`,
        ...(parent && { parent }),
      }),
    });
    const body = (await response.json()) as { commitId?: string };
    if (response.status !== 201 || !body.commitId)
      throw new Error(`commit ${n}: ${response.status} ${JSON.stringify(body)}`);
    return body.commitId;
  };
  let head = await post(0, undefined);

  const abort = new AbortController();
  const response = await fetch(`${url}/v1/sync/${documentId}/events`, {
    headers: { authorization: `Bearer ${viewerToken}` },
    signal: abort.signal,
  });
  if (!response.ok) throw new Error(`events: ${response.status} ${await response.text()}`);
  const arrived = new Map<string, bigint>();
  let wake: (() => void) | undefined;
  const reading = (async () => {
    for await (const message of readServerSentEvents(response.body!)) {
      if (message.event !== 'sync.committed' || message.data === undefined) continue;
      const commitId = (JSON.parse(message.data) as { data: { commitId?: string } }).data.commitId;
      if (commitId) arrived.set(commitId, process.hrtime.bigint());
      wake?.();
    }
  })().catch((err: unknown) => {
    if (!abort.signal.aborted) throw err;
  });
  const eventOf = async (commitId: string): Promise<bigint> => {
    const deadline = Date.now() + 30_000;
    while (!arrived.has(commitId)) {
      if (Date.now() > deadline) throw new Error(`no event for commit ${commitId} within 30 s`);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 100);
      });
    }
    return arrived.get(commitId)!;
  };

  const afterAnswer: number[] = [];
  const afterSend: number[] = [];
  try {
    for (let n = 1; n <= SSE_COMMITS; n++) {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 250));
      const sentAt = process.hrtime.bigint();
      head = await post(n, head);
      const answeredAt = process.hrtime.bigint();
      const eventAt = await eventOf(head);
      // The audit entry is written before the Update answers: an event may beat the 201 (0 then).
      afterAnswer.push(Math.max(0, Number(eventAt - answeredAt) / 1e6));
      afterSend.push(Number(eventAt - sentAt) / 1e6);
    }
  } finally {
    abort.abort();
    await reading;
  }
  return { afterAnswer, afterSend };
}
