import type { SyncStore } from '../../db/sync-store';
import { commitSummary } from './commit-summary';
import type { SyncCommitSummary } from './sync-activity-types';
import { headMovedError, refusalsAsInputErrors, syncInputError } from './sync-failures';

/**
 * Moves head onto the commit prepareSyncCommit inserted, by compare and set, which puts it in
 * the history. A retry after a crash finds head already moved: the same answer. Head anywhere
 * else means another writer got in between: a final SyncHeadMoved failure, never an overwrite.
 */
export async function writeSyncCommit(
  store: SyncStore,
  input: { documentId: string; commitId: string; expectedHead: string | null; branch?: string },
): Promise<SyncCommitSummary> {
  const { documentId, commitId, expectedHead, branch } = input;
  return refusalsAsInputErrors(async () => {
    if (branch !== undefined) {
      // A branch commit: the branch's ref moves by compare and set; head and its history stay.
      if (expectedHead === null) throw syncInputError(`branch: ${branch} has no tip to move from`);
      if (!(await store.moveBranch(documentId, branch, expectedHead, commitId))) {
        throw headMovedError(documentId, expectedHead, await store.ref(documentId, branch));
      }
    } else if (!(await store.moveHead(documentId, expectedHead, commitId))) {
      throw headMovedError(documentId, expectedHead, await store.head(documentId));
    }
    const stored = await store.commit(documentId, commitId);
    if (!stored) throw syncInputError(`commit ${commitId} of ${documentId} is not in the store`);
    return commitSummary(stored);
  });
}
