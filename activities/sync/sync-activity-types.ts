import type { CommitStats, DocumentKind, HookVerdict, JsonValue, SyncCommit } from '../../domain/sync/sync-types';

/**
 * The activities the documentSync workflow calls (createSyncActivities in ./index.ts). Content
 * stays in the store: the workflow passes hashes and commit ids, never documents.
 */
export interface SyncActivities {
  /**
   * Prepares a change against the current head: loads the parent's, the head's and the staged
   * content; when `parent` is the head (or there is no head yet), a plain commit; when it is an
   * older commit of the document, a three-way merge (stages the merged content) or a conflict.
   * Refuses (non-retryable, type `SyncInputError`) a parent outside the document's history, a
   * missing staged content, content over the limit or failing the kind's schema.
   * Computes the commit id from `at` (workflow time), so a retry prepares the same commit.
   */
  prepareSyncCommit(input: PrepareCommitInput): Promise<PreparedCommit>;

  /** Runs the validation hooks in order (schema, compliance quick check for plans, external hooks). */
  runSyncHooks(input: RunHooksInput): Promise<HookVerdict[]>;

  /**
   * Inserts the commit row (idempotent on commitId) and moves `head` from `expectedHead` to it
   * (compare and set; a retry that finds head already at commitId succeeds). Returns the row.
   */
  writeSyncCommit(input: { commit: SyncCommit; expectedHead: string | null }): Promise<SyncCommit>;

  /** Tells the configured subscribers of the commit, once per commit and target (delivery keys). */
  notifySyncSubscribers(input: { documentId: string; commitId: string }): Promise<{ sent: number }>;
}

export interface PrepareCommitInput {
  documentId: string;
  kind: DocumentKind;
  /** The head the workflow holds (null before the first commit). */
  head: string | null;
  /** The writer's parent (absent: the document's first commit, or a revert, which is based on head). */
  parent?: string;
  contentHash: string;
  metadata: JsonValue;
  author: string;
  message: string;
  /** Workflow time, ISO. */
  at: string;
  /** A revert: content and metadata are taken from this commit (contentHash is ignored). */
  revertOf?: string;
}

export type PreparedCommit =
  { kind: 'commit'; commit: SyncCommit; merged: boolean } | { kind: 'conflict'; head: string; paths: string[] };

export interface RunHooksInput {
  documentId: string;
  kind: DocumentKind;
  author: string;
  authorRoles: string[];
  message: string;
  /** The prepared commit (its content is read from the store by hash). */
  commit: Pick<SyncCommit, 'commitId' | 'contentHash' | 'parents' | 'patch' | 'metadataHash'>;
  stats: CommitStats;
}
