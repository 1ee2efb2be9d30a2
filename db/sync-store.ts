import { canonicalContent } from '../domain/sync/content-hash';
import type {
  CommitStats,
  DocumentKind,
  JsonValue,
  PatchOperation,
  SyncBranch,
  SyncCommit,
  SyncCommitContent,
  SyncHook,
  SyncLogEntry,
} from '../domain/sync/sync-types';
import { SYNC_HEAD_REF } from '../domain/sync/sync-types';
import { signTimestamped } from '../platform/webhook-signatures';
import type { SqlDatabase, SqlExecutor } from './sql';

/** A hook as reads return it: everything but the secret. */
export type SyncHookView = Omit<SyncHook, 'secret'>;

/** A hook the runner calls: its view and a signer holding the secret (which never leaves this module). */
export interface SigningHook extends SyncHookView {
  /** The x-arxflow-signature header for `body` at `unixSeconds` (platform/webhook-signatures.ts). */
  sign(body: string, unixSeconds: number): string;
}

export interface SyncDocumentSummary {
  documentId: string;
  kind: DocumentKind;
  head: string;
  commits: number;
  updatedAt: string;
}

export interface SyncLogPage {
  entries: SyncLogEntry[];
  /** Pass as `before` for the next (older) page; absent on the last page. */
  next?: string;
}

/** Thrown for a request the store refuses on its face (the activities map it to a non-retryable failure). */
export class SyncStoreError extends Error {
  override name = 'SyncStoreError';
}

const HEAD = SYNC_HEAD_REF;
const MAX_LOG_PAGE = 200;

interface CommitRow {
  commit_id: string;
  document_id: string;
  kind: DocumentKind;
  parents: string[] | string;
  author: string;
  message: string;
  at: string;
  content_hash: string;
  metadata_hash: string;
  patch: string;
  metadata_patch: string;
  stats: CommitStats | string;
  revert_of: string | null;
  in_history: boolean;
  seq: string | number;
}

interface BranchRow {
  name: string;
  commit_id: string;
  created_by: string | null;
  created_at: Date | string;
}

interface HookRow {
  hook_id: string;
  url: string;
  secret: string;
  kinds: DocumentKind[] | string;
  documents: string;
  timeout_ms: number;
  ord: number;
  created_by: string;
  created_at: Date | string;
}

/**
 * The data sync store (migrations 017, 018): content by hash, immutable commits, the `head` ref
 * and named branches moved only by compare and set, and the validation hooks. Every write is idempotent, so a retried
 * activity (or a client staging the same content twice) changes nothing the second time.
 *
 * A document's history is a first-parent chain: `moveHead` accepts a commit only when its first
 * parent is the head it replaces (a merge's second parent is an older commit of that chain), and
 * marks it `in_history`. So "is this commit in the document's history" is one row's flag, and
 * "what changed since" is the chain's rows after it in `seq` order.
 */
export class SyncStore {
  constructor(private readonly db: SqlDatabase) {}

  /** Stores content by the sha256 of its canonical JSON, once per hash (a second stage is a no-op). */
  async stageContent(content: JsonValue): Promise<{ contentHash: string; bytes: number }> {
    const { canonical, hash: contentHash, bytes } = canonicalContent(content);
    await this.db.query(
      'INSERT INTO sync_contents (hash, canonical, bytes) VALUES ($1, $2, $3) ON CONFLICT (hash) DO NOTHING',
      [contentHash, canonical, bytes],
    );
    return { contentHash, bytes };
  }

  /** Staged content by hash (undefined when never staged). */
  async content(hash: string): Promise<{ content: JsonValue; bytes: number } | undefined> {
    const [row] = await this.db.query<{ canonical: string; bytes: number }>(
      'SELECT canonical, bytes FROM sync_contents WHERE hash = $1',
      [hash],
    );
    return row && { content: JSON.parse(row.canonical) as JsonValue, bytes: Number(row.bytes) };
  }

  /**
   * Inserts a commit row once: a retry (same commitId) returns the stored row. Its content and
   * metadata must be staged. Not in the history until `moveHead` moves onto it (prepareSyncCommit
   * inserts it before the hooks run; a denied change's row never enters the history).
   */
  async insertCommit(commit: SyncCommit): Promise<{ commit: SyncCommit; inserted: boolean }> {
    const staged = await this.db.query<{ hash: string }>(
      'SELECT hash FROM sync_contents WHERE hash = ANY($1::text[])',
      [[commit.contentHash, commit.metadataHash]],
    );
    const have = new Set(staged.map((row) => row.hash));
    for (const [what, hash] of [
      ['content', commit.contentHash],
      ['metadata', commit.metadataHash],
    ] as const) {
      if (!have.has(hash)) throw new SyncStoreError(`commit ${commit.commitId}: its ${what} ${hash} is not staged`);
    }
    const inserted = await this.db.query(
      `INSERT INTO sync_commits (commit_id, document_id, kind, parents, author, message, at, content_hash,
         metadata_hash, patch, metadata_patch, stats, revert_of)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT (commit_id) DO NOTHING RETURNING commit_id`,
      [
        commit.commitId,
        commit.documentId,
        commit.kind,
        JSON.stringify(commit.parents),
        commit.author,
        commit.message,
        commit.at,
        commit.contentHash,
        commit.metadataHash,
        JSON.stringify(commit.patch),
        JSON.stringify(commit.metadataPatch),
        JSON.stringify(commit.stats),
        commit.revertOf ?? null,
      ],
    );
    const stored = await this.anyCommit(commit.commitId);
    if (!stored) throw new Error(`sync commit ${commit.commitId} vanished after it was written`);
    if (stored.documentId !== commit.documentId) {
      throw new SyncStoreError(`commit ${commit.commitId} belongs to document ${stored.documentId}`);
    }
    return { commit: stored, inserted: inserted.length > 0 };
  }

  /**
   * Compare and set: moves the document's head from `expected` (null: the document has no head
   * yet) to `commitId`. true when it moved, or when head already is `commitId` (a retry of a move
   * that landed); false when head is anything else (another writer moved it). The commit must be
   * of this document and its first parent must be `expected`, so the history stays one chain.
   */
  async moveHead(documentId: string, expected: string | null, commitId: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.query<CommitRow>('SELECT * FROM sync_commits WHERE commit_id = $1', [commitId]);
      if (!row || row.document_id !== documentId) {
        throw new SyncStoreError(`commit ${commitId} is not a commit of document ${documentId}`);
      }
      const firstParent = parentsOf(row)[0] ?? null;
      if (firstParent !== expected) {
        throw new SyncStoreError(
          `commit ${commitId} has first parent ${firstParent ?? '(none)'}, not the expected head ${expected ?? '(none)'}`,
        );
      }
      const moved =
        expected === null
          ? await tx.query(
              `INSERT INTO sync_refs (document_id, name, commit_id) VALUES ($1, $2, $3)
               ON CONFLICT (document_id, name) DO NOTHING RETURNING commit_id`,
              [documentId, HEAD, commitId],
            )
          : await tx.query(
              `UPDATE sync_refs SET commit_id = $3, updated_at = now()
               WHERE document_id = $1 AND name = $2 AND commit_id = $4 RETURNING commit_id`,
              [documentId, HEAD, commitId, expected],
            );
      if (moved.length > 0) {
        await tx.query('UPDATE sync_commits SET in_history = true WHERE commit_id = $1', [commitId]);
        return true;
      }
      return (await headIn(tx, documentId)) === commitId;
    });
  }

  /** The document's head commit id; undefined before its first commit. */
  async head(documentId: string): Promise<string | undefined> {
    return headIn(this.db, documentId);
  }

  /** A commit of the document (also one not, or not yet, in its history); undefined when unknown. */
  async commit(documentId: string, commitId: string): Promise<SyncCommit | undefined> {
    const found = await this.anyCommit(commitId);
    return found?.documentId === documentId ? found : undefined;
  }

  /** Whether `commitId` is in the document's history (an ancestor of its head, or the head itself). */
  async isAncestor(documentId: string, commitId: string): Promise<boolean> {
    const rows = await this.db.query(
      'SELECT 1 FROM sync_commits WHERE commit_id = $1 AND document_id = $2 AND in_history',
      [commitId, documentId],
    );
    return rows.length > 0;
  }

  /**
   * The commits after `ancestor` in the document's history, oldest first (what a writer based
   * on `ancestor` has not seen); undefined when `ancestor` is not in the history.
   */
  async commitsSince(documentId: string, ancestor: string): Promise<SyncCommit[] | undefined> {
    if (!(await this.isAncestor(documentId, ancestor))) return undefined;
    const rows = await this.db.query<CommitRow>(
      `SELECT * FROM sync_commits WHERE document_id = $1 AND in_history
         AND seq > (SELECT seq FROM sync_commits WHERE commit_id = $2) ORDER BY seq`,
      [documentId, ancestor],
    );
    return rows.map(commitOf);
  }

  /** The history, newest first, `limit` (default 50, at most 200) at a time; `before` is the previous page's `next`. */
  async log(documentId: string, options: { limit?: number; before?: string } = {}): Promise<SyncLogPage> {
    const limit = Math.min(Math.max(1, Math.floor(options.limit ?? 50)), MAX_LOG_PAGE);
    if (options.before !== undefined && !(await this.isAncestor(documentId, options.before))) {
      throw new SyncStoreError(`before: ${options.before} is not a commit in the history of ${documentId}`);
    }
    const rows = await this.db.query<CommitRow>(
      `SELECT * FROM sync_commits WHERE document_id = $1 AND in_history
         AND ($2::text IS NULL OR seq < (SELECT seq FROM sync_commits WHERE commit_id = $2))
       ORDER BY seq DESC LIMIT $3`,
      [documentId, options.before ?? null, limit + 1],
    );
    const entries = rows.slice(0, limit).map((row) => {
      const { commitId, parents, author, message, at, stats } = commitOf(row);
      return { commitId, parents, author, message, at, stats };
    });
    return rows.length > limit ? { entries, next: entries[entries.length - 1]!.commitId } : { entries };
  }

  /**
   * A commit of the history with its content and metadata (the head when no commit is given);
   * undefined when unknown or not in the history (a prepared commit whose change was denied).
   * The history: what head reaches (a merged branch's commits too); with `branch`, what it reaches.
   */
  async show(documentId: string, commitId?: string, branch?: string): Promise<SyncCommitContent | undefined> {
    if (branch !== undefined) {
      // On a branch: its tip, or a commit its tip reaches.
      const tip = await this.ref(documentId, branch);
      if (tip === undefined) return undefined;
      if (commitId !== undefined && !(await this.reaches(documentId, tip, commitId))) return undefined;
      return this.contentOf(documentId, commitId ?? tip);
    }
    const id = commitId ?? (await this.head(documentId));
    if (id === undefined || !(await this.inHeadHistory(documentId, id))) return undefined;
    return this.contentOf(documentId, id);
  }

  /**
   * In the document's history: on head's first-parent chain, or brought in by a merge commit
   * (a merged branch's commits: its second parent's side). What `show` shows and `revert`
   * restores.
   */
  async inHeadHistory(documentId: string, commitId: string): Promise<boolean> {
    if (await this.isAncestor(documentId, commitId)) return true;
    const head = await this.head(documentId);
    return head !== undefined && (await this.reaches(documentId, head, commitId));
  }

  private async contentOf(documentId: string, id: string): Promise<SyncCommitContent | undefined> {
    const commit = await this.commit(documentId, id);
    if (!commit) return undefined;
    const [content, metadata] = await Promise.all([
      this.content(commit.contentHash),
      this.content(commit.metadataHash),
    ]);
    if (!content || !metadata) throw new Error(`sync commit ${id}: its content or metadata row is missing`);
    return {
      commitId: commit.commitId,
      documentId,
      kind: commit.kind,
      parents: commit.parents,
      content: content.content,
      metadata: metadata.content,
      author: commit.author,
      message: commit.message,
      at: commit.at,
    };
  }

  /** Every document with a head, by id. */
  async documents(): Promise<SyncDocumentSummary[]> {
    const rows = await this.db.query<{
      document_id: string;
      kind: DocumentKind;
      commit_id: string;
      commits: string | number;
      updated_at: Date | string;
    }>(
      `SELECT r.document_id, c.kind, r.commit_id, r.updated_at,
         (SELECT count(*) FROM sync_commits h WHERE h.document_id = r.document_id AND h.in_history) AS commits
       FROM sync_refs r JOIN sync_commits c ON c.commit_id = r.commit_id
       WHERE r.name = $1 ORDER BY r.document_id`,
      [HEAD],
    );
    return rows.map((row) => ({
      documentId: row.document_id,
      kind: row.kind,
      head: row.commit_id,
      commits: Number(row.commits),
      updatedAt: new Date(row.updated_at).toISOString(),
    }));
  }

  // ---- named branches (migration 018) ------------------------------------------------------
  //
  // A branch is a ref beside head. Its commits are rows like head's, not `in_history` (head's
  // first-parent chain) until a fast-forward brings them in; what a branch holds is what its
  // tip reaches through the parents graph (`reaches`).

  /** The commit a ref points at (`head` or a branch name); undefined when there is no such ref. */
  async ref(documentId: string, name: string): Promise<string | undefined> {
    const [row] = await this.db.query<{ commit_id: string }>(
      'SELECT commit_id FROM sync_refs WHERE document_id = $1 AND name = $2',
      [documentId, name],
    );
    return row?.commit_id;
  }

  /** The document's branches (head left out), by name. */
  async branches(documentId: string): Promise<SyncBranch[]> {
    const rows = await this.db.query<BranchRow>(
      'SELECT * FROM sync_refs WHERE document_id = $1 AND name <> $2 ORDER BY name',
      [documentId, HEAD],
    );
    return rows.map(branchOf);
  }

  async branch(documentId: string, name: string): Promise<SyncBranch | undefined> {
    if (name === HEAD) return undefined;
    const [row] = await this.db.query<BranchRow>('SELECT * FROM sync_refs WHERE document_id = $1 AND name = $2', [
      documentId,
      name,
    ]);
    return row && branchOf(row);
  }

  /**
   * Creates branch `name` at `commitId`, once: an existing branch is left as it is (created:
   * false, with the branch as it is). The commit must be one of the document's (the caller
   * checks it is reachable from a ref).
   */
  async createBranch(
    documentId: string,
    name: string,
    commitId: string,
    createdBy: string,
  ): Promise<{ branch: SyncBranch; created: boolean }> {
    if (name === HEAD) throw new SyncStoreError(`name: ${HEAD} is the document's head, not a branch`);
    if (!(await this.commit(documentId, commitId))) {
      throw new SyncStoreError(`at: ${commitId} is not a commit of document ${documentId}`);
    }
    const inserted = await this.db.query(
      `INSERT INTO sync_refs (document_id, name, commit_id, created_by) VALUES ($1, $2, $3, $4)
       ON CONFLICT (document_id, name) DO NOTHING RETURNING name`,
      [documentId, name, commitId, createdBy],
    );
    const branch = await this.branch(documentId, name);
    if (!branch) throw new Error(`sync branch ${documentId}/${name} vanished after it was written`);
    return { branch, created: inserted.length > 0 };
  }

  /** Deletes a branch (never head, never a commit); the branch as it was, undefined when there was none. */
  async deleteBranch(documentId: string, name: string): Promise<SyncBranch | undefined> {
    if (name === HEAD) throw new SyncStoreError(`name: ${HEAD} cannot be deleted`);
    const [row] = await this.db.query<BranchRow>(
      'DELETE FROM sync_refs WHERE document_id = $1 AND name = $2 RETURNING *',
      [documentId, name],
    );
    return row && branchOf(row);
  }

  /**
   * Compare and set on a branch: moves it from `expected` to `commitId`, whose first parent must
   * be `expected` (a branch is a first-parent chain too). true when it moved or already is at
   * `commitId`; false when it is anywhere else (or gone). The commit stays out of head's history.
   */
  async moveBranch(documentId: string, name: string, expected: string, commitId: string): Promise<boolean> {
    if (name === HEAD) throw new SyncStoreError('moveBranch moves branches; head moves with moveHead');
    return this.db.transaction(async (tx) => {
      const [row] = await tx.query<CommitRow>('SELECT * FROM sync_commits WHERE commit_id = $1', [commitId]);
      if (!row || row.document_id !== documentId) {
        throw new SyncStoreError(`commit ${commitId} is not a commit of document ${documentId}`);
      }
      if (parentsOf(row)[0] !== expected) {
        throw new SyncStoreError(
          `commit ${commitId} has first parent ${parentsOf(row)[0] ?? '(none)'}, not ${expected}`,
        );
      }
      const moved = await tx.query(
        `UPDATE sync_refs SET commit_id = $3, updated_at = now()
         WHERE document_id = $1 AND name = $2 AND commit_id = $4 RETURNING commit_id`,
        [documentId, name, commitId, expected],
      );
      if (moved.length > 0) return true;
      const [now] = await tx.query<{ commit_id: string }>(
        'SELECT commit_id FROM sync_refs WHERE document_id = $1 AND name = $2',
        [documentId, name],
      );
      return now?.commit_id === commitId;
    });
  }

  /** Whether `tip` reaches `commitId` through the parents graph (a commit reaches itself). */
  async reaches(documentId: string, tip: string, commitId: string): Promise<boolean> {
    if (tip === commitId) return (await this.commit(documentId, tip)) !== undefined;
    const rows = await this.db.query(
      `WITH RECURSIVE reached(commit_id) AS (
         SELECT commit_id FROM sync_commits WHERE commit_id = $2 AND document_id = $1
         UNION
         SELECT p.parent FROM reached r JOIN sync_commits c ON c.commit_id = r.commit_id,
           LATERAL jsonb_array_elements_text(c.parents) AS p(parent)
       ) SELECT 1 FROM reached WHERE commit_id = $3 LIMIT 1`,
      [documentId, tip, commitId],
    );
    return rows.length > 0;
  }

  /** Every commit `tip` reaches through the parents graph (itself included). */
  async reachableFrom(documentId: string, tip: string): Promise<Set<string>> {
    const rows = await this.db.query<{ commit_id: string }>(
      `WITH RECURSIVE reached(commit_id) AS (
         SELECT commit_id FROM sync_commits WHERE commit_id = $2 AND document_id = $1
         UNION
         SELECT p.parent FROM reached r JOIN sync_commits c ON c.commit_id = r.commit_id,
           LATERAL jsonb_array_elements_text(c.parents) AS p(parent)
       ) SELECT commit_id FROM reached`,
      [documentId, tip],
    );
    return new Set(rows.map((row) => row.commit_id));
  }

  /** Whether any ref of the document (head or a branch) reaches `commitId`. */
  async reachedByAnyRef(documentId: string, commitId: string): Promise<boolean> {
    if (await this.isAncestor(documentId, commitId)) return true;
    const refs = await this.db.query<{ commit_id: string }>('SELECT commit_id FROM sync_refs WHERE document_id = $1', [
      documentId,
    ]);
    for (const { commit_id } of refs) if (await this.reaches(documentId, commit_id, commitId)) return true;
    return false;
  }

  /** The first-parent chain from `tip`, newest first: [tip, its first parent, ...] (bounded by `limit`). */
  async firstParentChain(documentId: string, tip: string, limit = 10_000): Promise<SyncCommit[]> {
    const rows = await this.db.query<CommitRow & { depth: number }>(
      `WITH RECURSIVE chain(commit_id, depth) AS (
         SELECT commit_id, 0 FROM sync_commits WHERE commit_id = $2 AND document_id = $1
         UNION ALL
         SELECT c.parents->>0, chain.depth + 1 FROM chain JOIN sync_commits c ON c.commit_id = chain.commit_id
         WHERE jsonb_array_length(c.parents) > 0 AND chain.depth < $3
       ) SELECT s.*, chain.depth FROM chain JOIN sync_commits s ON s.commit_id = chain.commit_id ORDER BY chain.depth`,
      [documentId, tip, limit],
    );
    return rows.map(commitOf);
  }

  /** A branch's log, newest first, a page at a time like `log` (its first-parent chain from its tip). */
  async branchLog(
    documentId: string,
    name: string,
    options: { limit?: number; before?: string } = {},
  ): Promise<SyncLogPage | undefined> {
    const tip = await this.ref(documentId, name);
    if (tip === undefined) return undefined;
    const limit = Math.min(Math.max(1, Math.floor(options.limit ?? 50)), MAX_LOG_PAGE);
    let chain = await this.firstParentChain(documentId, tip);
    if (options.before !== undefined) {
      const at = chain.findIndex((commit) => commit.commitId === options.before);
      if (at < 0)
        throw new SyncStoreError(`before: ${options.before} is not a commit of branch ${name} of ${documentId}`);
      chain = chain.slice(at + 1);
    }
    const entries = chain.slice(0, limit).map(({ commitId, parents, author, message, at, stats }) => ({
      commitId,
      parents,
      author,
      message,
      at,
      stats,
    }));
    return chain.length > limit ? { entries, next: entries[entries.length - 1]!.commitId } : { entries };
  }

  /**
   * Fast-forward: moves head from `expected` to `tip` when `expected` is on tip's first-parent
   * chain, and puts the chain's commits after `expected` into the history (in_history: their
   * seq order is their chain order, each inserted after its parent). true when it moved or head
   * already is `tip`; false when head is elsewhere. Answers how many commits came in.
   */
  async fastForward(documentId: string, expected: string, tip: string): Promise<{ moved: boolean; brought: number }> {
    const chain = await this.firstParentChain(documentId, tip);
    const at = chain.findIndex((commit) => commit.commitId === expected);
    if (at < 0)
      throw new SyncStoreError(`head ${expected} is not on the first-parent chain of ${tip}: not a fast-forward`);
    const brought = chain.slice(0, at).map((commit) => commit.commitId);
    return this.db.transaction(async (tx) => {
      const moved = await tx.query(
        `UPDATE sync_refs SET commit_id = $3, updated_at = now()
         WHERE document_id = $1 AND name = $2 AND commit_id = $4 RETURNING commit_id`,
        [documentId, HEAD, tip, expected],
      );
      if (moved.length === 0) return { moved: (await headIn(tx, documentId)) === tip, brought: brought.length };
      await tx.query('UPDATE sync_commits SET in_history = true WHERE commit_id = ANY($1::text[])', [brought]);
      return { moved: true, brought: brought.length };
    });
  }

  /** Adds a hook; an existing id is left as it is (created: false). */
  async addHook(hook: Omit<SyncHook, 'createdAt'>): Promise<{ hook: SyncHookView; created: boolean }> {
    const inserted = await this.db.query(
      `INSERT INTO sync_hooks (hook_id, url, secret, kinds, documents, timeout_ms, ord, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (hook_id) DO NOTHING RETURNING hook_id`,
      [
        hook.hookId,
        hook.url,
        hook.secret,
        JSON.stringify(hook.kinds),
        hook.documents,
        hook.timeoutMs,
        hook.order,
        hook.createdBy,
      ],
    );
    const stored = await this.hook(hook.hookId);
    if (!stored) throw new Error(`sync hook ${hook.hookId} vanished after it was written`);
    return { hook: stored, created: inserted.length > 0 };
  }

  async hook(hookId: string): Promise<SyncHookView | undefined> {
    const [row] = await this.db.query<HookRow>('SELECT * FROM sync_hooks WHERE hook_id = $1', [hookId]);
    return row && hookViewOf(row);
  }

  /** Every hook in the order they run (secrets left out). */
  async hooks(): Promise<SyncHookView[]> {
    return (await this.hookRows()).map(hookViewOf);
  }

  /** The hooks in run order, each with a signer: only the hook runner needs this. */
  async signingHooks(): Promise<SigningHook[]> {
    return (await this.hookRows()).map((row) => {
      const secret = row.secret;
      const hook: SigningHook = {
        ...hookViewOf(row),
        sign: (body, unixSeconds) => signTimestamped(body, secret, unixSeconds),
      };
      return hook;
    });
  }

  /** true when it existed. */
  async removeHook(hookId: string): Promise<boolean> {
    const rows = await this.db.query('DELETE FROM sync_hooks WHERE hook_id = $1 RETURNING hook_id', [hookId]);
    return rows.length > 0;
  }

  private hookRows(): Promise<HookRow[]> {
    return this.db.query<HookRow>('SELECT * FROM sync_hooks ORDER BY ord, hook_id');
  }

  private async anyCommit(commitId: string): Promise<SyncCommit | undefined> {
    const [row] = await this.db.query<CommitRow>('SELECT * FROM sync_commits WHERE commit_id = $1', [commitId]);
    return row && commitOf(row);
  }
}

async function headIn(db: SqlExecutor, documentId: string): Promise<string | undefined> {
  const [row] = await db.query<{ commit_id: string }>(
    'SELECT commit_id FROM sync_refs WHERE document_id = $1 AND name = $2',
    [documentId, HEAD],
  );
  return row?.commit_id;
}

function parsed<T>(value: T | string): T {
  return typeof value === 'string' ? (JSON.parse(value) as T) : value;
}

function parentsOf(row: CommitRow): string[] {
  return parsed(row.parents);
}

function commitOf(row: CommitRow): SyncCommit {
  return {
    commitId: row.commit_id,
    documentId: row.document_id,
    kind: row.kind,
    parents: parentsOf(row),
    author: row.author,
    message: row.message,
    at: row.at,
    contentHash: row.content_hash,
    metadataHash: row.metadata_hash,
    patch: JSON.parse(row.patch) as PatchOperation[],
    metadataPatch: JSON.parse(row.metadata_patch) as PatchOperation[],
    stats: parsed(row.stats),
    ...(row.revert_of ? { revertOf: row.revert_of } : {}),
  };
}

function branchOf(row: BranchRow): SyncBranch {
  return {
    name: row.name,
    commitId: row.commit_id,
    createdBy: row.created_by ?? '',
    at: new Date(row.created_at).toISOString(),
  };
}

function hookViewOf(row: HookRow): SyncHookView {
  return {
    hookId: row.hook_id,
    url: row.url,
    kinds: parsed(row.kinds),
    documents: row.documents,
    timeoutMs: Number(row.timeout_ms),
    order: Number(row.ord),
    createdBy: row.created_by,
    createdAt: new Date(row.created_at).toISOString(),
  };
}
