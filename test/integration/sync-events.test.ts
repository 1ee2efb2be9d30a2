import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readServerSentEvents } from '../../cli/stream-follow';
import type { StreamEvent } from '../../domain/stream-topics';
import { syncBudget } from '../fixtures/sync-documents';
import { runArxflowInProcess } from '../support/cli-in-process';
import { useDevServerWorld } from '../support/dev-server-world';
import { call, TEST_SETTINGS, tokenFor } from '../support/gateway';

/**
 * Issue #15's SSE test with real commits: each change goes through the gateway, the document's
 * workflow and its activities on a dev server, and a subscriber of GET /v1/sync/:documentId/events
 * reads the audit chain the workflow wrote. (test/integration/stream.test.ts proves the stream
 * itself with events appended to the store directly.) Also: a parent outside the history of a
 * document that has commits (another document's commit, an unknown one) is bad input through
 * the API (400) and the CLI (exit 2), nothing written.
 */
const world = useDevServerWorld('sync-events');
const tokens = {} as Record<'editor' | 'viewer', string>;
const dir = mkdtempSync(path.join(tmpdir(), 'arxflow-sync-events-'));
beforeAll(async () => {
  [tokens.editor, tokens.viewer] = await Promise.all([
    tokenFor('eddie', 'editor', 'viewer'),
    tokenFor('vera', 'viewer'),
  ]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every subscription a test opened, closed after it (an open stream would hold the gateway's close). */
const open = new Set<() => void>();
afterEach(() => {
  for (const close of open) close();
});

interface Received {
  id: string;
  event: StreamEvent;
  /** Date.now() when the reader had it. */
  receivedAt: number;
}

/** A subscriber of a document's events, keeping each with the time it arrived. */
async function subscribe(documentId: string, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  const response = await fetch(`${world.url}/v1/sync/${documentId}/events`, {
    headers: { authorization: `Bearer ${tokens.viewer}`, ...headers },
    signal: abort.signal,
  });
  expect(response.status).toBe(200);
  const events: Received[] = [];
  let begun = false;
  let ended = false;
  void (async () => {
    try {
      for await (const message of readServerSentEvents(response.body!)) {
        if (message.data === undefined) begun = true;
        else events.push({ id: message.id!, event: JSON.parse(message.data) as StreamEvent, receivedAt: Date.now() });
      }
    } catch {
      // aborted by close()
    } finally {
      ended = true;
    }
  })();
  const close = () => {
    abort.abort();
    open.delete(close);
  };
  open.add(close);
  /** Polls (20 ms) until `ready()` or the bound passes; a loaded machine gets the bound, not a speed. */
  const until = async (ready: () => boolean, timeoutMs: number) => {
    for (const deadline = Date.now() + timeoutMs; !ready() && !ended && Date.now() < deadline;)
      await new Promise((resolve) => setTimeout(resolve, 20));
  };
  await until(() => begun, 15_000);
  expect(begun).toBe(true);
  return {
    events,
    close,
    /** The first `count` events, waiting up to `timeoutMs` for them. */
    async first(count: number, timeoutMs = 30_000): Promise<Received[]> {
      await until(() => events.length >= count, timeoutMs);
      return events.slice(0, count);
    },
  };
}

const api = (documentId: string, rest: string) => `${world.url}/v1/sync/${documentId}${rest}`;

/** syncBudget with line `line` (0-based) at `amountCents`. */
function budgetWith(line: number, amountCents: number) {
  const budget = syncBudget();
  (budget.lines[line] as { amountCents: number }).amountCents = amountCents;
  return budget;
}

async function commit(documentId: string, body: Record<string, unknown>) {
  const answer = await call(api(documentId, '/commits'), { token: tokens.editor, body });
  expect({ status: answer.status, json: answer.json }).toMatchObject({ status: 201 });
  return { commitId: answer.json.commitId as string, parents: answer.json.parents as string[], returnedAt: Date.now() };
}

/** The document's head commits, oldest first, from its log. */
async function historyOldestFirst(documentId: string): Promise<string[]> {
  const log = await call(api(documentId, '/log?limit=200'), { token: tokens.viewer });
  expect(log.status).toBe(200);
  return (log.json.commits as { commitId: string }[]).map((entry) => entry.commitId).reverse();
}

describe("a document's commits on its live stream (real workflow, gateway and store)", () => {
  it('a subscriber receives every commit in order, each soon after its writer was answered (median under 1 s)', async () => {
    const doc = 'events-budget';
    const stream = await subscribe(doc);
    const commits = [await commit(doc, { content: syncBudget(), kind: 'budget', message: 'v1' })];
    for (let i = 1; i <= 5; i++) {
      const answer = await commit(doc, {
        content: budgetWith(i % 3, 10_000 * (i + 10)),
        message: `v${i + 1}`,
        parent: commits.at(-1)!.commitId,
      });
      commits.push(answer);
      // Waits for this commit's event before the next change, so each latency is its own.
      await stream.first(commits.length);
    }
    const received = await stream.first(commits.length);
    expect(
      received.map(({ event }) => ({ action: event.action, topic: event.topic, commitId: event.data.commitId })),
    ).toEqual(commits.map(({ commitId }) => ({ action: 'sync.committed', topic: `sync/${doc}`, commitId })));
    expect(received.map(({ event }) => event.actor)).toEqual(commits.map(() => 'eddie'));
    expect(received.map(({ event }) => event.data.parents)).toEqual(commits.map(({ parents }) => parents));
    // Event ids increase (the order of the audit chain), and the order is the log's.
    const ids = received.map(({ id }) => Number(id));
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(await historyOldestFirst(doc)).toEqual(commits.map(({ commitId }) => commitId));
    // From the writer's answer to the subscriber (the event is written before the answer: <= 0 is fine).
    const latencies = received.map(({ receivedAt }, i) => receivedAt - commits[i]!.returnedAt).sort((a, b) => a - b);
    console.info(`commit answered -> SSE event, ms (sorted): ${latencies.join(', ')}`);
    expect(latencies[Math.floor(latencies.length / 2)]).toBeLessThan(1_000);
  });

  it('resumes after a disconnect with Last-Event-ID: a merge, a revert and plain commits, each once, no gap', async () => {
    const doc = 'events-resume';
    const first = await subscribe(doc);
    const base = await commit(doc, { content: syncBudget(), kind: 'budget', message: 'base' });
    const mine = await commit(doc, { content: budgetWith(0, 11_111), message: 'L1', parent: base.commitId });
    const [seenBase, seenMine] = await first.first(2);
    first.close();
    expect([seenBase?.event.data.commitId, seenMine?.event.data.commitId]).toEqual([base.commitId, mine.commitId]);

    // While nobody listens: a stale but disjoint edit (a merge commit), a revert, a plain commit.
    const merged = await commit(doc, { content: budgetWith(2, 33_333), message: 'L3', parent: base.commitId });
    expect(merged.parents).toEqual([mine.commitId, base.commitId]);
    const revert = await call(api(doc, '/revert'), { token: tokens.editor, body: { commitId: base.commitId } });
    expect(revert.status).toBe(201);
    const reverted = revert.json.commitId as string;
    const after = await commit(doc, { content: budgetWith(1, 22_222), message: 'L2', parent: reverted });

    const resumed = await subscribe(doc, { 'last-event-id': seenMine!.id });
    const rest = await resumed.first(3);
    expect(rest.map(({ event }) => event.data.commitId)).toEqual([merged.commitId, reverted, after.commitId]);
    expect(rest[0]!.event.data).toMatchObject({ merged: true, parents: [mine.commitId, base.commitId] });
    expect(rest[1]!.event.data).toMatchObject({ revertOf: base.commitId });
    expect(Number(rest[0]!.id)).toBeGreaterThan(Number(seenMine!.id));
    // Nothing more, nothing twice: a commit after the resume is the next event.
    const live = await commit(doc, { content: budgetWith(0, 44_444), message: 'L1 again', parent: after.commitId });
    expect((await resumed.first(4)).map(({ event }) => event.data.commitId)).toEqual([
      merged.commitId,
      reverted,
      after.commitId,
      live.commitId,
    ]);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(resumed.events).toHaveLength(4);
    expect(await historyOldestFirst(doc)).toEqual(
      [base, mine, merged].map((c) => c.commitId).concat(reverted, after.commitId, live.commitId),
    );
  });
});

describe('a parent outside the history of a document that has commits: bad input, nothing written', () => {
  const doc = 'events-parents';
  let head: string;
  let foreign: string;
  beforeAll(async () => {
    head = (await commit(doc, { content: syncBudget(), kind: 'budget', message: 'v1' })).commitId;
    foreign = (await commit('events-other', { content: { other: true }, message: 'elsewhere' })).commitId;
  });

  const counts = async () =>
    Promise.all(
      ['sync_contents', 'sync_commits', 'audit_events'].map(async (table) => {
        const [row] = await world.store.db.query<{ n: string | number }>(`SELECT count(*) AS n FROM ${table}`);
        return Number(row!.n);
      }),
    );

  it.each([
    ["another document's commit", () => foreign],
    ['an unknown commit', () => 'e'.repeat(64)],
  ])('%s: 400 naming parent through the API, exit 2 through the CLI', async (_what, parent) => {
    const before = await counts();
    const answer = await call(api(doc, '/commits'), {
      token: tokens.editor,
      body: { content: budgetWith(1, 5), message: 'from elsewhere', parent: parent() },
    });
    expect(answer.status).toBe(400);
    expect((answer.json.issues as { path: string }[]).map((issue) => issue.path)).toContain('parent');
    expect(answer.json.message).toContain(parent());

    const file = path.join(dir, `${parent().slice(0, 8)}.json`);
    writeFileSync(file, JSON.stringify(budgetWith(1, 5)));
    const cli = await runArxflowInProcess(
      ['sync', 'commit', doc, file, '-m', 'from elsewhere', '--parent', parent(), '--json'],
      {
        ARXFLOW_DATA_DIR: dir,
        ARXFLOW_URL: world.url,
        ARXFLOW_TOKEN: tokens.editor,
        ARXFLOW_JWT_SECRET: TEST_SETTINGS.auth.jwtSecret,
        TEMPORAL_ADDRESS: undefined,
        DATABASE_URL: undefined,
      },
    );
    expect({ status: cli.status, stdout: cli.stdout }).toEqual({ status: 2, stdout: '' });
    expect(cli.stderr).toMatch(/parent/);
    expect(cli.stderr).toContain(parent());

    expect(await counts()).toEqual(before);
    expect((await call(api(doc, ''), { token: tokens.viewer })).json).toMatchObject({ head, commits: 1 });
  });
});
