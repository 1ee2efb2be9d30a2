import { createHash, randomUUID } from 'node:crypto';
import { openStore, type Store } from '../../db/store';
import { SyncStore, SyncStoreError } from '../../db/sync-store';
import type { JsonValue, SyncCommit } from '../../domain/sync/sync-types';
import { verifySignature } from '../../platform/webhook-signatures';
import { storeBackends, type StoreBackend } from '../support/store-backends';

// The sync store's contract on every backend (PGlite always, PostgreSQL when DATABASE_URL is set).
describe.each(storeBackends('sync store'))('sync store on %s', (_name, createBackend) => {
  let backend: StoreBackend;
  let store: Store;
  let sync: SyncStore;

  beforeAll(async () => {
    backend = await createBackend();
    store = await openStore(backend.location);
    sync = new SyncStore(store.db);
  });
  afterAll(async () => {
    await store?.close();
    await backend?.cleanup();
  });

  /** A commit row on `parents` with staged content (ids are arbitrary here: the store does not compute them). */
  async function commitOn(
    documentId: string,
    parents: string[],
    content: JsonValue,
    message = 'edit',
  ): Promise<SyncCommit> {
    const { contentHash } = await sync.stageContent(content);
    const { contentHash: metadataHash } = await sync.stageContent({});
    return {
      commitId: createHash('sha256').update(randomUUID()).digest('hex'),
      documentId,
      kind: 'json',
      parents,
      author: 'ana',
      message,
      at: new Date().toISOString(),
      contentHash,
      metadataHash,
      patch: [{ op: 'replace', path: '', value: content }],
      metadataPatch: [],
      stats: { added: 0, removed: 0, changed: 1 },
    };
  }

  /** Commits `count` changes in a line and returns them oldest first. */
  async function line(documentId: string, count: number): Promise<SyncCommit[]> {
    const commits: SyncCommit[] = [];
    for (let i = 0; i < count; i++) {
      const previous = commits[commits.length - 1];
      const commit = await commitOn(documentId, previous ? [previous.commitId] : [], { n: i }, `change ${i}`);
      await sync.insertCommit(commit);
      expect(await sync.moveHead(documentId, previous?.commitId ?? null, commit.commitId)).toBe(true);
      commits.push(commit);
    }
    return commits;
  }

  it('stages content once per canonical hash, whatever the key order', async () => {
    const a = await sync.stageContent({ b: [1, { y: 2, x: 1 }], a: 'é' });
    const b = await sync.stageContent({ a: 'é', b: [1, { x: 1, y: 2 }] });
    expect(b).toEqual(a);
    const canonical = '{"a":"é","b":[1,{"x":1,"y":2}]}';
    expect(a).toEqual({
      contentHash: createHash('sha256').update(canonical).digest('hex'),
      bytes: Buffer.byteLength(canonical),
    });
    const rows = await store.db.query('SELECT 1 FROM sync_contents WHERE hash = $1', [a.contentHash]);
    expect(rows).toHaveLength(1);
    expect(await sync.content(a.contentHash)).toEqual({ content: { a: 'é', b: [1, { x: 1, y: 2 }] }, bytes: a.bytes });
    expect(await sync.content('0'.repeat(64))).toBeUndefined();
    // jsonb would refuse this; the canonical text keeps it.
    const nul = await sync.stageContent({ s: 'a\u0000b' });
    expect((await sync.content(nul.contentHash))?.content).toEqual({ s: 'a\u0000b' });
  });

  it('inserts a commit once: a retry returns the stored row and inserts nothing', async () => {
    const documentId = `doc-${randomUUID()}`;
    const commit = { ...(await commitOn(documentId, [], { a: 1 })), revertOf: 'f'.repeat(64) };
    const first = await sync.insertCommit(commit);
    const retry = await sync.insertCommit({ ...commit, message: 'a retry that differs is still the first row' });
    expect(first).toEqual({ commit, inserted: true });
    expect(retry).toEqual({ commit, inserted: false });
    const rows = await store.db.query('SELECT 1 FROM sync_commits WHERE commit_id = $1', [commit.commitId]);
    expect(rows).toHaveLength(1);
    // Not in the history until head moves onto it.
    expect(await sync.isAncestor(documentId, commit.commitId)).toBe(false);
    expect(await sync.commit(documentId, commit.commitId)).toEqual(commit);
    expect(await sync.commit('another-document', commit.commitId)).toBeUndefined();
  });

  it('refuses a commit whose content is not staged, or whose id another document holds', async () => {
    const documentId = `doc-${randomUUID()}`;
    const commit = await commitOn(documentId, [], { a: 1 });
    await expect(sync.insertCommit({ ...commit, contentHash: 'a'.repeat(64) })).rejects.toThrow(
      /its content a{64} is not staged/,
    );
    await sync.insertCommit(commit);
    await expect(sync.insertCommit({ ...commit, documentId: 'other' })).rejects.toThrow(SyncStoreError);
  });

  it('moves head by compare and set: the first writer wins, a retry of the winner is true, the loser is false', async () => {
    const documentId = `doc-${randomUUID()}`;
    const [root] = await line(documentId, 1);
    const ours = await commitOn(documentId, [root!.commitId], { who: 'ours' });
    const theirs = await commitOn(documentId, [root!.commitId], { who: 'theirs' });
    await sync.insertCommit(ours);
    await sync.insertCommit(theirs);
    const [a, b] = await Promise.all([
      sync.moveHead(documentId, root!.commitId, ours.commitId),
      sync.moveHead(documentId, root!.commitId, theirs.commitId),
    ]);
    expect([a, b].sort()).toEqual([false, true]);
    const winner = a ? ours : theirs;
    const loser = a ? theirs : ours;
    expect(await sync.head(documentId)).toBe(winner.commitId);
    expect(await sync.moveHead(documentId, root!.commitId, winner.commitId)).toBe(true);
    expect(await sync.moveHead(documentId, root!.commitId, loser.commitId)).toBe(false);
    expect(await sync.isAncestor(documentId, winner.commitId)).toBe(true);
    expect(await sync.isAncestor(documentId, loser.commitId)).toBe(false);
    expect((await sync.log(documentId)).entries.map((e) => e.commitId)).toEqual([winner.commitId, root!.commitId]);
  });

  it('keeps commits and contents immutable: a commit only joins the history, nothing is edited, deleted or truncated', async () => {
    const documentId = `doc-${randomUUID()}`;
    const [root] = await line(documentId, 1);
    const id = root!.commitId;
    const refused = /immutable/;
    await expect(
      store.db.query("UPDATE sync_commits SET message = 'rewritten' WHERE commit_id = $1", [id]),
    ).rejects.toThrow(refused);
    await expect(
      store.db.query('UPDATE sync_commits SET in_history = false WHERE commit_id = $1', [id]),
    ).rejects.toThrow(refused);
    await expect(store.db.query('DELETE FROM sync_commits WHERE commit_id = $1', [id])).rejects.toThrow(refused);
    await expect(store.db.query('TRUNCATE sync_commits CASCADE')).rejects.toThrow(refused);
    await expect(
      store.db.query("UPDATE sync_contents SET canonical = '{}' WHERE hash = $1", [root!.contentHash]),
    ).rejects.toThrow(refused);
    await expect(store.db.query('DELETE FROM sync_contents WHERE hash = $1', [root!.contentHash])).rejects.toThrow(
      refused,
    );
    expect(await sync.commit(documentId, id)).toEqual(root);
    expect((await sync.log(documentId)).entries.map((e) => e.commitId)).toEqual([id]);
  });

  it('a first commit races too: only one document root', async () => {
    const documentId = `doc-${randomUUID()}`;
    const one = await commitOn(documentId, [], { n: 1 });
    const two = await commitOn(documentId, [], { n: 2 });
    await sync.insertCommit(one);
    await sync.insertCommit(two);
    expect(await sync.head(documentId)).toBeUndefined();
    const moved = await Promise.all([
      sync.moveHead(documentId, null, one.commitId),
      sync.moveHead(documentId, null, two.commitId),
    ]);
    expect(moved.filter(Boolean)).toHaveLength(1);
    expect(await sync.moveHead(documentId, null, (moved[0] ? one : two).commitId)).toBe(true);
  });

  it('refuses a move onto a commit of another document, or whose first parent is not the expected head', async () => {
    const documentId = `doc-${randomUUID()}`;
    const [root, next] = await line(documentId, 2);
    const stale = await commitOn(documentId, [root!.commitId], { stale: true });
    await sync.insertCommit(stale);
    await expect(sync.moveHead(documentId, next!.commitId, stale.commitId)).rejects.toThrow(/first parent/);
    await expect(sync.moveHead('other-doc', root!.commitId, stale.commitId)).rejects.toThrow(
      /not a commit of document other-doc/,
    );
    expect(await sync.head(documentId)).toBe(next!.commitId);
  });

  it('knows what changed since an ancestor; a commit outside the history has no answer', async () => {
    const documentId = `doc-${randomUUID()}`;
    const commits = await line(documentId, 4);
    // A merge commit: onto the head, with an older commit as second parent.
    const merge = await commitOn(documentId, [commits[3]!.commitId, commits[1]!.commitId], { merged: true });
    await sync.insertCommit(merge);
    expect(await sync.moveHead(documentId, commits[3]!.commitId, merge.commitId)).toBe(true);
    const since = await sync.commitsSince(documentId, commits[1]!.commitId);
    expect(since?.map((c) => c.commitId)).toEqual([commits[2]!.commitId, commits[3]!.commitId, merge.commitId]);
    expect(await sync.commitsSince(documentId, merge.commitId)).toEqual([]);
    expect(await sync.commitsSince(documentId, 'e'.repeat(64))).toBeUndefined();
    expect(await sync.commitsSince(`doc-${randomUUID()}`, commits[0]!.commitId)).toBeUndefined();
    expect(await sync.isAncestor(documentId, commits[0]!.commitId)).toBe(true);
  });

  it('pages the log newest first with a cursor, and shows a commit with its content', async () => {
    const documentId = `doc-${randomUUID()}`;
    const commits = await line(documentId, 7);
    const newestFirst = commits.map((c) => c.commitId).reverse();
    const seen: string[] = [];
    let before: string | undefined;
    let pages = 0;
    do {
      const page = await sync.log(documentId, { limit: 3, ...(before ? { before } : {}) });
      seen.push(...page.entries.map((e) => e.commitId));
      before = page.next;
      pages++;
    } while (before);
    expect(seen).toEqual(newestFirst);
    expect(pages).toBe(3);
    const [latest] = (await sync.log(documentId, { limit: 1 })).entries;
    expect(latest).toEqual({
      commitId: commits[6]!.commitId,
      parents: [commits[5]!.commitId],
      author: 'ana',
      message: 'change 6',
      at: commits[6]!.at,
      stats: { added: 0, removed: 0, changed: 1 },
    });
    await expect(sync.log(documentId, { before: 'e'.repeat(64) })).rejects.toThrow(/before: e{64} is not a commit/);

    expect(await sync.show(documentId)).toEqual({
      commitId: commits[6]!.commitId,
      documentId,
      kind: 'json',
      parents: [commits[5]!.commitId],
      content: { n: 6 },
      metadata: {},
      author: 'ana',
      message: 'change 6',
      at: commits[6]!.at,
    });
    expect((await sync.show(documentId, commits[2]!.commitId))?.content).toEqual({ n: 2 });
    expect(await sync.show(documentId, 'e'.repeat(64))).toBeUndefined();
    expect(await sync.show(`doc-${randomUUID()}`)).toBeUndefined();

    const listed = (await sync.documents()).find((d) => d.documentId === documentId);
    expect(listed).toEqual({
      documentId,
      kind: 'json',
      head: commits[6]!.commitId,
      commits: 7,
      updatedAt: expect.any(String),
    });
  });

  it('keeps hooks in run order and never reads a secret back; the signer signs with it', async () => {
    const secret = `s3cret-${randomUUID()}`;
    const base = { url: 'http://127.0.0.1:9/hook', kinds: [], documents: '*', timeoutMs: 2000, createdBy: 'root' };
    const second = await sync.addHook({ ...base, hookId: `b-${randomUUID()}`, secret, order: 2 });
    const first = await sync.addHook({ ...base, hookId: `a-${randomUUID()}`, secret, order: 1, kinds: ['plan'] });
    expect(first.created).toBe(true);
    expect(await sync.addHook({ ...base, hookId: first.hook.hookId, secret: 'other', order: 9 })).toEqual({
      hook: first.hook,
      created: false,
    });
    expect(first.hook).toEqual({
      hookId: first.hook.hookId,
      url: base.url,
      kinds: ['plan'],
      documents: '*',
      timeoutMs: 2000,
      order: 1,
      createdBy: 'root',
      createdAt: expect.any(String),
    });
    const ours = [first.hook.hookId, second.hook.hookId];
    const listed = (await sync.hooks()).filter((h) => ours.includes(h.hookId));
    expect(listed.map((h) => h.hookId)).toEqual(ours);
    const signing = (await sync.signingHooks()).filter((h) => ours.includes(h.hookId));
    for (const read of [first, second, listed, await sync.hook(first.hook.hookId), signing]) {
      expect(JSON.stringify(read)).not.toContain(secret);
    }
    const body = Buffer.from('{"documentId":"d"}');
    const now = Math.floor(Date.now() / 1000);
    const header = signing[0]!.sign(body.toString(), now);
    const verify = (secrets: string[]) =>
      verifySignature('timestamped', { header, body, secrets, nowMs: now * 1000, toleranceMs: 300_000 }).result;
    expect(verify([secret])).toBe('valid');
    expect(verify(['wrong'])).toBe('invalid');

    expect(await sync.removeHook(first.hook.hookId)).toBe(true);
    expect(await sync.removeHook(first.hook.hookId)).toBe(false);
    expect(await sync.hook(first.hook.hookId)).toBeUndefined();
  });
});
