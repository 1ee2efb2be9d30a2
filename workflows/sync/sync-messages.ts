import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type {
  BranchCreateRequest,
  BranchDeleteRequest,
  BranchOutcome,
  CommitOutcome,
  CommitRequest,
  DocumentSyncView,
  MergeRequest,
  RevertRequest,
} from '../../domain/sync/sync-types';

// Messages of the documentSync workflow (`sync/<documentId>`), in a file of their own so clients
// (CLI, gateway) import them without the workflow code.
//
// Changes are Updates only: a writer must learn at once whether its change was committed,
// denied by a hook, or in conflict, and the Web UI does not edit documents. The validator
// refuses what breaks an input rule (size, author's role, kind) before anything enters history;
// hooks and conflicts are answers (`CommitOutcome`), recorded in `status.refused`.
// The Update id is the request's `requestId`, so a retried call is answered once.
export const commitUpdate = defineUpdate<CommitOutcome, [CommitRequest]>('commit');
export const revertUpdate = defineUpdate<CommitOutcome, [RevertRequest]>('revert');

// Named branches: created, deleted and merged in the same turns as commits, so every ref of the
// document moves one change at a time (compare and set in the store as well). A commit onto a
// branch is the `commit` Update with `branch`.
export const createBranchUpdate = defineUpdate<BranchOutcome, [BranchCreateRequest]>('createBranch');
export const deleteBranchUpdate = defineUpdate<BranchOutcome, [BranchDeleteRequest]>('deleteBranch');
export const mergeUpdate = defineUpdate<CommitOutcome, [MergeRequest]>('merge');

export const syncStatusQuery = defineQuery<DocumentSyncView>('syncStatus');
