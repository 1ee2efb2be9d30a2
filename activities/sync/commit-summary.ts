import type { SyncCommit } from '../../domain/sync/sync-types';
import type { SyncCommitSummary } from './sync-activity-types';

/** The commit without its patches: what may go into the workflow's history (they can be megabytes). */
export function commitSummary(commit: SyncCommit): SyncCommitSummary {
  const { patch: _patch, metadataPatch: _metadataPatch, ...summary } = commit;
  return summary;
}
