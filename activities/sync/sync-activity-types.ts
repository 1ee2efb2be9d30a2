import type { CommitStats, DocumentKind, HookVerdict, JsonValue, SyncCommit } from '../../domain/sync/sync-types';

/**
 * The activities the documentSync workflow calls (createSyncActivities in ./index.ts). Content
 * stays in the store: the workflow passes hashes and commit ids, never documents, and never
 * patches (a change to a document near the content limit has a patch of megabytes, over
 * Temporal's 2 MB payload limit): the commit row holds them.
 */
export interface SyncActivities {
  /**
   * Prepares a change against the current head: loads the parent's, the head's and the staged
   * content; when `parent` is the head (or there is no head yet), a plain commit; when it is an
   * older commit of the document, a three-way merge (stages the merged content) or a conflict.
   * Refuses (non-retryable, type `SyncInputError`) a parent outside the document's history, a
   * missing staged content, content over the limit or failing the kind's schema.
   * Computes the commit id from `at` (workflow time), so a retry prepares the same commit.
   * Inserts the commit row with its patches (idempotent on commitId), which is not in the
   * history until writeSyncCommit moves head onto it, and answers the commit without them.
   */
  prepareSyncCommit(input: PrepareCommitInput): Promise<PreparedCommit>;

  /** Runs the validation hooks in order (schema, compliance quick check for plans, external hooks). */
  runSyncHooks(input: RunHooksInput): Promise<HookVerdict[]>;

  /**
   * Moves `head` from `expectedHead` to the prepared commit (compare and set; a retry that finds
   * head already at commitId succeeds), which puts it in the history. Returns the row (without patches).
   */
  writeSyncCommit(input: {
    documentId: string;
    commitId: string;
    expectedHead: string | null;
  }): Promise<SyncCommitSummary>;

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

/** A commit row as activities hand it to the workflow: everything but the patches, which stay in the store. */
export type SyncCommitSummary = Omit<SyncCommit, 'patch' | 'metadataPatch'>;

export type PreparedCommit =
  { kind: 'commit'; commit: SyncCommitSummary; merged: boolean } | { kind: 'conflict'; head: string; paths: string[] };

export interface RunHooksInput {
  documentId: string;
  kind: DocumentKind;
  author: string;
  authorRoles: string[];
  message: string;
  /** The prepared commit (its content is read from the store by hash, its patch from its row). */
  commit: Pick<SyncCommit, 'commitId' | 'contentHash' | 'parents' | 'metadataHash'>;
  stats: CommitStats;
}
