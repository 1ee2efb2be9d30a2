import { z } from 'zod';
import type { Role } from '../../domain/roles';
import {
  DOCUMENT_KINDS,
  SYNC_LIMITS,
  type BranchOutcome,
  type CommitOutcome,
  type CommitStats,
  type DocumentSyncView,
  type SyncBranch,
  type PatchOperation,
  type SyncCommitContent,
  type SyncHook,
  type SyncLogEntry,
} from '../../domain/sync/sync-types';
import { syncDocumentIdSchema } from '../../domain/sync/document-sync-input';
import { syncBranchNameSchema } from '../../domain/sync/branch-names';
import type { SyncDocumentSummary } from '../../db/sync-store';
import { refuseUnknownKeys } from '../../domain/validation';
import type { Caller } from './operations';

/*
 * Data sync through the API and the CLI (issue #15): the request shapes both parse, the roles
 * each action needs, and the SyncOperations port with its Temporal adapter
 * (sync-temporal-operations.ts) and HTTP adapter (sync-http-operations.ts), so the gateway,
 * the CLI through a gateway and the CLI on Temporal directly refuse alike.
 */

/** Reading documents (head, log, a commit, a diff): `viewer` (domain/roles.ts; the live stream's sync area says the same). */
export const SYNC_READ_ROLES: readonly Role[] = ['viewer'];
/** Commits and reverts: `editor` (and `admin`, who holds every role: domain/roles.ts hasAnyRole). */
export const SYNC_WRITE_ROLES: readonly Role[] = ['editor'];
/** Creating branches and merging them: as committing (`editor`). */
export const SYNC_BRANCH_ROLES: readonly Role[] = SYNC_WRITE_ROLES;
/**
 * Deleting a branch: `admin` (domain/sync/document-sync-state.ts SYNC_BRANCH_DELETER_ROLES, the
 * workflow's own rule). It removes no commit, but an unmerged branch's work is then named by nothing.
 */
export const SYNC_BRANCH_DELETE_ROLES: readonly Role[] = ['admin'];
/** Validation hooks run on every commit and post to outside URLs with a secret: admins only. */
export const SYNC_HOOK_ROLES: readonly Role[] = ['admin'];

/** PostgreSQL text cannot hold U+0000: refused here as bad input rather than failing in the store. */
const text = (max: number) =>
  z
    .string()
    .min(1, 'must not be empty')
    .max(max)
    .refine((value) => !value.includes('\0'), 'must not contain NUL characters');

/** A document id (domain/sync/document-sync-input.ts: the workflow checks its start input by the same rule). */
export const documentIdSchema = syncDocumentIdSchema.describe('the document, e.g. plan-7');

/** A branch name (domain/sync/branch-names.ts: git-like, not `head`). */
export const branchNameSchema = syncBranchNameSchema.describe(
  'a branch name: letters, digits, . _ - /, no "..", not head, at most 100 characters',
);

/** A commit id: the sha256 hex of the commit (domain/sync: commitIdOf). */
export const commitIdSchema = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'a commit id: 64 lower-case hex digits')
  .describe('a commit id (sha256 hex)');

export const documentKindSchema = z
  .enum(DOCUMENT_KINDS)
  .describe(`the document's kind: ${DOCUMENT_KINDS.join(', ')}; after the first commit it must be the document's`);

/** An idempotency key; also the Update's id, so a retried request is answered once. */
const requestIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'letters, digits and . _ : - (at most 128)')
  .describe('idempotency key: the same again answers the first result (default: a fresh one)');

/** Fields the server decides: a body naming them is refused naming the field. */
const SERVER_FIELDS = {
  actor: 'the author is the authenticated caller',
  author: 'the author is the authenticated caller',
  roles: "the roles are the caller's token's",
  contentHash: 'the server stages the content and computes its hash',
  contentBytes: 'the server measures the content',
  at: 'the time is the workflow time the change is accepted',
  createdBy: 'who adds a hook is the authenticated caller',
  createdAt: 'the time is the server time the hook is added',
};

/** POST /v1/sync/{documentId}/commits and `arxflow sync commit`. */
export const commitBodyShape = z.object({
  content: z
    .unknown()
    .refine((value) => value !== undefined, 'required: the document as JSON')
    .describe(`the whole document (JSON; at most ${SYNC_LIMITS.maxContentBytes} bytes as canonical JSON)`),
  kind: documentKindSchema.optional().describe("default: the document's kind, or json for a new document"),
  parent: commitIdSchema
    .optional()
    .describe(
      'the commit the edit is based on (absent only for the first commit); a stale one merges or is a 409 conflict',
    ),
  metadata: z
    .unknown()
    .optional()
    .describe(`small JSON kept beside the content (at most ${SYNC_LIMITS.maxMetadataBytes} bytes); default {}`),
  message: text(SYNC_LIMITS.maxMessageChars).describe(
    'why (a line `Override: <reason>` lets a reviewer commit a plan with a new violation)',
  ),
  requestId: requestIdSchema.optional(),
  branch: branchNameSchema
    .optional()
    .describe('commit onto this branch (its tip moves by compare and set from `parent`); default head'),
});
export const commitBodySchema = commitBodyShape
  .catchall(z.unknown())
  .superRefine(refuseUnknownKeys(Object.keys(commitBodyShape.shape), SERVER_FIELDS, 'a commit'));
export type CommitBody = z.input<typeof commitBodyShape>;

/** POST /v1/sync/{documentId}/revert and `arxflow sync revert`. */
export const revertBodyShape = z.object({
  commitId: commitIdSchema.describe('the commit whose content and metadata the new commit restores'),
  message: text(SYNC_LIMITS.maxMessageChars).optional().describe('default: Revert "<message of commitId>"'),
  requestId: requestIdSchema.optional(),
});
export const revertBodySchema = revertBodyShape
  .catchall(z.unknown())
  .superRefine(refuseUnknownKeys(Object.keys(revertBodyShape.shape), SERVER_FIELDS, 'a revert'));
export type RevertBody = z.input<typeof revertBodyShape>;

/** POST /v1/sync/{documentId}/branches and `arxflow sync branch create`. */
export const branchBodyShape = z.object({
  name: branchNameSchema,
  at: commitIdSchema
    .optional()
    .describe('the commit the branch starts at (head or a branch must reach it); default head'),
  requestId: requestIdSchema.optional(),
});
export const branchBodySchema = branchBodyShape
  .catchall(z.unknown())
  .superRefine(refuseUnknownKeys(Object.keys(branchBodyShape.shape), SERVER_FIELDS, 'a branch'));
export type BranchBody = z.input<typeof branchBodyShape>;

/** POST /v1/sync/{documentId}/merge and `arxflow sync merge`. */
export const mergeBodyShape = z.object({
  branch: branchNameSchema.describe('the branch to merge into head'),
  message: text(SYNC_LIMITS.maxMessageChars).describe(
    "the merge commit's message (kept in the audit entry of a fast-forward)",
  ),
  requestId: requestIdSchema.optional(),
});
export const mergeBodySchema = mergeBodyShape
  .catchall(z.unknown())
  .superRefine(refuseUnknownKeys(Object.keys(mergeBodyShape.shape), SERVER_FIELDS, 'a merge'));
export type MergeBody = z.input<typeof mergeBodyShape>;

/** `?branch=` of the reads (log, show, diff): a branch of the document; absent: head. */
const branchQuery = branchNameSchema.optional().describe('read this branch instead of head');

/** GET /v1/sync/{documentId}/log and `arxflow sync log`. */
export const logQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    before: commitIdSchema.optional().describe('the page after this commit (the last of the previous page)'),
    branch: branchQuery,
  })
  .strict();
export type LogQuery = z.input<typeof logQuerySchema>;

/** GET /v1/sync/{documentId}/diff and `arxflow sync diff`. */
export const diffQuerySchema = z
  .object({
    from: commitIdSchema.describe('the older side'),
    to: commitIdSchema.describe('the newer side'),
    branch: branchQuery.describe('both sides must be commits this branch reaches; absent: of head'),
  })
  .strict();

/** GET /v1/sync/{documentId}/commits/{commitId} and `arxflow sync show`: `?branch=`. */
export const showQuerySchema = z.object({ branch: branchQuery }).strict();
export type DiffQuery = z.input<typeof diffQuerySchema>;

/** GET /v1/sync and `arxflow sync list`. */
export const documentListSchema = z
  .object({
    kind: documentKindSchema.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();
export type DocumentListFilter = z.input<typeof documentListSchema>;

const hookIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'a hook id: lower-case letters, digits, _ or - (at most 63)');

/** POST /v1/sync/hooks and `arxflow sync hooks add`. */
export const hookBodyShape = z.object({
  hookId: hookIdSchema.describe('names the hook in denials and `hooks remove`'),
  url: text(2000)
    .refine((url) => URL.canParse(url) && /^https?:$/.test(new URL(url).protocol), 'must be an http(s) URL')
    .describe('receives HookRequestBody as a signed POST and must answer {allow, reasons}'),
  secret: text(500)
    .refine((secret) => secret.length >= 16, 'at least 16 characters')
    .describe('signs each request (x-arxflow-signature: t=<unix>,v1=<hex>); never returned'),
  kinds: z.array(documentKindSchema).max(DOCUMENT_KINDS.length).default([]).describe('kinds it applies to; [] all'),
  documents: text(200).default('*').describe('a glob of document ids (`*` any run of characters)'),
  timeoutMs: z
    .number()
    .int()
    .min(100)
    .max(30_000)
    .default(5_000)
    .describe('no answer in time is a deny naming the hook'),
  order: z.number().int().min(0).max(10_000).default(100).describe('hooks run in ascending order'),
});
export const hookBodySchema = hookBodyShape
  .catchall(z.unknown())
  .superRefine(refuseUnknownKeys(Object.keys(hookBodyShape.shape), SERVER_FIELDS, 'a hook'));
export type HookBody = z.input<typeof hookBodyShape>;
export { hookIdSchema };

/** A hook as reads show it: everything but its secret. */
export type SyncHookListing = Omit<SyncHook, 'secret'>;

/** What a commit or revert answers when it is in (201) and `sync commit --json` prints (plus `merged`). */
export interface CommitAnswer {
  commitId: string;
  parents: string[];
  documentId: string;
  stats: CommitStats;
  merged: boolean;
  /** A commit onto a branch. */
  branch?: string;
  /** A merge that moved head onto the branch's tip (`commitId`). */
  fastForward?: boolean;
}

/** What a diff answers: the RFC 6902 patch from `from`'s content to `to`'s, and its readable lines. */
export interface SyncDiff {
  documentId: string;
  from: string;
  to: string;
  patch: PatchOperation[];
  metadataPatch: PatchOperation[];
  /** Readable path-level lines (domain/sync/json-diff.ts): `spaces[id=S2].areaSqft: 400 -> 650`, `lines[id=L3]: added`. */
  changes: string[];
}

/** One document as GET /v1/sync lists it (the store's summary). */
export type { SyncDocumentSummary } from '../../db/sync-store';

/** A page of the log, newest first; `next` is the `before` of the next page (absent on the last). */
export interface SyncLogPage {
  documentId: string;
  commits: SyncLogEntry[];
  next?: string;
}

/**
 * What the gateway's /v1/sync routes and the CLI's `sync` commands do. A commit or revert
 * answers its CommitOutcome (committed, denied by a hook, or in conflict); bad input is an
 * ApiError 400 naming the field with nothing written, a missing role 403, an unknown
 * document or commit 404.
 */
export interface SyncOperations {
  commit(documentId: string, body: CommitBody, caller: Caller): Promise<CommitOutcome>;
  revert(documentId: string, body: RevertBody, caller: Caller): Promise<CommitOutcome>;
  /** The document's head view: the workflow's syncStatus query, or the store's when no worker answers. */
  head(documentId: string): Promise<DocumentSyncView>;
  documents(filter: DocumentListFilter): Promise<SyncDocumentSummary[]>;
  /** Head's history, or with `branch` the branch's (its first-parent chain). */
  log(documentId: string, query: LogQuery): Promise<SyncLogPage>;
  /** One commit with its content; the head's (the branch's tip) when `commitId` is absent. */
  show(documentId: string, commitId?: string, branch?: string): Promise<SyncCommitContent>;
  /** A branch at a commit (default head); 400 naming `name` when it exists, `at` when the commit is not reachable. */
  createBranch(documentId: string, body: BranchBody, caller: Caller): Promise<BranchOutcome>;
  branches(documentId: string): Promise<SyncBranch[]>;
  /** Deletes a branch (never a commit); 404 when there is none. */
  deleteBranch(documentId: string, name: string, caller: Caller): Promise<BranchOutcome>;
  /** Merges a branch into head: answered like a commit (fastForward, or a merge commit; conflict; denied). */
  merge(documentId: string, body: MergeBody, caller: Caller): Promise<CommitOutcome>;
  diff(documentId: string, query: DiffQuery): Promise<SyncDiff>;
  listHooks(caller: Caller): Promise<SyncHookListing[]>;
  addHook(body: HookBody, caller: Caller): Promise<SyncHookListing>;
  removeHook(hookId: string, caller: Caller): Promise<{ removed: boolean }>;
}
