import type { z } from 'zod';
import { canonicalJson } from '../canonical-json';
import { refusalOfUnverified } from '../identity-stamp';
import { clonePlain } from '../plain-data';
import { hasAnyRole, type Role } from '../roles';
import { issuesRefusal, issuesText } from '../validation';
import { jsonContentIssues } from './json-content';
import {
  branchCreateRequestSchema,
  branchDeleteRequestSchema,
  commitRequestSchema,
  mergeRequestSchema,
  revertRequestSchema,
} from './sync-requests';
import {
  SYNC_LIMITS,
  type CommitOutcome,
  type DocumentKind,
  type DocumentSyncInput,
  type DocumentSyncView,
  type SyncCommit,
  type SyncLogEntry,
} from './sync-types';
import { utf8Length } from './utf8-length';

/** Who may commit to and revert a document, create branches and merge them (admin may do everything). */
export const SYNC_WRITER_ROLES: readonly Role[] = ['editor', 'admin'];
/**
 * Who may delete a branch: admins. Deleting never removes a commit, but an unmerged branch's
 * commits are then named by nothing (only their ids reach them), a management act like the hooks.
 */
export const SYNC_BRANCH_DELETER_ROLES: readonly Role[] = ['admin'];

// Bounded lists: the state travels in queries and in continue-as-new; the store keeps the history.
export const MAX_RECENT = 20;
export const MAX_REFUSED = 20;
/** Answers kept for repeated request ids (a retried Update across a continue-as-new). */
export const MAX_ANSWERED = 200;

type Carried = NonNullable<DocumentSyncInput['carried']>;
type Refusal = DocumentSyncView['refused'][number];

export interface DocumentSyncLimits {
  /** The config file's `sync.maxContentBytes` (never above SYNC_LIMITS.maxContentBytes). */
  maxContentBytes?: number;
}

/**
 * One document's sync state, as plain data the documentSync workflow drives: its kind, head,
 * commit count, the newest commits and refusals, and the answers to recent request ids.
 * `refusalOfCommit` / `refusalOfRevert` never throw and say why a request must be refused
 * before anything enters history (the Updates' validators); the appliers (`committed`,
 * `refuse`) trust the workflow, which calls them with what its activities answered.
 * Deterministic: no Node APIs, no clock (times are handed in).
 */
export class DocumentSyncState {
  readonly documentId: string;
  kind?: DocumentKind;
  head?: string;
  commits: number;
  /** Newest first. */
  private readonly recent: SyncLogEntry[];
  /** Newest first. */
  private readonly refused: Refusal[];
  /** requestId -> answer, in answering order (oldest first), at most MAX_ANSWERED. */
  private readonly answered: Map<string, CommitOutcome>;
  private readonly maxContentBytes: number;

  constructor(input: DocumentSyncInput, limits: DocumentSyncLimits = {}) {
    const carried = input.carried ? clonePlain(input.carried) : undefined;
    this.documentId = input.documentId;
    if (carried?.kind !== undefined) this.kind = carried.kind;
    if (carried?.head !== undefined) this.head = carried.head;
    this.commits = carried?.commits ?? 0;
    this.recent = (carried?.recent ?? []).slice(0, MAX_RECENT);
    this.refused = (carried?.refused ?? []).slice(0, MAX_REFUSED);
    this.answered = new Map((carried?.answered ?? []).slice(-MAX_ANSWERED));
    this.maxContentBytes = Math.min(SYNC_LIMITS.maxContentBytes, limits.maxContentBytes ?? Infinity);
  }

  // ---- validators ------------------------------------------------------------------------

  /** Why a `commit` request must be refused (undefined: accept). A repeat of an answered request id is accepted: it gets its first answer. */
  refusalOfCommit(request: unknown): string | undefined {
    const parsed = parsedRequest(commitRequestSchema, request);
    if (typeof parsed === 'string') return parsed;
    if (this.answered.has(parsed.requestId)) return undefined;
    const refusal =
      this.refusalOfWriter(parsed, 'commit to') ??
      (parsed.branch === undefined ? undefined : this.refusalOfNoHead('branch', 'commit to a branch')) ??
      this.refusalOfKind(parsed.kind) ??
      this.refusalOfParent(parsed.parent) ??
      this.refusalOfSize(parsed.contentBytes) ??
      refusalOfMetadata(parsed.metadata);
    return refusal;
  }

  /** Why a `revert` request must be refused (undefined: accept). */
  refusalOfRevert(request: unknown): string | undefined {
    const parsed = parsedRequest(revertRequestSchema, request);
    if (typeof parsed === 'string') return parsed;
    if (this.answered.has(parsed.requestId)) return undefined;
    const refusal = this.refusalOfWriter(parsed, 'revert');
    if (refusal) return refusal;
    if (this.head === undefined) return `${this.documentId} has no commits yet: nothing to revert`;
    if (parsed.commitId === this.head)
      return `commitId: ${short(parsed.commitId)} is the head: the document already has its content`;
    return undefined;
  }

  /** Why a `createBranch` request must be refused (undefined: accept; the activity checks the name is free). */
  refusalOfBranchCreate(request: unknown): string | undefined {
    const parsed = parsedRequest(branchCreateRequestSchema, request);
    if (typeof parsed === 'string') return parsed;
    return this.refusalOfWriter(parsed, 'create a branch of') ?? this.refusalOfNoHead('name', 'branch');
  }

  /** Why a `deleteBranch` request must be refused (undefined: accept). */
  refusalOfBranchDelete(request: unknown): string | undefined {
    const parsed = parsedRequest(branchDeleteRequestSchema, request);
    if (typeof parsed === 'string') return parsed;
    if (hasAnyRole(parsed.roles, SYNC_BRANCH_DELETER_ROLES)) return undefined;
    return `${parsed.actor} may not delete a branch of ${this.documentId}: role ${SYNC_BRANCH_DELETER_ROLES.join(' or ')} needed`;
  }

  /** Why a `merge` request must be refused (undefined: accept). A repeat of an answered request id gets its first answer. */
  refusalOfMerge(request: unknown): string | undefined {
    const parsed = parsedRequest(mergeRequestSchema, request);
    if (typeof parsed === 'string') return parsed;
    if (this.answered.has(parsed.requestId)) return undefined;
    return this.refusalOfWriter(parsed, 'merge into') ?? this.refusalOfNoHead('branch', 'merge');
  }

  private refusalOfNoHead(field: string, what: string): string | undefined {
    if (this.head !== undefined) return undefined;
    return `${field}: ${this.documentId} has no commits yet: nothing to ${what} (commit to head first)`;
  }

  private refusalOfWriter(request: { actor: string; roles: string[] }, what: string): string | undefined {
    if (hasAnyRole(request.roles, SYNC_WRITER_ROLES)) return undefined;
    return `${request.actor} may not ${what} ${this.documentId}: role ${SYNC_WRITER_ROLES.join(' or ')} needed`;
  }

  private refusalOfKind(kind: DocumentKind): string | undefined {
    if (this.kind === undefined || this.kind === kind) return undefined;
    return `kind: ${this.documentId} is a ${this.kind} document; a ${kind} cannot be committed to it`;
  }

  private refusalOfParent(parent: string | undefined): string | undefined {
    if (this.head === undefined && parent !== undefined)
      return `parent: ${this.documentId} has no commits yet, so ${short(parent)} cannot be its parent (leave parent out for the first commit)`;
    if (this.head !== undefined && parent === undefined)
      return `parent: required: ${this.documentId} has commits (head ${short(this.head)}); name the commit your change is based on`;
    return undefined;
  }

  private refusalOfSize(contentBytes: number): string | undefined {
    if (contentBytes <= this.maxContentBytes) return undefined;
    return `contentBytes: ${contentBytes} bytes is over the limit of ${this.maxContentBytes} bytes`;
  }

  // ---- appliers ----------------------------------------------------------------------------

  /** The answer given to `requestId` before, if it is still kept. */
  answerOf(requestId: string): CommitOutcome | undefined {
    const answer = this.answered.get(requestId);
    return answer && clonePlain(answer);
  }

  /** A commit was written: head moves, the document takes its kind, the writer's answer is kept. */
  committed(
    requestId: string,
    commit: Pick<SyncCommit, 'commitId' | 'kind' | 'parents' | 'author' | 'message' | 'at' | 'stats'>,
    outcome: CommitOutcome,
  ): void {
    this.kind ??= commit.kind;
    this.head = commit.commitId;
    this.commits += 1;
    const { commitId, parents, author, message, at, stats } = clonePlain(commit);
    this.recent.unshift({ commitId, parents, author, message, at, stats });
    this.recent.splice(MAX_RECENT);
    this.remember(requestId, outcome);
  }

  /** A commit went onto a branch: head stays; the writer's answer is kept (a repeated request id gets it). */
  branchCommitted(requestId: string, outcome: CommitOutcome): void {
    this.remember(requestId, outcome);
  }

  /** A merge moved head onto a branch's tip (fast-forward), bringing `brought` commits into the history. */
  fastForwarded(
    requestId: string,
    tip: Pick<SyncCommit, 'commitId' | 'parents' | 'author' | 'message' | 'at' | 'stats'>,
    brought: number,
    outcome: CommitOutcome,
  ): void {
    this.head = tip.commitId;
    this.commits += brought;
    const { commitId, parents, author, message, at, stats } = clonePlain(tip);
    this.recent.unshift({ commitId, parents, author, message, at, stats });
    this.recent.splice(MAX_RECENT);
    this.remember(requestId, outcome);
  }

  /** A change denied by a hook or in conflict: kept in `refused` (newest first) and as the request's answer. */
  refuse(requestId: string, author: string, at: string, outcome: CommitOutcome): void {
    if (outcome.outcome === 'committed') throw new Error('refuse: a committed outcome is not a refusal');
    const reasons =
      outcome.outcome === 'denied'
        ? outcome.reasons
        : outcome.paths.length > 0
          ? outcome.paths.map((path) => `conflict: ${path}`)
          : [`conflict: the head moved to ${short(outcome.head)}`];
    this.refused.unshift({ requestId, author, at, outcome: outcome.outcome, reasons: [...reasons] });
    this.refused.splice(MAX_REFUSED);
    this.remember(requestId, outcome);
  }

  /** `Revert "<message>"` of a commit still among the recent ones, else `Revert <id>`. */
  revertMessage(commitId: string): string {
    const entry = this.recent.find((commit) => commit.commitId === commitId);
    const message = entry ? `Revert "${entry.message.split('\n')[0]}"` : `Revert ${short(commitId)}`;
    return message.slice(0, SYNC_LIMITS.maxMessageChars);
  }

  // ---- views -------------------------------------------------------------------------------

  /** The `syncStatus` answer; `pending`: requests waiting their turn (the workflow counts them). */
  view(pending = 0): DocumentSyncView {
    const view: DocumentSyncView = {
      documentId: this.documentId,
      commits: this.commits,
      recent: this.recent,
      pending,
      refused: this.refused,
    };
    if (this.kind !== undefined) view.kind = this.kind;
    if (this.head !== undefined) view.head = this.head;
    return clonePlain(view);
  }

  /** What a continued run starts from (`new DocumentSyncState({documentId, carried})`). */
  carried(): Carried {
    const carried: Carried = {
      commits: this.commits,
      recent: this.recent,
      refused: this.refused,
      answered: [...this.answered.entries()],
    };
    if (this.kind !== undefined) carried.kind = this.kind;
    if (this.head !== undefined) carried.head = this.head;
    return clonePlain(carried);
  }

  private remember(requestId: string, outcome: CommitOutcome): void {
    this.answered.delete(requestId);
    this.answered.set(requestId, clonePlain(outcome));
    while (this.answered.size > MAX_ANSWERED) this.answered.delete(this.answered.keys().next().value!);
  }
}

/** The request parsed, or the refusal: a malformed request, or a sender the worker could not verify. */
function parsedRequest<S extends z.ZodType>(schema: S, request: unknown): z.output<S> | string {
  const result = schema.safeParse(request);
  if (!result.success) return issuesRefusal(result.error);
  return refusalOfUnverified((result.data as { actor: string }).actor) ?? result.data;
}

function refusalOfMetadata(metadata: unknown): string | undefined {
  const issues = jsonContentIssues(metadata);
  if (issues.length > 0)
    return issuesText(
      issues.map((issue) => ({ ...issue, path: issue.path === '(root)' ? 'metadata' : `metadata.${issue.path}` })),
    );
  const bytes = utf8Length(canonicalJson(metadata));
  if (bytes > SYNC_LIMITS.maxMetadataBytes)
    return `metadata: ${bytes} bytes is over the limit of ${SYNC_LIMITS.maxMetadataBytes} bytes`;
  return undefined;
}

function short(commitId: string): string {
  return commitId.slice(0, 12);
}
