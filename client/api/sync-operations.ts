import { z } from 'zod';
import type { Role } from '../../domain/roles';
import {
  DOCUMENT_KINDS,
  SYNC_LIMITS,
  type CommitOutcome,
  type CommitStats,
  type DocumentKind,
  type DocumentSyncView,
  type PatchOperation,
  type SyncCommitContent,
  type SyncHook,
  type SyncLogEntry,
} from '../../domain/sync/sync-types';
import { syncDocumentIdSchema } from '../../domain/sync/document-sync-input';
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

/** GET /v1/sync/{documentId}/log and `arxflow sync log`. */
export const logQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    before: commitIdSchema.optional().describe('the page after this commit (the last of the previous page)'),
  })
  .strict();
export type LogQuery = z.input<typeof logQuerySchema>;

/** GET /v1/sync/{documentId}/diff and `arxflow sync diff`. */
export const diffQuerySchema = z
  .object({ from: commitIdSchema.describe('the older side'), to: commitIdSchema.describe('the newer side') })
  .strict();
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

/** One document as GET /v1/sync lists it. */
export interface SyncDocumentSummary {
  documentId: string;
  kind: DocumentKind;
  head: string;
  commits: number;
  updatedAt: string;
}

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
  log(documentId: string, query: LogQuery): Promise<SyncLogPage>;
  /** One commit with its content; the head's when `commitId` is absent. */
  show(documentId: string, commitId?: string): Promise<SyncCommitContent>;
  diff(documentId: string, query: DiffQuery): Promise<SyncDiff>;
  listHooks(caller: Caller): Promise<SyncHookListing[]>;
  addHook(body: HookBody, caller: Caller): Promise<SyncHookListing>;
  removeHook(hookId: string, caller: Caller): Promise<{ removed: boolean }>;
}
