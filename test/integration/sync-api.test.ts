import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { documentSyncWorkflowId, type HookRequestBody } from '../../domain/sync/sync-types';
import { verifySignature } from '../../platform/webhook-signatures';
import { syncBudget } from '../fixtures/sync-documents';
import { useDevServerWorld } from '../support/dev-server-world';
import { call, tokenFor } from '../support/gateway';

/**
 * /v1/sync on the real gateway, worker (documentSync and its activities) and store: commits,
 * log, show, diff, revert, a stale writer's conflict (409) and merge, a real HTTP hook's denial
 * (422), bad input (400 naming the field, nothing written), and who may do what.
 */
const world = useDevServerWorld('sync-api');
const tokens = {} as Record<'editor' | 'erin' | 'viewer' | 'editorOnly' | 'admin' | 'nobody', string>;

/** A validation hook on a free port: denies a change whose message says "deny", allows the rest; keeps each request. */
const HOOK_SECRET = 'hook-secret-0123456789abcdef';
const hookRequests: { body: Buffer; signature: string | undefined }[] = [];
let hookServer: Server;
let hookUrl: string;

beforeAll(async () => {
  [tokens.editor, tokens.erin, tokens.viewer, tokens.editorOnly, tokens.admin, tokens.nobody] = await Promise.all([
    tokenFor('eddie', 'editor', 'viewer'),
    tokenFor('erin', 'editor', 'viewer'),
    tokenFor('vera', 'viewer'),
    tokenFor('otto', 'editor'),
    tokenFor('ada', 'admin'),
    tokenFor('nora'),
  ]);
  hookServer = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      hookRequests.push({ body, signature: req.headers['x-arxflow-signature'] as string | undefined });
      const request = JSON.parse(body.toString()) as HookRequestBody;
      const deny = /deny/i.test(request.message);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          deny ? { allow: false, reasons: [`budget office: ${request.author} may not do that`] } : { allow: true },
        ),
      );
    });
  });
  await new Promise<void>((resolve) => hookServer.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/check`;
});
afterAll(async () => {
  if (!hookServer) return;
  hookServer.closeAllConnections();
  await new Promise((resolve) => hookServer.close(resolve));
});

const url = (path: string) => `${world.url}/v1/sync${path}`;
const commit = (documentId: string, body: unknown, token = tokens.editor) =>
  call(url(`/${documentId}/commits`), { token, body });
const get = (path: string, token = tokens.viewer) => call(url(path), { token });

async function rows(table: 'sync_contents' | 'sync_commits'): Promise<number> {
  const [row] = await world.store.db.query<{ n: string | number }>(`SELECT count(*) AS n FROM ${table}`);
  return Number(row!.n);
}

async function expectNotStarted(documentId: string) {
  await expect(
    world.env.client.workflow.getHandle(documentSyncWorkflowId(documentId)).describe(),
  ).rejects.toBeInstanceOf(WorkflowNotFoundError);
}

const issuePaths = (json: Record<string, unknown>) => ((json.issues ?? []) as { path: string }[]).map((i) => i.path);

describe('bad input: 400 naming the field, nothing staged, committed or started', () => {
  const big = { blob: 'x'.repeat(5 * 1024 * 1024 + 10) };
  const badBudget = () => {
    const budget = syncBudget();
    (budget.lines[1] as { amountCents: number }).amountCents = -5;
    return budget;
  };
  it.each([
    ['no content', { message: 'm' }, 'body.content'],
    ['no message', { content: {} }, 'body.message'],
    ['an unknown kind', { content: {}, kind: 'blueprint', message: 'm' }, 'body.kind'],
    ['content over the size limit', { content: big, message: 'm' }, 'content'],
    [
      'content failing the kind schema (the path named)',
      { content: badBudget(), kind: 'budget', message: 'm' },
      'content.lines.1.amountCents',
    ],
    ['metadata over its limit', { content: {}, metadata: { note: 'x'.repeat(17 * 1024) }, message: 'm' }, 'metadata'],
    ['a parent that is not a commit id', { content: {}, parent: 'HEAD~1', message: 'm' }, 'body.parent'],
    ['a parent not in the history', { content: {}, parent: 'a'.repeat(64), message: 'm' }, 'parent'],
    ['an author (the caller is the author)', { content: {}, message: 'm', author: 'someone' }, 'body.author'],
  ])('%s', async (_what, body, field) => {
    const before = await Promise.all([rows('sync_contents'), rows('sync_commits')]);
    const answer = await commit('bad-input-doc', body);
    expect(answer.status).toBe(400);
    expect(answer.json.error).toBe('bad_input');
    expect(issuePaths(answer.json).some((path) => path === field || path.startsWith(`${field}.`))).toBe(true);
    expect(answer.json.message).toContain(field.replace(/^body\./, ''));
    expect(await Promise.all([rows('sync_contents'), rows('sync_commits')])).toEqual(before);
    await expectNotStarted('bad-input-doc');
  });

  it('a body that is not JSON is a 400, nothing started', async () => {
    const answer = await call(url('/bad-input-doc/commits'), { token: tokens.editor, body: '{"content": {' });
    expect(answer.status).toBe(400);
    await expectNotStarted('bad-input-doc');
  });

  it('a document id that could not be a workflow id or path segment is a 400 naming documentId', async () => {
    const answer = await commit(encodeURIComponent("plan 7'; DROP"), { content: {}, message: 'm' });
    expect(answer.status).toBe(400);
    expect(issuePaths(answer.json)).toContain('params.documentId');
  });
});

describe('roles: editor commits, viewer reads, admin manages hooks', () => {
  it('without a token: 401 before the body is looked at', async () => {
    expect((await call(url('/roles-doc/commits'), { body: { nonsense: true } })).status).toBe(401);
  });

  it('a viewer or a token without roles may not commit (403), nothing started', async () => {
    for (const token of [tokens.viewer, tokens.nobody]) {
      const answer = await commit('roles-doc', { content: { a: 1 }, message: 'm' }, token);
      expect(answer.status).toBe(403);
    }
    await expectNotStarted('roles-doc');
  });

  it('an editor without viewer may commit but not read; nobody without a role reads', async () => {
    const first = await commit('roles-doc', { content: { a: 1 }, message: 'first' }, tokens.editorOnly);
    expect(first.status).toBe(201);
    expect((await get('/roles-doc', tokens.editorOnly)).status).toBe(403);
    expect((await get('/roles-doc/log', tokens.nobody)).status).toBe(403);
    expect((await get('/roles-doc/log', tokens.viewer)).status).toBe(200);
  });

  it('an editor may not list, add or remove hooks (403)', async () => {
    expect((await get('/hooks', tokens.editor)).status).toBe(403);
    const add = await call(url('/hooks'), {
      token: tokens.editor,
      body: { hookId: 'nope', url: hookUrl, secret: HOOK_SECRET },
    });
    expect(add.status).toBe(403);
    expect((await call(url('/hooks/nope'), { method: 'DELETE', token: tokens.editor })).status).toBe(403);
  });
});

describe('a budget through its history: commit, log, show, diff, revert', () => {
  const doc = 'budget-tower-1';
  const ids: string[] = [];

  it('the first commit answers 201 {commitId, parents: [], documentId, stats}', async () => {
    const answer = await commit(doc, { content: syncBudget(), kind: 'budget', message: 'initial budget' });
    expect(answer.status).toBe(201);
    expect(answer.json).toEqual({
      commitId: expect.stringMatching(/^[0-9a-f]{64}$/),
      parents: [],
      documentId: doc,
      stats: expect.objectContaining({ added: expect.any(Number) }),
      merged: false,
    });
    ids.push(answer.json.commitId as string);
  });

  it("a second commit on the head; the kind is the document's when not given", async () => {
    const budget = syncBudget();
    (budget.lines[1] as { amountCents: number }).amountCents = 25_000;
    const answer = await commit(doc, {
      content: budget,
      parent: ids[0],
      message: 'line 2 up',
      metadata: { source: 'excel' },
    });
    expect(answer.status).toBe(201);
    expect(answer.json.parents).toEqual([ids[0]]);
    expect(answer.json.stats).toEqual({ added: 0, removed: 0, changed: 1 });
    ids.push(answer.json.commitId as string);
  });

  it('a commit changing the kind is a 400 naming kind', async () => {
    const answer = await commit(doc, { content: syncBudget(), kind: 'json', parent: ids[1], message: 'm' });
    expect(answer.status).toBe(400);
    expect(issuePaths(answer.json)).toContain('kind');
  });

  it('the same requestId again answers the first commit and adds none', async () => {
    const budget = syncBudget();
    (budget.lines[0] as { description: string }).description = 'Site works';
    const body = { content: budget, parent: ids[1], message: 'rename line 1', requestId: 'req-rename-1' };
    const first = await commit(doc, body);
    const again = await commit(doc, body);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.json.commitId).toBe(first.json.commitId);
    ids.push(first.json.commitId as string);
    const log = await get(`/${doc}/log`);
    expect((log.json.commits as unknown[]).length).toBe(3);
  });

  it('log: newest first, paged with before', async () => {
    const log = await get(`/${doc}/log?limit=2`);
    expect(log.status).toBe(200);
    const commits = log.json.commits as { commitId: string; parents: string[]; author: string; message: string }[];
    expect(commits.map((c) => c.commitId)).toEqual([ids[2], ids[1]]);
    expect(commits[0]).toMatchObject({ author: 'eddie', message: 'rename line 1', parents: [ids[1]] });
    expect(log.json.next).toBe(ids[1]);
    const rest = await get(`/${doc}/log?limit=2&before=${ids[1]}`);
    expect((rest.json.commits as { commitId: string }[]).map((c) => c.commitId)).toEqual([ids[0]]);
    expect(rest.json.next).toBeUndefined();
    const bad = await get(`/${doc}/log?before=${'b'.repeat(64)}`);
    expect(bad.status).toBe(400);
    expect(issuePaths(bad.json)).toContain('before');
  });

  it('show: a commit with its content and metadata; head without an id', async () => {
    const shown = await get(`/${doc}/commits/${ids[1]}`);
    expect(shown.status).toBe(200);
    expect(shown.json).toMatchObject({
      commitId: ids[1],
      author: 'eddie',
      message: 'line 2 up',
      metadata: { source: 'excel' },
    });
    expect((shown.json.content as { lines: { amountCents: number }[] }).lines[1]!.amountCents).toBe(25_000);
    const head = await get(`/${doc}/commits/head`);
    expect(head.json.commitId).toBe(ids[2]);
    expect((await get(`/${doc}/commits/${'c'.repeat(64)}`)).status).toBe(404);
    expect((await get('/no-such-doc/commits/head')).status).toBe(404);
  });

  it('diff: the RFC 6902 patch and the readable path-level change', async () => {
    const diff = await get(`/${doc}/diff?from=${ids[0]}&to=${ids[1]}`);
    expect(diff.status).toBe(200);
    expect(diff.json.patch).toEqual([{ op: 'replace', path: '/lines/1/amountCents', value: 25_000 }]);
    expect(diff.json.changes).toEqual(['lines[id=L2].amountCents: 20000 -> 25000']);
    expect((diff.json.metadataPatch as unknown[]).length).toBeGreaterThan(0);
  });

  it('the head view: head, count and recent commits', async () => {
    const view = await get(`/${doc}`);
    expect(view.status).toBe(200);
    expect(view.json).toMatchObject({ documentId: doc, kind: 'budget', head: ids[2], commits: 3, pending: 0 });
    expect((view.json.recent as { commitId: string }[])[0]!.commitId).toBe(ids[2]);
    expect((await get('/never-committed')).status).toBe(404);
  });

  it('revert restores an earlier version as a new commit; revert of the revert restores again', async () => {
    const revert = await call(url(`/${doc}/revert`), { token: tokens.editor, body: { commitId: ids[0] } });
    expect(revert.status).toBe(201);
    expect(revert.json.parents).toEqual([ids[2]]);
    const reverted = await get(`/${doc}/commits/head`);
    const original = await get(`/${doc}/commits/${ids[0]}`);
    expect(reverted.json.content).toEqual(original.json.content);
    expect(reverted.json.message).toMatch(/^Revert "initial budget"/);
    const back = await call(url(`/${doc}/revert`), {
      token: tokens.editor,
      body: { commitId: ids[2], message: 'undo the revert' },
    });
    expect(back.status).toBe(201);
    expect((await get(`/${doc}/commits/head`)).json.content).toEqual(
      (await get(`/${doc}/commits/${ids[2]}`)).json.content,
    );
    const unknown = await call(url(`/${doc}/revert`), { token: tokens.editor, body: { commitId: 'd'.repeat(64) } });
    expect(unknown.status).toBe(400);
    expect(issuePaths(unknown.json)).toContain('commitId');
    expect((await call(url(`/${doc}/revert`), { token: tokens.viewer, body: { commitId: ids[0] } })).status).toBe(403);
  });

  it('GET /v1/sync lists the document', async () => {
    const list = await get('');
    expect(list.status).toBe(200);
    expect(list.json.documents).toEqual(
      expect.arrayContaining([expect.objectContaining({ documentId: doc, kind: 'budget', commits: 5 })]),
    );
    const plans = await get('?kind=plan');
    expect((plans.json.documents as { documentId: string }[]).map((d) => d.documentId)).not.toContain(doc);
  });
});

describe('two editors on one plan: disjoint edits merge, overlapping ones conflict (409)', () => {
  const doc = 'plan-two-editors';
  let base: string;
  /** The walk-through's compliant office plan (examples/sync), so its first commit passes the compliance check. */
  const officePlan = () =>
    JSON.parse(readFileSync(path.join(__dirname, '../../examples/sync/office-plan.json'), 'utf8')) as Record<
      string,
      unknown
    >;
  /** The plan with one space a little smaller (fewer occupants: no new violation for the compliance check). */
  const smaller = (spaceId: string, by: number) => {
    const plan = officePlan();
    const space = (plan.spaces as { id: string; areaSqft: number }[]).find((s) => s.id === spaceId)!;
    space.areaSqft -= by;
    return plan;
  };

  beforeAll(async () => {
    const first = await commit(doc, { content: officePlan(), kind: 'plan', message: 'plan v1' });
    expect(first.status).toBe(201);
    base = first.json.commitId as string;
  });

  it('a stale parent whose edit touches other paths: 201 merged, two parents, both edits in head', async () => {
    const eddie = await commit(doc, { content: smaller('S101', 100), parent: base, message: 'S101 smaller' });
    expect(eddie.status).toBe(201);
    const erin = await commit(
      doc,
      { content: smaller('S201', 50), parent: base, message: 'S201 smaller' },
      tokens.erin,
    );
    expect(erin.status).toBe(201);
    expect(erin.json.merged).toBe(true);
    expect(erin.json.parents).toEqual([eddie.json.commitId, base]);
    const head = (await get(`/${doc}/commits/head`)).json.content as { spaces: { id: string; areaSqft: number }[] };
    expect(head.spaces.map((space) => [space.id, space.areaSqft])).toEqual([
      ['S101', 4400],
      ['S102', 600],
      ['S201', 4450],
      ['S202', 300],
    ]);
  });

  it('a stale parent whose edit touches the same path: 409 naming the head and the path; nothing committed', async () => {
    const head = (await get(`/${doc}`)).json.head as string;
    const answer = await commit(
      doc,
      { content: smaller('S101', 200), parent: base, message: 'S101 again' },
      tokens.erin,
    );
    expect(answer.status).toBe(409);
    expect(answer.json.error).toBe('conflict');
    expect(answer.json.head).toBe(head);
    expect(answer.json.paths).toEqual(['spaces[id=S101].areaSqft']);
    expect(answer.json.message).toContain('conflict');
    expect(answer.json.message).toContain(head);
    expect((await get(`/${doc}`)).json.head).toBe(head);
  });
});

describe('validation hooks: a real HTTP hook denies (422), secrets never come back', () => {
  const doc = 'hooked-budget';
  let head: string;

  beforeAll(async () => {
    const added = await call(url('/hooks'), {
      token: tokens.admin,
      body: { hookId: 'budget-office', url: hookUrl, secret: HOOK_SECRET, documents: 'hooked-*', timeoutMs: 5000 },
    });
    expect(added.status).toBe(201);
    expect(added.json).not.toHaveProperty('secret');
    const first = await commit(doc, { content: syncBudget(), kind: 'budget', message: 'initial' });
    expect(first.status).toBe(201);
    head = first.json.commitId as string;
  });

  it('lists hooks without their secret; a second add of the id is a 409', async () => {
    const list = await get('/hooks', tokens.admin);
    expect(list.status).toBe(200);
    expect(list.text).not.toContain(HOOK_SECRET);
    expect(list.json.hooks).toEqual([expect.objectContaining({ hookId: 'budget-office', createdBy: 'ada' })]);
    const again = await call(url('/hooks'), {
      token: tokens.admin,
      body: { hookId: 'budget-office', url: hookUrl, secret: HOOK_SECRET },
    });
    expect(again.status).toBe(409);
  });

  it("a denied change is 422 with the hook's reasons; head stays, the hook got a signed request", async () => {
    const budget = syncBudget();
    (budget.lines[2] as { amountCents: number }).amountCents = 1;
    const answer = await commit(doc, { content: budget, parent: head, message: 'please deny this' });
    expect(answer.status).toBe(422);
    expect(answer.json.error).toBe('denied');
    expect(answer.json.reasons).toEqual(['budget-office: budget office: eddie may not do that']);
    expect(answer.json.message).toContain('budget office: eddie may not do that');
    expect((await get(`/${doc}`)).json.head).toBe(head);
    const request = hookRequests.at(-1)!;
    const verified = verifySignature('timestamped', {
      header: request.signature,
      body: request.body,
      secrets: [HOOK_SECRET],
      nowMs: Date.now(),
      toleranceMs: 300_000,
    });
    expect(verified.result).toBe('valid');
    expect(JSON.parse(request.body.toString())).toMatchObject({ documentId: doc, kind: 'budget', parent: head });
  });

  it('an allowed change commits; after removing the hook it is no longer asked', async () => {
    const budget = syncBudget();
    (budget.lines[2] as { amountCents: number }).amountCents = 2;
    const allowed = await commit(doc, { content: budget, parent: head, message: 'fine' });
    expect(allowed.status).toBe(201);
    expect((await call(url('/hooks/budget-office'), { method: 'DELETE', token: tokens.admin })).status).toBe(204);
    expect((await call(url('/hooks/budget-office'), { method: 'DELETE', token: tokens.admin })).status).toBe(404);
    const asked = hookRequests.length;
    const after = await commit(doc, {
      content: syncBudget(),
      parent: allowed.json.commitId as string,
      message: 'deny me if you can',
    });
    expect(after.status).toBe(201);
    expect(hookRequests.length).toBe(asked);
  });
});
