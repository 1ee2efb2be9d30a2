import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { SyncStore } from '../../db/sync-store';
import {
  documentSyncWorkflowId,
  type BranchOutcome,
  type CommitOutcome,
  type CommitRequest,
  type JsonValue,
} from '../../domain/sync/sync-types';
import { documentSync } from '../../workflows';
import {
  commitUpdate,
  createBranchUpdate,
  deleteBranchUpdate,
  mergeUpdate,
  syncStatusQuery,
} from '../../workflows/sync/sync-messages';
import { dataConverterOf } from '../../platform/codec/data-converter';
import { createTestWorker, testCodecs, uniqueTaskQueue, useTimeSkippingWorld } from '../support/temporal-env';

type Committed = Extract<CommitOutcome, { outcome: 'committed' }>;
type Handle = WorkflowHandle<typeof documentSync>;

const EDITOR = { actor: 'ed-eva', roles: ['editor'] };
const ADMIN = { actor: 'ada', roles: ['admin'] };

/**
 * Named branches of documentSync on the time-skipping server with the real activities and
 * store: a branch commit moves only its branch (compare and set on its tip, a stale parent
 * merged or in conflict as on head), a merge fast-forwards or makes a two-parent merge commit,
 * overlapping edits conflict, deleting a branch keeps its commits.
 */
describe('documentSync branches (time-skipping, real activities, PGlite)', () => {
  const world = useTimeSkippingWorld();
  const sync = () => new SyncStore(world.store.db);
  let requests = 0;

  async function run<T>(work: (start: (documentId: string) => Promise<Handle>) => Promise<T>) {
    const taskQueue = uniqueTaskQueue('sync-branches');
    const started: Handle[] = [];
    const worker = await createTestWorker(
      world.env,
      taskQueue,
      { store: world.store },
      dataConverterOf(testCodecs('trusted')),
    );
    try {
      return await worker.runUntil(
        work(async (documentId) => {
          const handle = await world.env.client.workflow.start(documentSync, {
            taskQueue,
            workflowId: documentSyncWorkflowId(documentId),
            args: [{ documentId }],
          });
          started.push(handle);
          return handle;
        }),
      );
    } finally {
      for (const handle of started) await handle.terminate().catch(() => undefined);
    }
  }

  async function commit(handle: Handle, content: JsonValue, change: Partial<CommitRequest> = {}) {
    const { contentHash, bytes } = await sync().stageContent(content);
    const request: CommitRequest = {
      requestId: `req-${++requests}`,
      ...EDITOR,
      kind: 'budget',
      contentHash,
      contentBytes: bytes,
      metadata: {},
      message: `change ${requests}`,
      ...change,
    };
    return committed(await handle.executeUpdate(commitUpdate, { args: [request], updateId: request.requestId }));
  }

  async function rawCommit(handle: Handle, content: JsonValue, change: Partial<CommitRequest> = {}) {
    const { contentHash, bytes } = await sync().stageContent(content);
    const request: CommitRequest = {
      requestId: `req-${++requests}`,
      ...EDITOR,
      kind: 'budget',
      contentHash,
      contentBytes: bytes,
      metadata: {},
      message: `change ${requests}`,
      ...change,
    };
    return handle.executeUpdate(commitUpdate, { args: [request], updateId: request.requestId });
  }

  function branch(handle: Handle, name: string, at?: string, who = EDITOR): Promise<BranchOutcome> {
    const requestId = `req-${++requests}`;
    return handle.executeUpdate(createBranchUpdate, {
      args: [{ requestId, ...who, name, ...(at ? { at } : {}) }],
      updateId: requestId,
    });
  }

  function merge(handle: Handle, name: string, message = `merge ${name}`): Promise<CommitOutcome> {
    const requestId = `req-${++requests}`;
    return handle.executeUpdate(mergeUpdate, {
      args: [{ requestId, ...EDITOR, branch: name, message }],
      updateId: requestId,
    });
  }

  function committed(outcome: CommitOutcome): Committed {
    expect(outcome.outcome).toBe('committed');
    return outcome as Committed;
  }

  async function refusal(update: Promise<unknown>): Promise<string> {
    const err = await update.then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    return (err as WorkflowUpdateFailedError).cause?.message ?? '';
  }

  const budget = (amounts: number[]) => ({
    budgetId: 'B-1',
    currency: 'USD',
    lines: amounts.map((amountCents, i) => ({ id: `L${i + 1}`, description: `Line ${i + 1}`, amountCents })),
  });

  async function actions(documentId: string) {
    return (await world.store.audit.list({ limit: 5000 }))
      .filter((event) => event.subject === documentId)
      .map((event) => event.action);
  }

  it('a branch commit moves its branch by compare and set, never head; a stale parent on the branch merges', async () => {
    const documentId = 'br-cas';
    await run(async (start) => {
      const handle = await start(documentId);
      const base = await commit(handle, budget([100, 200, 300]));
      const created = await branch(handle, 'feature/lines');
      expect(created).toMatchObject({ outcome: 'created', branch: { name: 'feature/lines', commitId: base.commitId } });

      const b1 = await commit(handle, budget([150, 200, 300]), { parent: base.commitId, branch: 'feature/lines' });
      expect(b1).toMatchObject({ parents: [base.commitId], branch: 'feature/lines', merged: false });
      expect(await sync().head(documentId)).toBe(base.commitId);
      expect(await sync().ref(documentId, 'feature/lines')).toBe(b1.commitId);
      expect((await handle.query(syncStatusQuery)).head).toBe(base.commitId);

      // Based on the branch point again (stale on the branch), a disjoint edit: a merge commit on the branch.
      const b2 = await commit(handle, budget([100, 200, 350]), { parent: base.commitId, branch: 'feature/lines' });
      expect(b2).toMatchObject({ parents: [b1.commitId, base.commitId], merged: true, branch: 'feature/lines' });
      expect((await sync().show(documentId, undefined, 'feature/lines'))!.content).toEqual(budget([150, 200, 350]));

      // The same line as b1 from the stale parent: a conflict naming it; the branch stays.
      const clash = await rawCommit(handle, budget([175, 200, 300]), {
        parent: base.commitId,
        branch: 'feature/lines',
      });
      expect(clash).toMatchObject({ outcome: 'conflict', head: b2.commitId, paths: ['lines[id=L1].amountCents'] });
      expect(await sync().ref(documentId, 'feature/lines')).toBe(b2.commitId);

      // A parent the branch does not reach, or a branch that does not exist: refused, nothing written.
      const other = await commit(handle, budget([100, 250, 300]), { parent: base.commitId });
      expect(
        await refusal(rawCommit(handle, budget([1, 2, 3]), { parent: other.commitId, branch: 'feature/lines' })),
      ).toMatch(/^parent: .* is not in the history of branch feature\/lines/);
      expect(await refusal(rawCommit(handle, budget([1, 2, 3]), { parent: base.commitId, branch: 'nope' }))).toMatch(
        /^branch: br-cas has no branch nope/,
      );
      expect(await refusal(rawCommit(handle, budget([1, 2, 3]), { parent: base.commitId, branch: 'a..b' }))).toMatch(
        /branch/,
      );
      expect(await sync().ref(documentId, 'feature/lines')).toBe(b2.commitId);
      expect(await sync().head(documentId)).toBe(other.commitId);
    });
  });

  it('merging a branch whose base is head fast-forwards: head moves onto its tip, its commits join the log', async () => {
    const documentId = 'br-ff';
    await run(async (start) => {
      const handle = await start(documentId);
      const base = await commit(handle, budget([100, 200]));
      await branch(handle, 'ff');
      const b1 = await commit(handle, budget([110, 200]), { parent: base.commitId, branch: 'ff' });
      const b2 = await commit(handle, budget([110, 220]), { parent: b1.commitId, branch: 'ff' });
      const merged = committed(await merge(handle, 'ff'));
      expect(merged).toMatchObject({ commitId: b2.commitId, parents: [b1.commitId], fastForward: true, merged: false });
      expect(await sync().head(documentId)).toBe(b2.commitId);
      const status = await handle.query(syncStatusQuery);
      expect(status).toMatchObject({ head: b2.commitId, commits: 3 });
      const log = await sync().log(documentId);
      expect(log.entries.map((entry) => entry.commitId)).toEqual([b2.commitId, b1.commitId, base.commitId]);
      // Head now holds the branch: merging again is refused (nothing to merge).
      expect(await refusal(merge(handle, 'ff'))).toMatch(/^branch: ff .* already in the history of head/);
      // A head commit after the fast-forward builds on it as on any head.
      await commit(handle, budget([110, 230]), { parent: b2.commitId });
      expect(await actions(documentId)).toEqual([
        'sync.committed',
        'sync.branch.created',
        'sync.committed',
        'sync.committed',
        'sync.merged',
        'sync.committed',
      ]);
    });
  });

  it('head moved since the branch point: a merge commit with parents [head, tip] of both edits', async () => {
    const documentId = 'br-merge';
    await run(async (start) => {
      const handle = await start(documentId);
      const base = await commit(handle, budget([100, 200, 300]));
      await branch(handle, 'lines');
      const onBranch = await commit(handle, budget([100, 250, 300]), { parent: base.commitId, branch: 'lines' });
      const onHead = await commit(handle, budget([100, 200, 333]), { parent: base.commitId });
      const merged = committed(await merge(handle, 'lines', 'bring in L2'));
      expect(merged).toMatchObject({ parents: [onHead.commitId, onBranch.commitId], merged: true });
      expect(merged.fastForward).toBeUndefined();
      expect(await sync().head(documentId)).toBe(merged.commitId);
      expect((await sync().show(documentId))!.content).toEqual(budget([100, 250, 333]));
      expect((await sync().commit(documentId, merged.commitId))!.message).toBe('bring in L2');

      expect(await actions(documentId)).toContain('sync.merged');
    });
  });

  it('overlapping edits conflict like a stale commit; deleting a branch (admin) keeps its commits', async () => {
    const documentId = 'br-conflict';
    await run(async (start) => {
      const handle = await start(documentId);
      const base = await commit(handle, budget([100, 200]));
      await branch(handle, 'clash');
      const tip = await commit(handle, budget([101, 200]), { parent: base.commitId, branch: 'clash' });
      const onHead = await commit(handle, budget([102, 200]), { parent: base.commitId });
      const outcome = await merge(handle, 'clash');
      expect(outcome).toEqual({
        outcome: 'conflict',
        documentId,
        head: onHead.commitId,
        paths: ['lines[id=L1].amountCents'],
      });
      expect(await sync().head(documentId)).toBe(onHead.commitId);
      expect((await handle.query(syncStatusQuery)).refused[0]).toMatchObject({ outcome: 'conflict' });

      // An editor may not delete a branch; an admin may; the commit stays; head cannot be named.
      const requestId = () => `req-${++requests}`;
      const editorDelete = handle.executeUpdate(deleteBranchUpdate, {
        args: [{ requestId: requestId(), ...EDITOR, name: 'clash' }],
      });
      expect(await refusal(editorDelete)).toMatch(/role admin needed/);
      const deleted = await handle.executeUpdate(deleteBranchUpdate, {
        args: [{ requestId: requestId(), ...ADMIN, name: 'clash' }],
      });
      expect(deleted).toMatchObject({ outcome: 'deleted', branch: { name: 'clash', commitId: tip.commitId } });
      expect(await sync().branches(documentId)).toEqual([]);
      expect(await sync().commit(documentId, tip.commitId)).toBeDefined();
      expect(
        await refusal(
          handle.executeUpdate(deleteBranchUpdate, { args: [{ requestId: requestId(), ...ADMIN, name: 'head' }] }),
        ),
      ).toMatch(/^name: .*head/);
      expect(await refusal(branch(handle, 'HEAD'))).toMatch(/^name: .*head/);
      expect(await actions(documentId)).toEqual([
        'sync.committed',
        'sync.branch.created',
        'sync.committed',
        'sync.committed',
        'sync.conflict',
        'sync.branch.deleted',
      ]);
    });
  });
});
