import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { HookRequestBody } from '../../domain/sync/sync-types';
import { writeServiceFile } from '../../platform/service-file';
import { syncBudget } from '../fixtures/sync-documents';
import { runArxflowInProcess } from '../support/cli-in-process';
import { spawnArxflow } from '../support/cli-process';
import { useDevServerWorld } from '../support/dev-server-world';
import { TEST_SETTINGS, tokenFor } from '../support/gateway';

/**
 * `arxflow sync ...` as scripts rely on it (issue #15's contract): the --json shapes of commit,
 * show, log, diff and revert, the readable diff, and the exit codes: 0 done, 1 a conflict (the
 * message names the current head) or a denial (the reasons), 2 bad input with nothing written.
 * Through the running service the CLI finds in its data dir (it mints a token per caller, so
 * ARXFLOW_ACTOR and --as say who commits), through ARXFLOW_URL with a token, and, for bad
 * input, on Temporal directly.
 */
const world = useDevServerWorld('sync-cli');
const dir = mkdtempSync(path.join(tmpdir(), 'arxflow-sync-cli-'));
const serviceDir = path.join(dir, 'service');
const directDir = path.join(dir, 'direct');

/** A validation hook that denies a change whose message says "deny". */
let hookServer: Server;
let hookUrl: string;

beforeAll(async () => {
  mkdirSync(serviceDir, { recursive: true });
  writeServiceFile(serviceDir, {
    pid: process.pid,
    gatewayUrl: world.url,
    temporalAddress: world.env.connection?.options.address ?? 'dev-server',
    namespace: world.env.namespace ?? 'default',
    startedAt: new Date().toISOString(),
  });
  hookServer = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = JSON.parse(Buffer.concat(chunks).toString()) as HookRequestBody;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          /deny/.test(request.message)
            ? { allow: false, reasons: ['cost control: over the approved total'] }
            : { allow: true },
        ),
      );
    });
  });
  await new Promise<void>((resolve) => hookServer.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  if (hookServer) {
    hookServer.closeAllConnections();
    await new Promise((resolve) => hookServer.close(resolve));
  }
  rmSync(dir, { recursive: true, force: true });
});

/** The environment of a shell where only the data dir (and the gateway's signing secret) are set. */
const shell = (dataDir: string, extra: Record<string, string | undefined> = {}) => ({
  ARXFLOW_DATA_DIR: dataDir,
  ARXFLOW_JWT_SECRET: TEST_SETTINGS.auth.jwtSecret,
  ARXFLOW_URL: undefined,
  ARXFLOW_TOKEN: undefined,
  ARXFLOW_ACTOR: 'eddie',
  TEMPORAL_ADDRESS: undefined,
  DATABASE_URL: undefined,
  ...extra,
});
/** Through the service found in the data dir, as ARXFLOW_ACTOR (admin, as on Temporal directly). */
const cli = (args: string[], actor = 'eddie') =>
  runArxflowInProcess(['sync', ...args], shell(serviceDir, { ARXFLOW_ACTOR: actor }));
/** Through ARXFLOW_URL with a token. */
const withToken = (args: string[], token: string) =>
  runArxflowInProcess(['sync', ...args], shell(dir, { ARXFLOW_URL: world.url, ARXFLOW_TOKEN: token }));
/** On Temporal directly (a data dir without a service: its own store). */
const direct = (args: string[]) =>
  runArxflowInProcess(
    ['sync', ...args],
    shell(directDir, { TEMPORAL_ADDRESS: world.env.connection?.options.address, ARXFLOW_TASK_QUEUE: world.taskQueue }),
  );

async function json(args: string[], actor?: string) {
  const answer = await cli([...args, '--json'], actor);
  if (answer.status !== 0) throw new Error(`arxflow sync ${args.join(' ')} exited ${answer.status}: ${answer.stderr}`);
  return JSON.parse(answer.stdout);
}

let fileCount = 0;
function file(content: unknown, raw?: string): string {
  const name = path.join(dir, `doc-${++fileCount}.json`);
  writeFileSync(name, raw ?? JSON.stringify(content, null, 2));
  return name;
}

/** syncBudget with line `line` (0-based) at `amountCents`, and more such pairs. */
function budgetWith(line: number, amountCents: number, ...more: number[]) {
  const budget = syncBudget();
  const pairs = [line, amountCents, ...more];
  for (let i = 0; i < pairs.length; i += 2)
    (budget.lines[pairs[i]!] as { amountCents: number }).amountCents = pairs[i + 1]!;
  return budget;
}

describe('the contract: commit, log, show, diff, revert (--json shapes, exit 0)', () => {
  const doc = 'cli-budget';
  const ids: string[] = [];

  it('sync commit prints {commitId, parents, documentId, stats}', async () => {
    const first = await json(['commit', doc, file(syncBudget()), '-m', 'initial budget', '--kind', 'budget']);
    expect(first).toEqual({
      commitId: expect.stringMatching(/^[0-9a-f]{64}$/),
      parents: [],
      documentId: doc,
      stats: { added: expect.any(Number), removed: 0, changed: 0 },
      merged: false,
    });
    ids.push(first.commitId);
    const second = await json([
      'commit',
      doc,
      file(budgetWith(1, 25_000)),
      '-m',
      'line 2 up',
      '--parent',
      first.commitId,
    ]);
    expect(second).toMatchObject({
      parents: [first.commitId],
      documentId: doc,
      stats: { added: 0, removed: 0, changed: 1 },
    });
    ids.push(second.commitId);
  });

  it('--as names the author (the CLI mints the token for that caller)', async () => {
    const third = await json(
      ['commit', doc, file(budgetWith(1, 25_000, 2, 31_000)), '-m', 'line 3 up', '--parent', ids[1]!, '--as', 'erin'],
      'eddie',
    );
    ids.push(third.commitId);
    const shown = await json(['show', doc, third.commitId]);
    expect(shown.author).toBe('erin');
  });

  it('sync log prints {commits: [{commitId, parents, author, message, at}]} newest first', async () => {
    const log = await json(['log', doc]);
    expect(log.commits.map((c: { commitId: string }) => c.commitId)).toEqual([...ids].reverse());
    for (const entry of log.commits) {
      expect(entry).toEqual(
        expect.objectContaining({
          commitId: expect.any(String),
          parents: expect.any(Array),
          author: expect.any(String),
          message: expect.any(String),
          at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        }),
      );
    }
    expect(log.commits[2]).toMatchObject({ author: 'eddie', message: 'initial budget', parents: [] });
  });

  it('sync show prints {commitId, content, metadata, author, message, at}; the head without a commit', async () => {
    const head = await json(['show', doc]);
    expect(head).toEqual(
      expect.objectContaining({
        commitId: ids[2],
        content: budgetWith(1, 25_000, 2, 31_000),
        metadata: {},
        author: 'erin',
        message: 'line 3 up',
        at: expect.any(String),
      }),
    );
    const first = await json(['show', doc, ids[0]!]);
    expect(first.content).toEqual(syncBudget());
  });

  it('sync diff prints {patch: [RFC 6902]}; as text, readable path-level changes', async () => {
    const diff = await json(['diff', doc, ids[0]!, ids[1]!]);
    expect(diff.patch).toEqual([{ op: 'replace', path: '/lines/1/amountCents', value: 25_000 }]);
    const text = await cli(['diff', doc, ids[0]!, ids[2]!]);
    expect(text.status).toBe(0);
    expect(text.stdout.split('\n')).toEqual(
      expect.arrayContaining(['lines[id=L2].amountCents: 20000 -> 25000', 'lines[id=L3].amountCents: 30000 -> 31000']),
    );
  });

  it('sync revert prints the new commit like sync commit; its content is the old version', async () => {
    const reverted = await json(['revert', doc, ids[0]!]);
    expect(reverted).toEqual({
      commitId: expect.stringMatching(/^[0-9a-f]{64}$/),
      parents: [ids[2]],
      documentId: doc,
      stats: { added: 0, removed: 0, changed: 2 },
      merged: false,
    });
    expect((await json(['show', doc])).content).toEqual(syncBudget());
  });

  it('sync status and sync list show the document', async () => {
    const status = await json(['status', doc]);
    expect(status).toMatchObject({ documentId: doc, kind: 'budget', commits: 4 });
    const list = await json(['list']);
    expect(list).toEqual(expect.arrayContaining([expect.objectContaining({ documentId: doc, commits: 4 })]));
  });
});

describe('exit 1: a stale parent with overlapping edits, a hook denial, a missing role', () => {
  const doc = 'cli-contested';
  let base: string;
  beforeAll(async () => {
    base = (await json(['commit', doc, file(syncBudget()), '-m', 'v1', '--kind', 'budget'])).commitId;
  });

  it('a disjoint stale edit merges (exit 0); an overlapping one exits 1 naming conflict and the current head', async () => {
    const mine = await json(['commit', doc, file(budgetWith(0, 11_111)), '-m', 'L1', '--parent', base]);
    const theirs = await json(['commit', doc, file(budgetWith(2, 33_333)), '-m', 'L3', '--parent', base]);
    expect(theirs).toMatchObject({ merged: true, parents: [mine.commitId, base] });
    const stale = await cli(['commit', doc, file(budgetWith(0, 99_999)), '-m', 'L1 again', '--parent', base, '--json']);
    expect(stale.status).toBe(1);
    expect(stale.stdout).toBe('');
    expect(stale.stderr).toContain('conflict');
    expect(stale.stderr).toContain(theirs.commitId);
    expect(stale.stderr).toContain('lines[id=L1].amountCents');
  });

  it('a hook that denies: exit 1 with its reasons; hooks list never shows the secret', async () => {
    const added = await cli([
      'hooks',
      'add',
      'cost-control',
      hookUrl,
      '--secret',
      'cost-control-secret-0123',
      '--documents',
      'cli-*',
    ]);
    expect(added.status).toBe(0);
    try {
      const list = await json(['hooks', 'list']);
      expect(list).toEqual([expect.objectContaining({ hookId: 'cost-control', url: hookUrl, createdBy: 'eddie' })]);
      expect(JSON.stringify(list)).not.toContain('cost-control-secret-0123');
      const head = (await json(['status', doc])).head;
      const denied = await cli(['commit', doc, file(budgetWith(1, 1)), '-m', 'please deny', '--parent', head]);
      expect(denied.status).toBe(1);
      expect(denied.stderr).toContain('cost control: over the approved total');
      expect((await json(['status', doc])).head).toBe(head);
    } finally {
      expect((await cli(['hooks', 'remove', 'cost-control'])).status).toBe(0);
    }
    expect(await json(['hooks', 'list'])).toEqual([]);
  });

  it('through ARXFLOW_URL: a viewer may not commit (exit 1), --as is bad input (exit 2)', async () => {
    const viewer = await tokenFor('vera', 'viewer');
    const refused = await withToken(['commit', doc, file(syncBudget()), '-m', 'm', '--parent', base], viewer);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/editor/);
    const editor = await tokenFor('eddie', 'editor', 'viewer');
    const as = await withToken(['commit', doc, file(syncBudget()), '-m', 'm', '--as', 'erin'], editor);
    expect(as.status).toBe(2);
    expect((await withToken(['log', doc, '--json'], viewer)).status).toBe(0);
  });
});

describe('exit 2: bad input names the field and writes nothing', () => {
  const doc = 'cli-bad-input';
  async function expectNothingFor(documentId: string) {
    const log = await cli(['log', documentId]);
    expect(log.status).toBe(1);
    expect(log.stderr).toMatch(/no document/);
  }
  /** Rows of the service's store: content staged, commits. */
  const rows = async () =>
    Promise.all(
      ['sync_contents', 'sync_commits'].map(async (table) => {
        const [row] = await world.store.db.query<{ n: string | number }>(`SELECT count(*) AS n FROM ${table}`);
        return Number(row!.n);
      }),
    );

  it.each([
    ['a file that is not JSON', () => ['commit', doc, file(undefined, '{"lines": ['), '-m', 'm'], /not valid JSON/],
    ['a missing file', () => ['commit', doc, path.join(dir, 'missing.json'), '-m', 'm'], /missing\.json/],
    ['an unknown kind', () => ['commit', doc, file({}), '-m', 'm', '--kind', 'blueprint'], /--kind/],
    ['a parent that is not a commit id', () => ['commit', doc, file({}), '-m', 'm', '--parent', 'HEAD~1'], /--parent/],
    [
      'content failing the kind schema',
      () => ['commit', doc, file(budgetWith(1, -5)), '-m', 'm', '--kind', 'budget'],
      /content\.lines\.1\.amountCents/,
    ],
    ['a parent not in the history', () => ['commit', doc, file({}), '-m', 'm', '--parent', 'a'.repeat(64)], /parent/],
    [
      'content over the size limit',
      () => ['commit', doc, file({ blob: 'x'.repeat(5 * 1024 * 1024 + 1) }), '-m', 'm'],
      /content: .*over the limit/,
    ],
  ])('%s (through the service)', async (_what, args, message) => {
    const before = await rows();
    const answer = await cli([...args(), '--json']);
    expect(await rows()).toEqual(before);
    expect(answer.status).toBe(2);
    expect(answer.stderr).toMatch(message);
    expect(answer.stdout).toBe('');
    await expectNothingFor(doc);
  });

  it('on Temporal directly too: a file that is not JSON, an unknown kind, a schema failure', async () => {
    for (const [args, message] of [
      [['commit', doc, file(undefined, 'nope'), '-m', 'm'], /not valid JSON/],
      [['commit', doc, file({}), '-m', 'm', '--kind', 'blueprint'], /--kind/],
      [['commit', doc, file(budgetWith(0, -1)), '-m', 'm', '--kind', 'budget'], /content\.lines\.0\.amountCents/],
    ] as const) {
      const answer = await direct([...args]);
      expect({ status: answer.status, stderr: answer.stderr }).toEqual({
        status: 2,
        stderr: expect.stringMatching(message),
      });
    }
    await expectNothingFor(doc);
  });
});

describe('sync watch, as a real child process', () => {
  it("prints the document's commits from the live stream (from the start of the audit chain with --after 0)", async () => {
    const doc = 'cli-watched';
    const first = await json(['commit', doc, file({ hello: 'world' }), '-m', 'hi']);
    const watch = spawnArxflow(['sync', 'watch', doc, '--after', '0', '--count', '2', '--json'], shell(serviceDir));
    const second = await json(['commit', doc, file({ hello: 'again' }), '-m', 'again', '--parent', first.commitId]);
    const answer = await watch.done;
    expect(answer.status).toBe(0);
    const events = answer.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { topic: string; action: string; data: { commitId: string } });
    expect(events.map((event) => [event.topic, event.action, event.data.commitId])).toEqual([
      [`sync/${doc}`, 'sync.committed', first.commitId],
      [`sync/${doc}`, 'sync.committed', second.commitId],
    ]);
  });
});
