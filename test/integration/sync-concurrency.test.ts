import { syncBudget } from '../fixtures/sync-documents';
import { useDevServerWorld } from '../support/dev-server-world';
import { call, tokenFor } from '../support/gateway';

/**
 * Many writers, one document, on the dev server through the gateway: 20 clients each commit a
 * few changes to one budget, each based on a random commit of the history it has seen (a stale
 * parent, mostly). Every client owns one line; some changes also touch a line they all share.
 * Afterwards:
 * - the history is one first-parent chain, merges have the head they merged onto first and an
 *   older commit of the chain second (linear or merged, never forked);
 * - every accepted change is exactly one commit in it, and every refused one is a conflict on
 *   the shared line only (no change that touched only its own line is refused);
 * - no update is lost: each line holds its owner's last accepted amount, and the shared line
 *   the value of the newest accepted change that touched it.
 */
const world = useDevServerWorld('sync-concurrency');
const CLIENTS = 20;
const ROUNDS = 3;
const SHARED = `L${CLIENTS + 1}`;
const doc = 'budget-many-writers';

interface Change {
  client: number;
  round: number;
  amountCents: number;
  shared?: string;
  answer: { status: number; json: Record<string, unknown> };
}

let token: string;
let viewer: string;
beforeAll(async () => {
  [token, viewer] = await Promise.all([tokenFor('writer', 'editor'), tokenFor('reader', 'viewer')]);
});

const api = (path: string) => `${world.url}/v1/sync/${doc}${path}`;

/** The whole history, newest first, page by page. */
async function history(): Promise<{ commitId: string; parents: string[]; message: string }[]> {
  const all: { commitId: string; parents: string[]; message: string }[] = [];
  let before: string | undefined;
  for (;;) {
    const page = await call(api(`/log?limit=200${before ? `&before=${before}` : ''}`), { token: viewer });
    expect(page.status).toBe(200);
    all.push(...(page.json.commits as typeof all));
    before = page.json.next as string | undefined;
    if (!before) return all;
  }
}

async function contentAt(
  commitId: string,
): Promise<{ lines: { id: string; amountCents: number; description: string }[] }> {
  const shown = await call(api(`/commits/${commitId}`), { token: viewer });
  expect(shown.status).toBe(200);
  return shown.json.content as never;
}

/**
 * One client: each round reads the history, bases its edit on a random commit at or after its
 * own last accepted one (an edit based before it would conflict with itself), sets its line's
 * amount and, every other change or so, the shared line's description.
 */
async function client(index: number, changes: Change[], random: () => number): Promise<void> {
  let floor: string | undefined;
  for (let round = 0; round < ROUNDS; round++) {
    const seen = await history();
    const usable = floor ? seen.slice(0, seen.findIndex((entry) => entry.commitId === floor) + 1) : seen;
    const parent = usable[Math.floor(random() * usable.length)]!.commitId;
    const content = await contentAt(parent);
    const amountCents = index * 1000 + round + 1;
    content.lines.find((line) => line.id === `L${index}`)!.amountCents = amountCents;
    const shared = random() < 0.5 ? `set by ${index}/${round}` : undefined;
    if (shared) content.lines.find((line) => line.id === SHARED)!.description = shared;
    const answer = await call(api('/commits'), {
      token,
      body: { content, parent, message: `client ${index} round ${round}` },
    });
    changes.push({ client: index, round, amountCents, ...(shared ? { shared } : {}), answer });
    if (answer.status === 201) floor = answer.json.commitId as string;
  }
}

/** A small seeded generator (mulberry32), so a failure can be run again with the seed it printed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

it(`${CLIENTS} clients x ${ROUNDS} changes with random parents: linear-or-merged history, no lost update`, async () => {
  const budget = syncBudget(CLIENTS + 1);
  const first = await call(api('/commits'), { token, body: { content: budget, kind: 'budget', message: 'lines' } });
  expect(first.status).toBe(201);

  const seed = Number(process.env.SYNC_SEED ?? Date.now() % 100_000);
  const changes: Change[] = [];
  const results = await Promise.allSettled(
    Array.from({ length: CLIENTS }, (_, i) => client(i + 1, changes, seeded(seed + i))),
  );
  const failed = results.filter((result) => result.status === 'rejected');
  if (failed.length > 0)
    throw new Error(`seed ${seed}: ${failed.length} clients failed: ${(failed[0] as PromiseRejectedResult).reason}`);
  expect(changes).toHaveLength(CLIENTS * ROUNDS);

  // Every answer is a commit or a conflict on the shared line; a change of its own line only is never refused.
  const accepted = changes.filter((change) => change.answer.status === 201);
  const refused = changes.filter((change) => change.answer.status !== 201);
  for (const change of refused) {
    expect({ seed, status: change.answer.status, shared: !!change.shared }).toEqual({
      seed,
      status: 409,
      shared: true,
    });
    expect(change.answer.json.paths).toEqual([`lines[id=${SHARED}].description`]);
  }

  // The history: one first-parent chain from the first commit; a merge's second parent is older in it.
  const log = await history();
  const chain = [...log].reverse();
  expect(chain[0]!.commitId).toBe(first.json.commitId);
  const position = new Map(chain.map((entry, i) => [entry.commitId, i]));
  chain.forEach((entry, i) => {
    if (i === 0) return expect(entry.parents).toEqual([]);
    expect(entry.parents[0]).toBe(chain[i - 1]!.commitId);
    if (entry.parents.length === 2) expect(position.get(entry.parents[1]!)).toBeLessThan(i - 1);
    expect(entry.parents.length).toBeLessThanOrEqual(2);
  });

  // Every accepted change is exactly one commit of the chain, and nothing else is.
  expect(chain).toHaveLength(1 + accepted.length);
  const byCommit = new Map(accepted.map((change) => [change.answer.json.commitId as string, change]));
  expect(byCommit.size).toBe(accepted.length);
  for (const entry of chain.slice(1)) expect(byCommit.has(entry.commitId)).toBe(true);
  const merges = accepted.filter((change) => change.answer.json.merged === true);

  // No lost update: each line holds its owner's last accepted amount; the shared line the newest accepted value.
  const head = await contentAt(chain.at(-1)!.commitId);
  for (let index = 1; index <= CLIENTS; index++) {
    const mine = chain
      .map((entry) => byCommit.get(entry.commitId))
      .filter((change): change is Change => change?.client === index);
    // syncBudget's amounts are (i + 1) * 10_000 cents; a client whose every change was refused left its line so.
    const expected = mine.at(-1)?.amountCents ?? index * 10_000;
    const line = head.lines.find((candidate) => candidate.id === `L${index}`)!;
    expect({ seed, line: line.id, amount: line.amountCents }).toEqual({ seed, line: line.id, amount: expected });
  }
  const sharedChanges = chain.map((entry) => byCommit.get(entry.commitId)).filter((change) => change?.shared);
  const sharedLine = head.lines.find((line) => line.id === SHARED)!;
  expect(sharedLine.description).toBe(sharedChanges.at(-1)?.shared ?? `Line ${CLIENTS + 1}`);

  console.info(
    `sync-concurrency seed ${seed}: ${changes.length} changes, ${accepted.length} committed (${merges.length} merges), ` +
      `${refused.length} refused as conflicts`,
  );
  // Random parents of a busy document are mostly stale: the merge path ran.
  expect(merges.length).toBeGreaterThan(0);
}, 600_000);
