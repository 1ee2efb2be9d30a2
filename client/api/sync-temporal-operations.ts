import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { WorkflowIdConflictPolicy, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { canonicalJson } from '../../domain/canonical-json';
import { hasAnyRole, type Role } from '../../domain/roles';
import { checkDocumentContent, idFieldsOf } from '../../domain/sync/document-kinds';
import { jsonPatch, readableChanges } from '../../domain/sync/json-diff';
import { jsonContentIssues } from '../../domain/sync/json-content';
import {
  documentSyncWorkflowId,
  SYNC_LIMITS,
  type BranchOutcome,
  type CommitOutcome,
  type CommitRequest,
  type SyncBranch,
  type DocumentKind,
  type DocumentSyncView,
  type JsonValue,
  type SyncCommitContent,
} from '../../domain/sync/sync-types';
import { InputError, parseInput } from '../../domain/validation';
import { SyncStoreError, type SyncStore } from '../../db/sync-store';
import {
  commitUpdate,
  createBranchUpdate,
  deleteBranchUpdate,
  mergeUpdate,
  revertUpdate,
  syncStatusQuery,
} from '../../workflows/sync/sync-messages';
import { ApiError, badInput, notFound, unavailable } from './errors';
import type { Caller } from './operations';
import {
  branchBodySchema,
  branchNameSchema,
  commitBodySchema,
  diffQuerySchema,
  mergeBodySchema,
  showQuerySchema,
  SYNC_BRANCH_DELETE_ROLES,
  SYNC_BRANCH_ROLES,
  type BranchBody,
  type MergeBody,
  documentIdSchema,
  documentListSchema,
  hookBodySchema,
  hookIdSchema,
  logQuerySchema,
  revertBodySchema,
  SYNC_HOOK_ROLES,
  SYNC_WRITE_ROLES,
  type CommitBody,
  type DiffQuery,
  type DocumentListFilter,
  type HookBody,
  type LogQuery,
  type RevertBody,
  type SyncDiff,
  type SyncDocumentSummary,
  type SyncHookListing,
  type SyncLogPage,
  type SyncOperations,
} from './sync-operations';
import { withinDeadline } from './temporal-deadline';
import { translate } from './temporal-errors';

/** The workflow type of a document's history (workflows/sync/document-sync.ts). */
export const DOCUMENT_SYNC_WORKFLOW_TYPE = 'documentSync';

/** A head view waits this long for a worker before the store answers instead (no pending or refused then). */
const LIVE_QUERY_MS = 5_000;
/** The head view's newest commits (as the workflow's syncStatus holds them). */
const RECENT = 20;

export interface TemporalSyncDeps {
  /** Or how to connect when first needed (the CLI: bad input exits 2 without a connection). */
  client: Client | (() => Promise<Client>);
  taskQueue: string;
  /** The store the worker's activities use (content is staged there); or how to open it when first needed. */
  store: SyncStore | (() => Promise<SyncStore>);
  /** The config file's sync.maxContentBytes (only lowers SYNC_LIMITS.maxContentBytes); a function: read when a commit needs it. */
  maxContentBytes?: number | (() => number | undefined);
}

/**
 * SyncOperations on Temporal and the store: what the gateway serves and what the CLI does
 * without a gateway. A change is checked here first (JSON, size, the kind's schema, the parent
 * in the document's history), its content staged by hash, and only then sent to the
 * document's workflow as the `commit` Update (started first if it is not running: one
 * workflow per document, USE_EXISTING), which answers a retried request id once. Reads (log,
 * show, diff, documents) come from the store.
 */
export class TemporalSyncOperations implements SyncOperations {
  constructor(private readonly deps: TemporalSyncDeps) {}

  async commit(documentId: string, body: CommitBody, caller: Caller): Promise<CommitOutcome> {
    requireRoles(caller, SYNC_WRITE_ROLES, 'commit to a document');
    const id = validate(documentIdSchema, documentId, 'documentId');
    const request = validate(commitBodySchema, body, 'commit');
    const metadata = checkMetadata(request.metadata ?? {});
    const content = checkSize(request.content, 'content', this.maxContentBytes());
    const store = await this.store();
    const current = await documentOf(store, id);
    const kind = checkKind(request.kind, current);
    validateWith(() => checkDocumentContent(kind, content));
    if (request.branch !== undefined) {
      const tip = await branchTip(store, id, request.branch);
      if (request.parent === undefined) {
        const message = `required: branch ${request.branch} is at ${tip}; name the commit your edit is based on`;
        throw badInput(`parent: ${message}`, [{ path: 'parent', message }]);
      }
      if (!(await store.reaches(id, tip, request.parent))) {
        const message = `${request.parent} is not a commit in the history of branch ${request.branch} of ${id}`;
        throw badInput(`parent: ${message}`, [{ path: 'parent', message }]);
      }
    } else if (request.parent !== undefined) await checkInHistory(store, id, request.parent, 'parent');
    else if (current) {
      throw badInput(
        `parent: required: ${id} has commits (head ${current.head}); name the commit your edit is based on`,
        [{ path: 'parent', message: `required: ${id} has commits (head ${current.head})` }],
      );
    }
    const { contentHash, bytes } = await store.stageContent(content);
    const change: CommitRequest = {
      requestId: request.requestId ?? randomUUID(),
      actor: caller.subject,
      roles: [...caller.roles],
      kind,
      ...(request.parent === undefined ? {} : { parent: request.parent }),
      contentHash,
      contentBytes: bytes,
      metadata,
      message: request.message,
      ...(request.branch === undefined ? {} : { branch: request.branch }),
    };
    return this.send(id, (handle) =>
      handle.executeUpdate(commitUpdate, { args: [change], updateId: callUpdateId(change.requestId) }),
    );
  }

  async createBranch(documentId: string, body: BranchBody, caller: Caller): Promise<BranchOutcome> {
    requireRoles(caller, SYNC_BRANCH_ROLES, 'create a branch');
    const id = validate(documentIdSchema, documentId, 'documentId');
    const request = validate(branchBodySchema, body, 'branch');
    const store = await this.store();
    const head = await store.head(id);
    if (head === undefined) throw notFound(`no document ${id}: commit to it before branching`);
    const existing = await store.branch(id, request.name);
    if (existing) {
      const message = `${id} has a branch ${request.name} already (at ${existing.commitId})`;
      throw new ApiError(`name: ${message}`, 409, 'exists');
    }
    if (request.at !== undefined && !(await store.reachedByAnyRef(id, request.at))) {
      const message = `${request.at} is not a commit of ${id} that head or a branch reaches`;
      throw badInput(`at: ${message}`, [{ path: 'at', message }]);
    }
    const requestId = request.requestId ?? randomUUID();
    const create = {
      requestId,
      actor: caller.subject,
      roles: [...caller.roles],
      name: request.name,
      ...(request.at === undefined ? {} : { at: request.at }),
    };
    return this.send(id, (handle) => handle.executeUpdate(createBranchUpdate, { args: [create], updateId: requestId }));
  }

  async branches(documentId: string): Promise<SyncBranch[]> {
    const id = validate(documentIdSchema, documentId, 'documentId');
    const store = await this.store();
    if ((await store.head(id)) === undefined) throw notFound(`no document ${id}`);
    return store.branches(id);
  }

  async deleteBranch(documentId: string, name: string, caller: Caller): Promise<BranchOutcome> {
    requireRoles(caller, SYNC_BRANCH_DELETE_ROLES, 'delete a branch');
    const id = validate(documentIdSchema, documentId, 'documentId');
    const branch = validateWith(() => parseInput(branchNameSchema, name, 'name'));
    if (!(await (await this.store()).branch(id, branch))) throw notFound(`no branch ${branch} of ${id}`);
    const requestId = randomUUID();
    const remove = { requestId, actor: caller.subject, roles: [...caller.roles], name: branch };
    return this.send(id, (handle) => handle.executeUpdate(deleteBranchUpdate, { args: [remove], updateId: requestId }));
  }

  async merge(documentId: string, body: MergeBody, caller: Caller): Promise<CommitOutcome> {
    requireRoles(caller, SYNC_BRANCH_ROLES, 'merge a branch');
    const id = validate(documentIdSchema, documentId, 'documentId');
    const request = validate(mergeBodySchema, body, 'merge');
    await branchTip(await this.store(), id, request.branch);
    const requestId = request.requestId ?? randomUUID();
    const merge = {
      requestId,
      actor: caller.subject,
      roles: [...caller.roles],
      branch: request.branch,
      message: request.message,
    };
    return this.send(id, (handle) =>
      handle.executeUpdate(mergeUpdate, { args: [merge], updateId: callUpdateId(requestId) }),
    );
  }

  async revert(documentId: string, body: RevertBody, caller: Caller): Promise<CommitOutcome> {
    requireRoles(caller, SYNC_WRITE_ROLES, 'revert a document');
    const id = validate(documentIdSchema, documentId, 'documentId');
    const request = validate(revertBodySchema, body, 'revert');
    const store = await this.store();
    // Any version head reaches, a merged branch's commits too (as `show` finds them).
    if (!(await store.inHeadHistory(id, request.commitId))) throw notInHistory(id, request.commitId, 'commitId');
    if ((await store.head(id)) === request.commitId) {
      const message = `${request.commitId} is the head: the document already has its content`;
      throw badInput(`commitId: ${message}`, [{ path: 'commitId', message }]);
    }
    const requestId = request.requestId ?? randomUUID();
    const revert = {
      requestId,
      actor: caller.subject,
      roles: [...caller.roles],
      commitId: request.commitId,
      ...(request.message === undefined ? {} : { message: request.message }),
    };
    return this.send(id, (handle) =>
      handle.executeUpdate(revertUpdate, { args: [revert], updateId: callUpdateId(requestId) }),
    );
  }

  async head(documentId: string): Promise<DocumentSyncView> {
    const id = validate(documentIdSchema, documentId, 'documentId');
    const client = await this.client();
    try {
      return await translate(() =>
        withinDeadline(
          client,
          () => client.workflow.getHandle(documentSyncWorkflowId(id)).query(syncStatusQuery),
          LIVE_QUERY_MS,
        ),
      );
    } catch (err) {
      // No workflow (never started, or gone) or none answering: the store still knows the history.
      if (!(err instanceof ApiError) || (err.status !== 404 && err.status !== 503)) throw err;
      const view = await this.storedView(id);
      if (view) return view;
      if (err.status === 503) throw err;
      throw notFound(`no document ${id}`);
    }
  }

  async documents(filter: DocumentListFilter): Promise<SyncDocumentSummary[]> {
    const { kind, limit } = validate(documentListSchema, filter, 'document list');
    const all = await (await this.store()).documents();
    return all
      .filter((document) => kind === undefined || document.kind === kind)
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
      .slice(0, limit);
  }

  async log(documentId: string, query: LogQuery): Promise<SyncLogPage> {
    const id = validate(documentIdSchema, documentId, 'documentId');
    const { limit, before, branch } = validate(logQuerySchema, query, 'log');
    const store = await this.store();
    if ((await store.head(id)) === undefined) throw notFound(`no document ${id}`);
    try {
      const options = { limit, ...(before === undefined ? {} : { before }) };
      const page = branch === undefined ? await store.log(id, options) : await store.branchLog(id, branch, options);
      if (!page) throw notFound(`no branch ${branch} of ${id}`);
      return { documentId: id, commits: page.entries, ...(page.next ? { next: page.next } : {}) };
    } catch (err) {
      if (err instanceof SyncStoreError) throw badInput(err.message, [{ path: 'before', message: err.message }]);
      throw err;
    }
  }

  async show(documentId: string, commitId?: string, branch?: string): Promise<SyncCommitContent> {
    const id = validate(documentIdSchema, documentId, 'documentId');
    const { branch: on } = validate(showQuerySchema, branch === undefined ? {} : { branch }, 'show');
    const store = await this.store();
    const shown = await store.show(id, commitId, on);
    if (shown) return shown;
    const where = on === undefined ? `document ${id}` : `branch ${on} of ${id}`;
    throw notFound(commitId === undefined ? `no ${where}` : `no commit ${commitId} in ${where}`);
  }

  async diff(documentId: string, query: DiffQuery): Promise<SyncDiff> {
    const id = validate(documentIdSchema, documentId, 'documentId');
    const { from, to, branch } = validate(diffQuerySchema, query, 'diff');
    const [a, b] = await Promise.all([this.show(id, from, branch), this.show(id, to, branch)]);
    return {
      documentId: id,
      from,
      to,
      patch: jsonPatch(a.content, b.content, idFieldsOf(b.kind)),
      metadataPatch: jsonPatch(a.metadata, b.metadata),
      changes: readableChanges(a.content, b.content, b.kind),
    };
  }

  async listHooks(caller: Caller): Promise<SyncHookListing[]> {
    requireRoles(caller, SYNC_HOOK_ROLES, 'read validation hooks');
    return (await this.store()).hooks();
  }

  async addHook(body: HookBody, caller: Caller): Promise<SyncHookListing> {
    requireRoles(caller, SYNC_HOOK_ROLES, 'add a validation hook');
    const hook = validate(hookBodySchema, body, 'hook');
    const { hook: stored, created } = await (
      await this.store()
    ).addHook({
      hookId: hook.hookId,
      url: hook.url,
      secret: hook.secret,
      kinds: hook.kinds,
      documents: hook.documents,
      timeoutMs: hook.timeoutMs,
      order: hook.order,
      createdBy: caller.subject,
    });
    if (!created) throw new ApiError(`hook ${hook.hookId} exists: remove it first to replace it`, 409, 'exists');
    return stored;
  }

  async removeHook(hookId: string, caller: Caller): Promise<{ removed: boolean }> {
    requireRoles(caller, SYNC_HOOK_ROLES, 'remove a validation hook');
    const id = validate(hookIdSchema, hookId, 'hookId');
    if (!(await (await this.store()).removeHook(id))) throw notFound(`no hook ${id}`);
    return { removed: true };
  }

  /**
   * Starts the document's workflow unless it runs (one per document: USE_EXISTING, so
   * concurrent first writers share it), then sends the change. A refusal by the Update's
   * validator (a rule the checks here do not know, such as a kind changed by a commit that
   * landed in between) is 400 when it is about the input, else 422 with its reason; a change
   * the store or a hook kept failing (`SyncUnavailable`) is 503: nothing was committed, retry later.
   */
  private async send<T>(
    documentId: string,
    update: (handle: ReturnType<Client['workflow']['getHandle']>) => Promise<T>,
  ): Promise<T> {
    const client = await this.client();
    const workflowId = documentSyncWorkflowId(documentId);
    await translate(() =>
      withinDeadline(client, () =>
        client.workflow.start(DOCUMENT_SYNC_WORKFLOW_TYPE, {
          workflowId,
          taskQueue: this.deps.taskQueue,
          args: [{ documentId }],
          workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        }),
      ),
    );
    try {
      return await update(client.workflow.getHandle(workflowId));
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) throw refusalOfUpdate(err);
      return translate(() => Promise.reject(err));
    }
  }

  /** The head view from the store alone (no worker answered): no waiting changes or refusals are known. */
  private async storedView(documentId: string): Promise<DocumentSyncView | undefined> {
    const store = await this.store();
    const head = await store.head(documentId);
    if (head === undefined) return undefined;
    const [page, summary, commit] = await Promise.all([
      store.log(documentId, { limit: RECENT }),
      store.documents().then((all) => all.find((document) => document.documentId === documentId)),
      store.commit(documentId, head),
    ]);
    return {
      documentId,
      ...(commit ? { kind: commit.kind } : {}),
      head,
      commits: summary?.commits ?? page.entries.length,
      recent: page.entries,
      pending: 0,
      refused: [],
    };
  }

  private maxContentBytes(): number {
    const { maxContentBytes } = this.deps;
    const configured = typeof maxContentBytes === 'function' ? maxContentBytes() : maxContentBytes;
    return Math.min(SYNC_LIMITS.maxContentBytes, configured ?? SYNC_LIMITS.maxContentBytes);
  }

  private async client(): Promise<Client> {
    const { client } = this.deps;
    return typeof client === 'function' ? client() : client;
  }

  private async store(): Promise<SyncStore> {
    const { store } = this.deps;
    return typeof store === 'function' ? store() : store;
  }
}

/**
 * The Update id of one call carrying a commit, revert or merge. The workflow answers a repeated
 * request id itself (it keeps the answers by request id, and a repeat arriving while the first
 * runs waits for it), so the Update's own id is fresh on each call: Temporal keeps a failed
 * Update's outcome under its id, and a change that failed as SyncUnavailable (the store down)
 * would fail again on every retry of its request id, long after the store was back.
 */
function callUpdateId(requestId: string): string {
  return `${requestId}:${randomUUID()}`;
}

/** Failure types of a refused Update that mean the input (400), not a rule (422). */
const INPUT_FAILURES = new Set(['InvalidInput', 'SyncInputError']);
/** A validator's refusal that starts with one of these fields (`parent: ...`) is bad input naming it. */
const REFUSED_FIELD = /^(kind|parent|commitId|content|contentBytes|metadata|message|branch|name|at): /;

/**
 * The Update failed: its validator refused (a rule the checks here could not see, such as a
 * commit that landed in between), or an activity refused the change for good. About the input:
 * 400 naming the field; the store or a hook unreachable for too long: 503; else 422.
 */
function refusalOfUpdate(err: WorkflowUpdateFailedError): ApiError {
  const cause = err.cause;
  const reason = cause?.message ?? err.message;
  const field = REFUSED_FIELD.exec(reason)?.[1];
  if (field) return badInput(reason, [{ path: field, message: reason.slice(field.length + 2) }]);
  if (cause instanceof ApplicationFailure && INPUT_FAILURES.has(cause.type ?? '')) return badInput(reason);
  if (cause instanceof ApplicationFailure && cause.type === 'SyncUnavailable') return unavailable(reason);
  return new ApiError(`refused: ${reason}`, 422, 'rejected');
}

/** The document's kind and head; undefined before its first commit. */
async function documentOf(
  store: SyncStore,
  documentId: string,
): Promise<{ head: string; kind: DocumentKind } | undefined> {
  const head = await store.head(documentId);
  if (head === undefined) return undefined;
  const commit = await store.commit(documentId, head);
  if (!commit) throw new Error(`document ${documentId}: its head ${head} has no commit row`);
  return { head, kind: commit.kind };
}

/** The kind asked for, else the document's, else `json`; another kind than the document's is refused naming `kind`. */
function checkKind(asked: DocumentKind | undefined, current: { kind: DocumentKind } | undefined): DocumentKind {
  if (asked === undefined) return current?.kind ?? 'json';
  if (current && current.kind !== asked) {
    const message = `the document is a ${current.kind} document: a commit cannot change its kind to ${asked}`;
    throw badInput(`kind: ${message}`, [{ path: 'kind', message }]);
  }
  return asked;
}

/** The branch's tip, or refused naming `branch` when the document has no such branch. */
async function branchTip(store: SyncStore, documentId: string, branch: string): Promise<string> {
  const tip = await store.ref(documentId, branch);
  if (tip !== undefined) return tip;
  const message = `${documentId} has no branch ${branch}`;
  throw badInput(`branch: ${message}`, [{ path: 'branch', message }]);
}

/** Refused naming `field` unless `commitId` is a commit in the document's history. */
async function checkInHistory(store: SyncStore, documentId: string, commitId: string, field: string): Promise<void> {
  if (!(await store.isAncestor(documentId, commitId))) throw notInHistory(documentId, commitId, field);
}

/** Bad input naming `field`: `commitId` is no commit of the document's history. */
function notInHistory(documentId: string, commitId: string, field: string) {
  const message = `${commitId} is not a commit in the history of ${documentId}`;
  return badInput(`${field}: ${message}`, [{ path: field, message }]);
}

/** Plain JSON within `max` bytes of canonical JSON, or refused naming `field`. */
function checkSize(value: unknown, field: string, max: number): JsonValue {
  const issues = jsonContentIssues(value);
  if (issues.length > 0) {
    const named = issues.map((issue) => ({
      path: issue.path === '(root)' ? field : `${field}.${issue.path}`,
      message: issue.message,
    }));
    throw badInput(named.map((issue) => `${issue.path}: ${issue.message}`).join('; '), named);
  }
  const bytes = Buffer.byteLength(canonicalJson(value));
  if (bytes > max) {
    const message = `${bytes} bytes as canonical JSON, over the limit of ${max}`;
    throw badInput(`${field}: ${message}`, [{ path: field, message }]);
  }
  return value as JsonValue;
}

function checkMetadata(metadata: unknown): JsonValue {
  return checkSize(metadata, 'metadata', SYNC_LIMITS.maxMetadataBytes);
}

function requireRoles(caller: Caller, roles: readonly Role[], action: string): void {
  if (!hasAnyRole(caller.roles, roles))
    throw new ApiError(`${action} needs role ${roles.join(' or ')}`, 403, 'forbidden');
}

function validate<S extends z.ZodType>(schema: S, body: unknown, what: string): z.output<S> {
  return validateWith(() => parseInput(schema, body, what));
}

/** A check's InputError as the API's bad input (400, exit 2), its fields kept. */
function validateWith<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof InputError) throw badInput(err.message, err.issues);
    throw err;
  }
}
