import type { SyncStore } from '../../db/sync-store';
import type { SyncCommit } from '../../domain/sync/sync-types';
import { headMovedError, refusalsAsInputErrors } from './sync-failures';

/**
 * Inserts the commit (once per commitId) and moves head onto it by compare and set. A retry
 * after a crash finds the row and head already moved: the same answer. Head anywhere else means
 * another writer got in between: a final SyncHeadMoved failure, never an overwrite.
 */
export async function writeSyncCommit(
  store: SyncStore,
  input: { commit: SyncCommit; expectedHead: string | null },
): Promise<SyncCommit> {
  const { commit, expectedHead } = input;
  return refusalsAsInputErrors(async () => {
    const { commit: stored } = await store.insertCommit(commit);
    if (await store.moveHead(commit.documentId, expectedHead, commit.commitId)) return stored;
    throw headMovedError(commit.documentId, expectedHead, await store.head(commit.documentId));
  });
}
