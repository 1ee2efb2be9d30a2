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
  input: { documentId: string; commitId: string; expectedHead: string | null },
): Promise<SyncCommitSummary> {
  const { documentId, commitId, expectedHead } = input;
  return refusalsAsInputErrors(async () => {
    if (!(await store.moveHead(documentId, expectedHead, commitId))) {
      throw headMovedError(documentId, expectedHead, await store.head(documentId));
    }
    const stored = await store.commit(documentId, commitId);
    if (!stored) throw syncInputError(`commit ${commitId} of ${documentId} is not in the store`);
    return commitSummary(stored);
  });
}
