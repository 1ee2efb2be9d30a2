import type {
  CommitStats,
  DocumentKind,
  HookVerdict,
  JsonValue,
  SyncBranch,
  SyncCommit,
} from '../../domain/sync/sync-types';

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
    /** Moves this branch instead of head (`expectedHead`: its tip, as prepareSyncCommit answered it). */
    branch?: string;
  }): Promise<SyncCommitSummary>;

  /** Tells the configured subscribers of the commit, once per commit and target (delivery keys). */
  notifySyncSubscribers(input: { documentId: string; commitId: string }): Promise<{ sent: number }>;

  /**
   * Creates a branch at `at` (a commit some ref of the document reaches; default head). Refuses
   * (SyncInputError) a name taken by another branch or an unknown commit; the same branch again
   * at the same commit by the same author (a retry) answers it.
   */
  createSyncBranch(input: { documentId: string; name: string; at?: string; createdBy: string }): Promise<SyncBranch>;

  /** Deletes a branch (its commits stay); refuses (SyncInputError) an unknown one. Answers the branch as it was. */
  deleteSyncBranch(input: { documentId: string; name: string }): Promise<SyncBranch>;

  /**
   * Prepares merging `branch` into `head`: the merge base is the newest commit of the branch's
   * first-parent chain that head reaches. Base = head: a fast-forward onto the branch's tip;
   * else the three-way merge of base, head and tip as a commit with parents [head, tip] (row
   * inserted, not in the history), or a conflict naming the paths. Refuses (SyncInputError) an
   * unknown branch, or one head already holds (nothing to merge).
   */
  prepareSyncMerge(input: PrepareMergeInput): Promise<PreparedMerge>;

  /** Moves head from `expectedHead` onto `commitId` along its first-parent chain (compare and set; SyncHeadMoved when head is elsewhere). */
  fastForwardSync(input: {
    documentId: string;
    expectedHead: string;
    commitId: string;
  }): Promise<{ commit: SyncCommitSummary; brought: number }>;
}

export interface PrepareMergeInput {
  documentId: string;
  branch: string;
  /** The head the workflow holds. */
  head: string;
  author: string;
  message: string;
  /** Workflow time, ISO (the merge commit's id comes from it). */
  at: string;
}

export type PreparedMerge =
  | { kind: 'fast-forward'; commit: SyncCommitSummary; tip: string }
  | { kind: 'commit'; commit: SyncCommitSummary; tip: string }
  | { kind: 'conflict'; head: string; paths: string[] };

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
  /** Prepares against this branch's tip (read from the store) instead of `head`. */
  branch?: string;
}

/** A commit row as activities hand it to the workflow: everything but the patches, which stay in the store. */
export type SyncCommitSummary = Omit<SyncCommit, 'patch' | 'metadataPatch'>;

export type PreparedCommit =
  | {
      kind: 'commit';
      commit: SyncCommitSummary;
      merged: boolean;
      /** On a branch: its tip the commit was prepared against (writeSyncCommit's expected). */
      expected?: string;
    }
  | { kind: 'conflict'; head: string; paths: string[] };

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
