import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runArxflowInProcess } from '../support/cli-in-process';
import { useDevServerWorld } from '../support/dev-server-world';
import { call, TEST_SETTINGS, tokenFor } from '../support/gateway';

/**
 * Named branches end to end on a dev server with the production worker: the gateway's routes
 * and `arxflow sync` through ARXFLOW_URL with a token. Create, commit onto a branch, read it,
 * merge (a merge commit, a fast-forward, a conflict), delete (admin only), bad names refused
 * with nothing written, and the audit chain (the live stream's source) holding each step.
 */
const world = useDevServerWorld('sync-branches');
const dir = mkdtempSync(path.join(tmpdir(), 'arxflow-sync-branches-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tokens = {} as Record<'editor' | 'admin' | 'viewer', string>;
beforeAll(async () => {
  tokens.editor = await tokenFor('ed', 'editor', 'viewer');
  tokens.admin = await tokenFor('ada', 'admin');
  tokens.viewer = await tokenFor('vic', 'viewer');
});

const DOC = 'budget-branches';
const docPath = `/v1/sync/${DOC}`;
const budget = (amounts: number[]) => ({
  budgetId: 'B-1',
  currency: 'USD',
  lines: amounts.map((amountCents, i) => ({ id: `L${i + 1}`, description: `Line ${i + 1}`, amountCents })),
});

const cli = (args: string[], token = tokens.editor) =>
  runArxflowInProcess(['sync', ...args], {
    ARXFLOW_DATA_DIR: dir,
    ARXFLOW_JWT_SECRET: TEST_SETTINGS.auth.jwtSecret,
    ARXFLOW_URL: world.url,
    ARXFLOW_TOKEN: token,
    TEMPORAL_ADDRESS: undefined,
    DATABASE_URL: undefined,
  });
async function cliJson(args: string[]) {
  const answer = await cli([...args, '--json']);
  if (answer.status !== 0) throw new Error(`arxflow sync ${args.join(' ')} exited ${answer.status}: ${answer.stderr}`);
  return JSON.parse(answer.stdout);
}
let files = 0;
function file(content: unknown): string {
  const name = path.join(dir, `doc-${++files}.json`);
  writeFileSync(name, JSON.stringify(content));
  return name;
}
async function commitOnHead(content: unknown, parent?: string): Promise<string> {
  const answer = await call(`${world.url}${docPath}/commits`, {
    token: tokens.editor,
    body: { content, kind: 'budget', message: 'on head', ...(parent ? { parent } : {}) },
  });
  expect(answer.status).toBe(201);
  return answer.json.commitId as string;
}
const branchNames = async () =>
  ((await call(`${world.url}${docPath}/branches`, { token: tokens.viewer })).json.branches as { name: string }[]).map(
    (branch) => branch.name,
  );

describe('sync branches through the gateway and the CLI', () => {
  it('create, commit onto, read, merge (merge commit, fast-forward, conflict), delete; bad names refused', async () => {
    const base = await commitOnHead(budget([100, 200, 300]));

    // Create (CLI), list (HTTP).
    const created = await cliJson(['branch', 'create', DOC, 'feature/lines']);
    expect(created).toMatchObject({ name: 'feature/lines', commitId: base, createdBy: 'ed' });
    expect(await branchNames()).toEqual(['feature/lines']);

    // Bad names: exit 2 / 400 naming the field, nothing written.
    const badCli = await cli(['branch', 'create', DOC, 'a..b']);
    expect(badCli.status).toBe(2);
    expect(badCli.stderr).toContain('name');
    const badHttp = await call(`${world.url}${docPath}/branches`, { token: tokens.editor, body: { name: 'HEAD' } });
    expect(badHttp.status).toBe(400);
    expect(JSON.stringify(badHttp.json)).toContain('name');
    const badCommit = await cli([
      'commit',
      DOC,
      file(budget([1, 2, 3])),
      '-m',
      'x',
      '--parent',
      base,
      '--branch',
      'x//y',
    ]);
    expect(badCommit.status).toBe(2);
    expect(badCommit.stderr).toContain('--branch');
    expect(await branchNames()).toEqual(['feature/lines']);
    const taken = await cli(['branch', 'create', DOC, 'feature/lines']);
    expect(taken.status).toBe(1);

    // Commit onto the branch (CLI): the contract's shape plus `branch`; head stays.
    const onBranch = await cliJson([
      'commit',
      DOC,
      file(budget([150, 200, 300])),
      '-m',
      'raise L1',
      '--parent',
      base,
      '--branch',
      'feature/lines',
    ]);
    expect(onBranch).toEqual({
      commitId: expect.stringMatching(/^[0-9a-f]{64}$/),
      parents: [base],
      documentId: DOC,
      stats: { added: 0, removed: 0, changed: 1 },
      merged: false,
      branch: 'feature/lines',
    });
    const b1 = onBranch.commitId as string;
    const headLog = await cliJson(['log', DOC]);
    expect(headLog.commits.map((commit: { commitId: string }) => commit.commitId)).toEqual([base]);
    const branchLog = await call(`${world.url}${docPath}/log?branch=${encodeURIComponent('feature/lines')}`, {
      token: tokens.viewer,
    });
    expect((branchLog.json.commits as { commitId: string }[]).map((commit) => commit.commitId)).toEqual([b1, base]);
    expect((await cliJson(['show', DOC, '--branch', 'feature/lines'])).content).toEqual(budget([150, 200, 300]));
    expect((await cliJson(['diff', DOC, base, b1, '--branch', 'feature/lines'])).patch).toEqual([
      { op: 'replace', path: '/lines/0/amountCents', value: 150 },
    ]);
    // A commit the branch has but head does not: shown only with the branch.
    expect((await call(`${world.url}${docPath}/commits/${b1}`, { token: tokens.viewer })).status).toBe(404);

    // Head moves on another line; the merge is a merge commit [head, tip] of both edits.
    const h1 = await commitOnHead(budget([100, 200, 350]), base);
    const merged = await cliJson(['merge', DOC, 'feature/lines', '-m', 'bring in L1']);
    expect(merged).toMatchObject({ parents: [h1, b1], documentId: DOC, merged: true });
    expect(merged.fastForward).toBeUndefined();
    expect((await cliJson(['show', DOC])).content).toEqual(budget([150, 200, 350]));

    // A branch at the new head, committed to, merged: a fast-forward (HTTP).
    await call(`${world.url}${docPath}/branches`, { token: tokens.editor, body: { name: 'ff' } });
    const ffTip = await cliJson([
      'commit',
      DOC,
      file(budget([150, 250, 350])),
      '-m',
      'L2',
      '--parent',
      merged.commitId,
      '--branch',
      'ff',
    ]);
    const ff = await call(`${world.url}${docPath}/merge`, {
      token: tokens.editor,
      body: { branch: 'ff', message: 'ff' },
    });
    expect(ff).toMatchObject({ status: 201, json: { commitId: ffTip.commitId, fastForward: true, merged: false } });
    const again = await call(`${world.url}${docPath}/merge`, {
      token: tokens.editor,
      body: { branch: 'ff', message: 'x' },
    });
    expect(again.status).toBe(400);
    expect(again.json.message).toContain('nothing to merge');

    // Overlapping edits: exit 1 with `conflict`, the head and the path; the 409 carries them as fields.
    await call(`${world.url}${docPath}/branches`, { token: tokens.editor, body: { name: 'clash' } });
    await cliJson([
      'commit',
      DOC,
      file(budget([1, 250, 350])),
      '-m',
      'L1 low',
      '--parent',
      ffTip.commitId,
      '--branch',
      'clash',
    ]);
    const h2 = await commitOnHead(budget([999, 250, 350]), ffTip.commitId);
    const conflict = await cli(['merge', DOC, 'clash', '-m', 'clash']);
    expect(conflict.status).toBe(1);
    expect(conflict.stderr).toContain('conflict');
    expect(conflict.stderr).toContain(h2);
    expect(conflict.stderr).toContain('lines[id=L1].amountCents');
    const conflictHttp = await call(`${world.url}${docPath}/merge`, {
      token: tokens.editor,
      body: { branch: 'clash', message: 'clash' },
    });
    expect(conflictHttp).toMatchObject({
      status: 409,
      json: { error: 'conflict', head: h2, paths: ['lines[id=L1].amountCents'] },
    });
    expect((await cliJson(['show', DOC])).commitId).toBe(h2);

    // Delete: an editor may not (exit 1 / 403), an admin may; the commits stay; the name is URL-encoded.
    const editorDelete = await cli(['branch', 'delete', DOC, 'feature/lines']);
    expect(editorDelete.status).toBe(1);
    const httpEditorDelete = await call(`${world.url}${docPath}/branches/${encodeURIComponent('feature/lines')}`, {
      method: 'DELETE',
      token: tokens.editor,
    });
    expect(httpEditorDelete.status).toBe(403);
    const deleted = await call(`${world.url}${docPath}/branches/${encodeURIComponent('feature/lines')}`, {
      method: 'DELETE',
      token: tokens.admin,
    });
    expect(deleted).toMatchObject({ status: 200, json: { name: 'feature/lines', commitId: b1 } });
    expect(await branchNames()).toEqual(['clash', 'ff']);
    const adminCli = await cli(['branch', 'delete', DOC, 'clash', '--json'], tokens.admin);
    expect(adminCli.status).toBe(0);
    expect(await branchNames()).toEqual(['ff']);
    // Merged through the merge commit's second parent: head reaches it (not in head's first-parent log).
    expect((await cliJson(['show', DOC, b1])).content).toEqual(budget([150, 200, 300]));
    // And it can be restored like any version head reaches: a new commit on head with its content.
    const restored = await cliJson(['revert', DOC, b1]);
    expect(restored.parents).toEqual([(await cliJson(['log', DOC])).commits[1].commitId]);
    expect((await cliJson(['show', DOC])).content).toEqual(budget([150, 200, 300]));

    // Every step is in the audit chain under the document (the live stream's topic sync/<documentId>).
    const actions = (await world.store.audit.list({ limit: 5000 }))
      .filter((event) => event.subject === DOC)
      .map((event) => event.action);
    expect(actions.filter((action) => action.startsWith('sync.branch.') || action === 'sync.merged')).toEqual([
      'sync.branch.created',
      'sync.merged',
      'sync.branch.created',
      'sync.merged',
      'sync.branch.created',
      'sync.branch.deleted',
      'sync.branch.deleted',
    ]);
  });

  it('the OpenAPI document lists the branch routes with their answers', async () => {
    const doc = (await call(`${world.url}/openapi.json`)).json as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(Object.keys(doc.paths['/v1/sync/{documentId}/branches']!.post!.responses)).toEqual(
      expect.arrayContaining(['201', '400', '409']),
    );
    expect(doc.paths['/v1/sync/{documentId}/branches']!.get).toBeDefined();
    expect(Object.keys(doc.paths['/v1/sync/{documentId}/branches/{name}']!.delete!.responses)).toEqual(
      expect.arrayContaining(['200', '404']),
    );
    expect(Object.keys(doc.paths['/v1/sync/{documentId}/merge']!.post!.responses)).toEqual(
      expect.arrayContaining(['201', '409', '422']),
    );
  });
});
