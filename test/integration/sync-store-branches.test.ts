import { createHash, randomUUID } from 'node:crypto';
import { openStore, type Store } from '../../db/store';
import { SyncStore, SyncStoreError } from '../../db/sync-store';
import type { JsonValue, SyncCommit } from '../../domain/sync/sync-types';
import { storeBackends, type StoreBackend } from '../support/store-backends';

// The sync store's branches (migration 018) on every backend: refs beside head moved by
// compare and set, reachability through the parents graph, a fast-forward that brings a
// branch's first-parent chain into head's history, a branch's log, deletion keeping commits.
describe.each(storeBackends('sync store branches'))('sync store branches on %s', (_name, createBackend) => {
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

  async function commitOn(documentId: string, parents: string[], content: JsonValue): Promise<SyncCommit> {
    const { contentHash } = await sync.stageContent(content);
    const { contentHash: metadataHash } = await sync.stageContent({});
    const commit: SyncCommit = {
      commitId: createHash('sha256').update(randomUUID()).digest('hex'),
      documentId,
      kind: 'json',
      parents,
      author: 'ana',
      message: 'edit',
      at: new Date().toISOString(),
      contentHash,
      metadataHash,
      patch: [],
      metadataPatch: [],
      stats: { added: 0, removed: 0, changed: 1 },
    };
    await sync.insertCommit(commit);
    return commit;
  }

  it('branch refs move by compare and set; head and its history stay; a fast-forward brings the chain in', async () => {
    const documentId = `doc-${randomUUID()}`;
    const base = await commitOn(documentId, [], { n: 0 });
    expect(await sync.moveHead(documentId, null, base.commitId)).toBe(true);

    const { branch, created } = await sync.createBranch(documentId, 'feature/x', base.commitId, 'ana');
    expect(created).toBe(true);
    expect(branch).toMatchObject({ name: 'feature/x', commitId: base.commitId, createdBy: 'ana' });
    expect((await sync.createBranch(documentId, 'feature/x', base.commitId, 'bo')).created).toBe(false);
    await expect(sync.createBranch(documentId, 'head', base.commitId, 'ana')).rejects.toBeInstanceOf(SyncStoreError);

    const b1 = await commitOn(documentId, [base.commitId], { n: 1 });
    const b2 = await commitOn(documentId, [b1.commitId], { n: 2 });
    // Compare and set: from the wrong tip nothing moves; from the right one it does, once (a retry is true).
    expect(await sync.moveBranch(documentId, 'feature/x', base.commitId, b1.commitId)).toBe(true);
    expect(await sync.moveBranch(documentId, 'feature/x', base.commitId, b1.commitId)).toBe(true);
    const stray = await commitOn(documentId, [base.commitId], { n: 9 });
    expect(await sync.moveBranch(documentId, 'feature/x', base.commitId, stray.commitId)).toBe(false);
    await expect(sync.moveBranch(documentId, 'feature/x', base.commitId, b2.commitId)).rejects.toThrow(/first parent/);
    expect(await sync.moveBranch(documentId, 'feature/x', b1.commitId, b2.commitId)).toBe(true);
    expect(await sync.ref(documentId, 'feature/x')).toBe(b2.commitId);
    expect(await sync.head(documentId)).toBe(base.commitId);
    expect(await sync.isAncestor(documentId, b1.commitId)).toBe(false);
    expect(await sync.reaches(documentId, b2.commitId, base.commitId)).toBe(true);
    expect(await sync.reaches(documentId, b2.commitId, stray.commitId)).toBe(false);
    expect(await sync.reachedByAnyRef(documentId, b1.commitId)).toBe(true);
    expect(await sync.reachedByAnyRef(documentId, stray.commitId)).toBe(false);
    expect((await sync.branchLog(documentId, 'feature/x'))!.entries.map((e) => e.commitId)).toEqual([
      b2.commitId,
      b1.commitId,
      base.commitId,
    ]);
    expect((await sync.branchLog(documentId, 'feature/x', { limit: 1 }))!.next).toBe(b2.commitId);
    expect((await sync.show(documentId, undefined, 'feature/x'))!.content).toEqual({ n: 2 });
    expect(await sync.show(documentId, b2.commitId)).toBeUndefined();

    // A fast-forward from a head that is not on the chain is refused; from the right one it moves and counts.
    await expect(sync.fastForward(documentId, stray.commitId, b2.commitId)).rejects.toBeInstanceOf(SyncStoreError);
    expect(await sync.fastForward(documentId, base.commitId, b2.commitId)).toEqual({ moved: true, brought: 2 });
    expect(await sync.head(documentId)).toBe(b2.commitId);
    expect((await sync.log(documentId)).entries.map((e) => e.commitId)).toEqual([
      b2.commitId,
      b1.commitId,
      base.commitId,
    ]);

    // Deleting a branch removes the ref, never a commit; head cannot be deleted.
    expect(await sync.deleteBranch(documentId, 'feature/x')).toMatchObject({ commitId: b2.commitId });
    expect(await sync.deleteBranch(documentId, 'feature/x')).toBeUndefined();
    await expect(sync.deleteBranch(documentId, 'head')).rejects.toBeInstanceOf(SyncStoreError);
    expect(await sync.branches(documentId)).toEqual([]);
    expect(await sync.commit(documentId, b1.commitId)).toBeDefined();
  });
});
