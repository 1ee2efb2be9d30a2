import type { SyncStore } from '../../db/sync-store';
import { threeWayMerge } from '../../domain/sync/three-way-merge';
import type { SyncBranch } from '../../domain/sync/sync-types';
import { commitSummary } from './commit-summary';
import { commitOf, contentOf, metadataPath } from './prepare-sync-commit';
import type { PrepareMergeInput, PreparedMerge, SyncCommitSummary } from './sync-activity-types';
import { headMovedError, refusalsAsInputErrors, syncInputError } from './sync-failures';

/*
 * Named branches of a document (the documentSync workflow calls these in its turn, so a ref
 * never moves under a change being processed). A branch is a ref beside head: created at a
 * commit, moved by branch commits (writeSyncCommit with `branch`), merged into head by a
 * fast-forward or a merge commit, deleted without touching a commit.
 */

export async function createSyncBranch(
  store: SyncStore,
  input: { documentId: string; name: string; at?: string; createdBy: string },
): Promise<SyncBranch> {
  return refusalsAsInputErrors(async () => {
    const { documentId, name } = input;
    const at = input.at ?? (await store.head(documentId));
    if (at === undefined) throw syncInputError(`name: ${documentId} has no commits yet: nothing to branch from`);
    if (!(await store.reachedByAnyRef(documentId, at))) {
      throw syncInputError(`at: ${at} is not a commit of ${documentId} that head or a branch reaches`);
    }
    const { branch, created } = await store.createBranch(documentId, name, at, input.createdBy);
    // A retry of this creation (the activity ran, its answer was lost) finds it as it made it.
    if (!created && (branch.commitId !== at || branch.createdBy !== input.createdBy)) {
      throw syncInputError(`name: ${documentId} has a branch ${name} already (at ${branch.commitId})`);
    }
    return branch;
  });
}

export async function deleteSyncBranch(
  store: SyncStore,
  input: { documentId: string; name: string },
): Promise<SyncBranch> {
  return refusalsAsInputErrors(async () => {
    const deleted = await store.deleteBranch(input.documentId, input.name);
    if (!deleted) throw syncInputError(`name: ${input.documentId} has no branch ${input.name}`);
    return deleted;
  });
}

/**
 * The merge of a branch into head, prepared: fast-forward when head is the merge base, else a
 * merge commit of disjoint edits (parents [head, tip], its patch from head), else a conflict.
 */
export async function prepareSyncMerge(store: SyncStore, input: PrepareMergeInput): Promise<PreparedMerge> {
  return refusalsAsInputErrors(async () => {
    const { documentId, branch } = input;
    const tip = await store.ref(documentId, branch);
    if (tip === undefined) throw syncInputError(`branch: ${documentId} has no branch ${branch}`);
    const inHead = await store.reachableFrom(documentId, input.head);
    if (inHead.has(tip)) {
      throw syncInputError(`branch: ${branch} (at ${tip}) is already in the history of head: nothing to merge`);
    }
    // The merge base: the newest commit of the branch's first-parent chain that head reaches.
    const chain = await store.firstParentChain(documentId, tip);
    const base = chain.find((commit) => inHead.has(commit.commitId));
    if (!base) throw syncInputError(`branch: ${branch} shares no commit with head`);
    const tipCommit = chain[0]!;
    if (base.commitId === input.head) return { kind: 'fast-forward', commit: commitSummary(tipCommit), tip };

    const head = await store.commit(documentId, input.head);
    if (!head) throw syncInputError(`head ${input.head} is not a commit of document ${documentId}`);
    const [baseContent, headContent, tipContent, baseMetadata, headMetadata, tipMetadata] = await Promise.all([
      contentOf(store, base.contentHash),
      contentOf(store, head.contentHash),
      contentOf(store, tipCommit.contentHash),
      contentOf(store, base.metadataHash),
      contentOf(store, head.metadataHash),
      contentOf(store, tipCommit.metadataHash),
    ]);
    const content = threeWayMerge(baseContent, headContent, tipContent, head.kind);
    const metadata = threeWayMerge(baseMetadata, headMetadata, tipMetadata, 'json');
    if ('conflict' in content || 'conflict' in metadata) {
      const paths = [
        ...('conflict' in content ? content.conflict : []),
        ...('conflict' in metadata ? metadata.conflict.map(metadataPath) : []),
      ];
      return { kind: 'conflict', head: head.commitId, paths };
    }
    const { contentHash } = await store.stageContent(content.merged);
    const prepared = await commitOf(
      store,
      {
        documentId,
        kind: head.kind,
        head: head.commitId,
        contentHash,
        metadata: metadata.merged,
        author: input.author,
        message: input.message,
        at: input.at,
      },
      [head.commitId, tip],
      head,
      { content: content.merged, contentHash, metadata: metadata.merged },
      true,
    );
    if (prepared.kind !== 'commit') throw new Error('a merge commit was not prepared');
    return { kind: 'commit', commit: prepared.commit, tip };
  });
}

export async function fastForwardSync(
  store: SyncStore,
  input: { documentId: string; expectedHead: string; commitId: string },
): Promise<{ commit: SyncCommitSummary; brought: number }> {
  const { documentId, expectedHead, commitId } = input;
  return refusalsAsInputErrors(async () => {
    const { moved, brought } = await store.fastForward(documentId, expectedHead, commitId);
    if (!moved) throw headMovedError(documentId, expectedHead, await store.head(documentId));
    const stored = await store.commit(documentId, commitId);
    if (!stored) throw syncInputError(`commit ${commitId} of ${documentId} is not in the store`);
    return { commit: commitSummary(stored), brought };
  });
}
