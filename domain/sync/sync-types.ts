/**
 * Data sync (issue #15): the shapes every layer agrees on. A document's history behaves like
 * git: each change is an immutable commit with parent(s), an author, a message and an RFC 6902
 * patch from its first parent; `head` moves only from the parent the writer saw (compare and
 * set), so a stale writer gets a conflict or, when the edits touch disjoint paths, a
 * three-way merge commit with two parents.
 *
 * Content goes by reference: the client (gateway route, CLI direct mode) checks the JSON, its
 * size and the kind's schema, stores the content by its hash (`sync_contents`, once per
 * distinct hash, like git's objects), and sends the workflow only the hash. A change the
 * workflow then refuses leaves an unreferenced content row and no commit.
 */

/** Kinds registered with a zod schema (domain/sync/document-kinds.ts). */
export const DOCUMENT_KINDS = ['plan', 'budget', 'schedule', 'json'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

/** `sync/<documentId>`: the entity workflow that serialises one document's changes. */
export function documentSyncWorkflowId(documentId: string): string {
  return `sync/${documentId}`;
}

/** Limits that hold for every document (the config file may lower them, not raise them). */
export const SYNC_LIMITS = {
  /** Canonical JSON bytes of a document's content. */
  maxContentBytes: 5 * 1024 * 1024,
  /** Canonical JSON bytes of its metadata (it travels inline in the Update). */
  maxMetadataBytes: 16 * 1024,
  maxMessageChars: 2_000,
} as const;

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** One RFC 6902 operation, as stored and as `sync diff --json` prints it. */
export type PatchOperation =
  | { op: 'add' | 'replace' | 'test'; path: string; value: JsonValue }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; from: string; path: string };

/** Paths added, removed and changed, counted at leaves (`spaces[id=S2].area` counts once). */
export interface CommitStats {
  added: number;
  removed: number;
  changed: number;
}

/** An immutable commit row. */
export interface SyncCommit {
  /**
   * sha256 hex of canonicalJson({documentId, parents, contentHash, metadataHash, author, message,
   * at}): the document too, so two documents never share a commit id.
   */
  commitId: string;
  documentId: string;
  kind: DocumentKind;
  /**
   * [] for the first commit, [parent] normally; a merge commit (the writer's parent was stale)
   * has [the head it was merged onto, the writer's parent], and its patch is from that head.
   */
  parents: string[];
  author: string;
  message: string;
  /** ISO time the workflow accepted the change (workflow time: deterministic). */
  at: string;
  /** sha256 hex of the canonical JSON of the content / metadata. */
  contentHash: string;
  metadataHash: string;
  /** From parents[0]'s content to this content ([] for the first commit: see `content`). */
  patch: PatchOperation[];
  metadataPatch: PatchOperation[];
  stats: CommitStats;
  /** Set on a commit made by `revert`: the commit whose content it restores. */
  revertOf?: string;
}

/** A commit with its content, as `sync show` prints it. */
export interface SyncCommitContent {
  commitId: string;
  documentId: string;
  kind: DocumentKind;
  parents: string[];
  content: JsonValue;
  metadata: JsonValue;
  author: string;
  message: string;
  at: string;
}

/** A line of `sync log` (newest first). */
export type SyncLogEntry = Pick<SyncCommit, 'commitId' | 'parents' | 'author' | 'message' | 'at' | 'stats'>;

/**
 * A change request: the `commit` Update's argument. `actor` (the commit's author) and `roles`
 * are the verified caller's, set by the gateway or CLI from the token or `--as`, as in every
 * operator message; the identity interceptor marks an unstamped one unverified
 * (workflows/identity-interceptor.ts) and the workflow refuses it (refusalOfUnverified).
 */
export interface CommitRequest {
  /** Idempotency: also the Update's id; a repeat returns the first answer. */
  requestId: string;
  actor: string;
  roles: string[];
  kind: DocumentKind;
  /** The commit the writer's edit is based on; absent only for the document's first commit. */
  parent?: string;
  /** Staged by the client (content by reference). */
  contentHash: string;
  /** Canonical JSON bytes of that content, for the validator's size check (the activity re-checks). */
  contentBytes: number;
  metadata: JsonValue;
  message: string;
  /**
   * A named branch of the document to commit onto (domain/sync/branch-names.ts); absent: head.
   * The branch's ref moves by compare and set from `parent`'s side exactly as head does.
   */
  branch?: string;
}

/** The `revert` Update's argument: a new commit whose content and metadata equal `commitId`'s. */
export interface RevertRequest {
  requestId: string;
  actor: string;
  roles: string[];
  commitId: string;
  /** Default `Revert "<message of commitId>"`. */
  message?: string;
}

/** Why a change was not committed. */
export interface HookVerdict {
  /** `schema`, `compliance`, or the external hook's id. */
  hook: string;
  allowed: boolean;
  reasons: string[];
}

/** What the `commit` and `revert` Updates answer (refusals of input rules throw instead, in the validator). */
export type CommitOutcome =
  | {
      outcome: 'committed';
      commitId: string;
      parents: string[];
      documentId: string;
      stats: CommitStats;
      /** true when the writer's parent was stale and a three-way merge made this commit. */
      merged: boolean;
      /** The branch the commit went onto (absent: head). */
      branch?: string;
      /** A merge of a branch into head that moved head onto the branch's tip: `commitId` is that tip, no new commit. */
      fastForward?: boolean;
    }
  | { outcome: 'denied'; documentId: string; reasons: string[]; verdicts: HookVerdict[] }
  | {
      outcome: 'conflict';
      documentId: string;
      /** The current head the writer must rebase on. */
      head: string;
      /** Paths both sides changed (readable form, e.g. `spaces[id=S2].area`). */
      paths: string[];
    };

/** What the workflow answers to its `syncStatus` query (paged history is read from the store). */
export interface DocumentSyncView {
  documentId: string;
  kind?: DocumentKind;
  /** Absent before the first commit. */
  head?: string;
  commits: number;
  /** The newest commits, newest first (at most 20). */
  recent: SyncLogEntry[];
  /** Requests waiting their turn behind the one being processed. */
  pending: number;
  /** The newest refusals (denials, conflicts), at most 20. */
  refused: { requestId: string; author: string; at: string; outcome: 'denied' | 'conflict'; reasons: string[] }[];
  /**
   * Commits whose subscribers were never told: a channel was down while more commits waited to
   * be announced than the workflow keeps (the newest 1,000). Absent when none. The store's log
   * and the live stream still have every commit.
   */
  unannouncedDropped?: number;
}

/** The workflow's input; continue-as-new carries the same shape with the state. */
export interface DocumentSyncInput {
  documentId: string;
  carried?: {
    kind?: DocumentKind;
    head?: string;
    commits: number;
    recent: SyncLogEntry[];
    refused: DocumentSyncView['refused'];
    /** requestId -> answer, newest last (bounded), so a retried Update across a continue-as-new is not applied twice. */
    answered: [string, CommitOutcome][];
  };
}

/** An external validation hook (managed by admins: `arxflow sync hooks add`), run in `order`. */
export interface SyncHook {
  hookId: string;
  url: string;
  /** Signs each request (`x-arxflow-signature: t=<unix>,v1=<hex>`, the timestamped webhook scheme). Never returned by reads. */
  secret: string;
  /** Kinds it applies to; empty: all. */
  kinds: DocumentKind[];
  /** A glob of document ids (`*` any run of characters); default `*`. */
  documents: string;
  timeoutMs: number;
  order: number;
  createdBy: string;
  createdAt: string;
}

/** The JSON an external hook receives (POST). */
export interface HookRequestBody {
  documentId: string;
  kind: DocumentKind;
  author: string;
  message: string;
  parent: string | null;
  /** The proposed content and its patch from the parent. */
  content: JsonValue;
  patch: PatchOperation[];
  metadata: JsonValue;
}

/** What an external hook must answer (2xx, JSON); anything else, or no answer in time, is a deny. */
export interface HookAnswer {
  allow: boolean;
  reasons?: string[];
}

/** The config file's `sync:` section (domain/sync/sync-config.ts). */
export interface SyncConfig {
  /** Who hears of commits: targets as elsewhere (`slack:#plans`, `email:a@b.c`, `webhook:https://...`). */
  subscribers: { kinds: DocumentKind[]; documents: string; targets: string[] }[];
  /** Lower than SYNC_LIMITS.maxContentBytes if set. */
  maxContentBytes: number;
}

/** The ref every document has; named branches sit beside it in `sync_refs` (migration 018). */
export const SYNC_HEAD_REF = 'head';

/** A named branch of a document, as `sync branch list` prints it. */
export interface SyncBranch {
  name: string;
  /** The commit the branch points at (its tip). */
  commitId: string;
  createdBy: string;
  /** ISO time the branch was created. */
  at: string;
}

/** The `createBranch` Update's argument: a branch at `at` (a commit of the document; default its head). */
export interface BranchCreateRequest {
  requestId: string;
  actor: string;
  roles: string[];
  name: string;
  at?: string;
}

/** The `deleteBranch` Update's argument. Deleting a branch never removes a commit. */
export interface BranchDeleteRequest {
  requestId: string;
  actor: string;
  roles: string[];
  name: string;
}

/**
 * The `merge` Update's argument: merges `branch` into head. Head the merge base: head moves onto
 * the branch's tip (fast-forward); else a merge commit with parents [head, the branch's tip]
 * whose content is the three-way merge, checked by the hooks; overlapping edits: a conflict.
 * Answered like a commit (CommitOutcome).
 */
export interface MergeRequest {
  requestId: string;
  actor: string;
  roles: string[];
  branch: string;
  message: string;
}

/** What `createBranch` and `deleteBranch` answer. */
export interface BranchOutcome {
  outcome: 'created' | 'deleted';
  documentId: string;
  branch: SyncBranch;
}
