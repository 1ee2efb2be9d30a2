import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  log,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { documentSyncRunInputSchema, type DocumentSyncRunInput } from '../../domain/sync/document-sync-input';
import { DocumentSyncState } from '../../domain/sync/document-sync-state';
import {
  documentSyncWorkflowId,
  type BranchCreateRequest,
  type BranchDeleteRequest,
  type BranchOutcome,
  type CommitOutcome,
  type CommitRequest,
  type DocumentKind,
  type DocumentSyncView,
  type MergeRequest,
  type RevertRequest,
} from '../../domain/sync/sync-types';
import { InputError } from '../../domain/validation';
import type { PrepareCommitInput, SyncCommitSummary } from '../../activities/sync/sync-activity-types';
import { AuditTrail } from '../kit/audit-trail';
import { nowIso } from '../kit/time';
import { invalidInput, parseWorkflowInput } from '../kit/workflow-input';
import { hooks, notifications, preparation, writes } from './sync-activities';
import {
  commitUpdate,
  createBranchUpdate,
  deleteBranchUpdate,
  mergeUpdate,
  revertUpdate,
  syncStatusQuery,
} from './sync-messages';
import { Turns } from './turns';

/** A run continues as new after this many commits (or sooner, when Temporal suggests it). */
export const COMMITS_PER_RUN = 500;

export type { DocumentSyncRunInput } from '../../domain/sync/document-sync-input';

/**
 * Commits waiting to be announced that a run keeps (and carries into the next): the newest.
 * They pile up only while a subscriber's channel stays down, and each is carried through
 * continue-as-new, so the list is bounded like the rest of the state (1,000 ids: about 70 KB).
 * Older ones are dropped: a warning in the log names each, and the view counts them
 * (`unannouncedDropped`); the store's log and the live stream still have every commit.
 */
export const MAX_UNANNOUNCED = 1_000;

/** Who wrote a change and what kind of change it is, as the processing of both Updates needs it. */
interface Change {
  requestId: string;
  actor: string;
  roles: string[];
  kind: DocumentKind;
}

/**
 * One document's history (id sync/<documentId>): changes arrive as `commit` and `revert`
 * Updates and are processed strictly one at a time, in arrival order, each against the head
 * the previous one left: prepared (a plain commit, a three-way merge, or a conflict), checked
 * by the validation hooks, written (compare and set on head) and audited, then answered.
 * Subscribers hear of each commit after its writer was answered, from this loop, so a slow
 * channel never holds the next change. A repeated request id gets its first answer, also
 * after a continue-as-new. The store holds the history, contents and patches (the workflow
 * passes hashes and commit ids: a patch can be megabytes, over Temporal's payload limit); the
 * workflow holds the head, the order of changes and the recent answers.
 */
export async function documentSync(started: DocumentSyncRunInput): Promise<DocumentSyncView> {
  const input = runInputOf(started);
  const { documentId } = input;
  const state = new DocumentSyncState(input);
  const turns = new Turns();
  const unannounced: string[] = [];
  let unannouncedDropped = input.unannouncedDropped ?? 0;
  /** The first of `unannounced` is being sent (it stays first until that is done). */
  let announcing = false;
  const maxUnannounced = input.options?.maxUnannounced ?? MAX_UNANNOUNCED;
  for (const commitId of input.unannounced ?? []) toAnnounce(commitId);
  const commitsPerRun = input.options?.commitsPerRun ?? COMMITS_PER_RUN;
  const trail = new AuditTrail<never>({
    subject: documentId,
    timeline: () => [],
    toEvent: () => ({ actor: '', action: '' }),
  });
  const running = new Map<string, Promise<CommitOutcome>>();
  let committedThisRun = 0;

  setHandler(syncStatusQuery, () => ({
    ...state.view(turns.waiting),
    ...(unannouncedDropped > 0 ? { unannouncedDropped } : {}),
  }));
  setHandler(commitUpdate, (request) => answer(request.requestId, () => commit(request)), {
    validator: (request) => refuse(state.refusalOfCommit(request)),
  });
  setHandler(revertUpdate, (request) => answer(request.requestId, () => revert(request)), {
    validator: (request) => refuse(state.refusalOfRevert(request)),
  });
  setHandler(mergeUpdate, (request) => answer(request.requestId, () => merge(request)), {
    validator: (request) => refuse(state.refusalOfMerge(request)),
  });
  // A repeated request id within a run is Temporal's to answer (the Update id); a branch's
  // creation retried after a continue-as-new finds the branch it made (createSyncBranch).
  setHandler(createBranchUpdate, (request) => turns.take(() => createBranch(request)), {
    validator: (request) => refuse(state.refusalOfBranchCreate(request)),
  });
  setHandler(deleteBranchUpdate, (request) => turns.take(() => deleteBranch(request)), {
    validator: (request) => refuse(state.refusalOfBranchDelete(request)),
  });

  const newRunDue = () => committedThisRun >= commitsPerRun || workflowInfo().continueAsNewSuggested;
  for (;;) {
    await condition(() => unannounced.length > 0 || newRunDue());
    if (newRunDue()) {
      // Every accepted change answered first; what is not announced yet goes with the state.
      await condition(allHandlersFinished);
      return continueAsNew<typeof documentSync>({
        documentId,
        carried: state.carried(),
        ...(unannounced.length > 0 ? { unannounced } : {}),
        ...(unannouncedDropped > 0 ? { unannouncedDropped } : {}),
        ...(input.options ? { options: input.options } : {}),
      });
    }
    announcing = true;
    const told = await announce(unannounced[0]!);
    announcing = false;
    if (told) unannounced.shift();
  }

  /** Queues a commit for its subscribers, keeping the newest `maxUnannounced` (and the one being sent). */
  function toAnnounce(commitId: string): void {
    unannounced.push(commitId);
    if (unannounced.length <= maxUnannounced) return;
    const [dropped] = unannounced.splice(announcing ? 1 : 0, 1);
    unannouncedDropped += 1;
    log.warn('subscribers will not be told of a commit: more commits wait to be announced than a run keeps', {
      documentId,
      commitId: dropped,
      kept: maxUnannounced,
      droppedSoFar: unannouncedDropped,
    });
  }

  /** A request id answered before gets that answer; one still waiting its turn shares it; else `work` in its turn. */
  function answer(requestId: string, work: () => Promise<CommitOutcome>): Promise<CommitOutcome> {
    const known = state.answerOf(requestId);
    if (known) return Promise.resolve(known);
    const waiting = running.get(requestId);
    if (waiting) return waiting;
    const turn = turns.take(() => work()).finally(() => running.delete(requestId));
    running.set(requestId, turn);
    return turn;
  }

  function commit(request: CommitRequest): Promise<CommitOutcome> {
    return decide(
      { requestId: request.requestId, actor: request.actor, roles: request.roles, kind: request.kind },
      {
        contentHash: request.contentHash,
        metadata: request.metadata,
        message: request.message,
        ...(request.parent === undefined ? {} : { parent: request.parent }),
        ...(request.branch === undefined ? {} : { branch: request.branch }),
      },
    );
  }

  async function createBranch(request: BranchCreateRequest): Promise<BranchOutcome> {
    const branch = await refusalsAsFailures('create the branch', () =>
      writes.createSyncBranch({
        documentId,
        name: request.name,
        createdBy: request.actor,
        ...(request.at === undefined ? {} : { at: request.at }),
      }),
    );
    await trail.record(request.actor, 'sync.branch.created', { name: branch.name, commitId: branch.commitId });
    return { outcome: 'created', documentId, branch };
  }

  async function deleteBranch(request: BranchDeleteRequest): Promise<BranchOutcome> {
    const branch = await refusalsAsFailures('delete the branch', () =>
      writes.deleteSyncBranch({ documentId, name: request.name }),
    );
    await trail.record(request.actor, 'sync.branch.deleted', { name: branch.name, commitId: branch.commitId });
    return { outcome: 'deleted', documentId, branch };
  }

  /**
   * Merges a branch into head: a fast-forward moves head onto the branch's tip (each of its
   * commits passed the hooks when it was committed, against the same parents); a merge commit
   * is a new content, so the hooks check it as they check any commit; a conflict answers like a
   * stale commit's.
   */
  async function merge(request: MergeRequest): Promise<CommitOutcome> {
    const change: Change = {
      requestId: request.requestId,
      actor: request.actor,
      roles: request.roles,
      kind: state.kind!,
    };
    const expectedHead = state.head!;
    const prepared = await refusalsAsFailures('prepare the merge', () =>
      preparation.prepareSyncMerge({
        documentId,
        branch: request.branch,
        head: expectedHead,
        author: request.actor,
        message: request.message,
        at: nowIso(),
      }),
    );
    if (prepared.kind === 'conflict')
      return conflict(change, { outcome: 'conflict', documentId, head: prepared.head, paths: prepared.paths });
    if (prepared.kind === 'commit')
      return land(change, prepared.commit, true, { expected: expectedHead, mergeOf: request.branch });

    let landed: { commit: SyncCommitSummary; brought: number };
    try {
      landed = await writes.fastForwardSync({ documentId, expectedHead, commitId: prepared.commit.commitId });
    } catch (err) {
      const moved = failureOf(err, 'SyncHeadMoved');
      if (!moved) throw err;
      const head = (moved.details?.[0] as { head?: string | null } | undefined)?.head ?? '';
      return conflict(change, { outcome: 'conflict', documentId, head, paths: [] });
    }
    const { commit, brought } = landed;
    const outcome: CommitOutcome = {
      outcome: 'committed',
      commitId: commit.commitId,
      parents: commit.parents,
      documentId,
      stats: commit.stats,
      merged: false,
      fastForward: true,
    };
    state.fastForwarded(change.requestId, commit, brought, outcome);
    committedThisRun += 1;
    await trail.record(change.actor, 'sync.merged', {
      branch: request.branch,
      commitId: commit.commitId,
      parents: commit.parents,
      message: request.message,
      fastForward: true,
      brought,
    });
    toAnnounce(commit.commitId);
    return outcome;
  }

  /** A revert is a commit on head whose content and metadata are those of an earlier commit. */
  function revert(request: RevertRequest): Promise<CommitOutcome> {
    return decide(
      { requestId: request.requestId, actor: request.actor, roles: request.roles, kind: state.kind! },
      {
        contentHash: '',
        metadata: null,
        message: request.message ?? state.revertMessage(request.commitId),
        revertOf: request.commitId,
      },
    );
  }

  async function decide(
    change: Change,
    proposal: Pick<PrepareCommitInput, 'contentHash' | 'metadata' | 'message' | 'parent' | 'revertOf' | 'branch'>,
  ): Promise<CommitOutcome> {
    const expectedHead = state.head ?? null;
    const prepared = await refusalsAsFailures('prepare the change', () =>
      preparation.prepareSyncCommit({
        documentId,
        kind: change.kind,
        head: expectedHead,
        author: change.actor,
        at: nowIso(),
        ...proposal,
      }),
    );
    if (prepared.kind === 'conflict')
      return conflict(change, { outcome: 'conflict', documentId, head: prepared.head, paths: prepared.paths });

    const { branch } = proposal;
    const target = branch === undefined ? { expected: expectedHead } : { expected: prepared.expected ?? null, branch };
    return land(change, prepared.commit, prepared.merged, target);
  }

  /**
   * A prepared commit through the hooks, then written: onto head (`expected` its head), onto a
   * branch (`branch`, `expected` its tip), or onto head as the merge commit of `mergeOf`.
   */
  async function land(
    change: Change,
    commit: SyncCommitSummary,
    merged: boolean,
    target: { expected: string | null; branch?: string; mergeOf?: string },
  ): Promise<CommitOutcome> {
    const { expected: expectedHead, branch, mergeOf } = target;
    const verdicts = await refusalsAsFailures('run the validation hooks', () =>
      hooks.runSyncHooks({
        documentId,
        kind: change.kind,
        author: change.actor,
        authorRoles: change.roles,
        message: commit.message,
        commit: {
          commitId: commit.commitId,
          contentHash: commit.contentHash,
          parents: commit.parents,
          metadataHash: commit.metadataHash,
        },
        stats: commit.stats,
      }),
    );
    const denials = verdicts.filter((verdict) => !verdict.allowed);
    if (denials.length > 0) {
      const reasons = denials.flatMap((verdict) =>
        (verdict.reasons.length > 0 ? verdict.reasons : ['denied']).map((reason) => `${verdict.hook}: ${reason}`),
      );
      const outcome: CommitOutcome = { outcome: 'denied', documentId, reasons, verdicts };
      state.refuse(change.requestId, change.actor, nowIso(), outcome);
      await trail.record(change.actor, 'sync.denied', {
        requestId: change.requestId,
        commitId: commit.commitId,
        reasons,
      });
      return outcome;
    }

    try {
      await writes.writeSyncCommit({
        documentId,
        commitId: commit.commitId,
        expectedHead,
        ...(branch === undefined ? {} : { branch }),
      });
    } catch (err) {
      // Head moved under the workflow (a write outside it): never overwritten; the writer rebases on the store's head.
      const moved = failureOf(err, 'SyncHeadMoved');
      if (!moved) throw err;
      const head = (moved.details?.[0] as { head?: string | null } | undefined)?.head ?? '';
      return conflict(change, { outcome: 'conflict', documentId, head, paths: [] });
    }
    const outcome: CommitOutcome = {
      outcome: 'committed',
      commitId: commit.commitId,
      parents: commit.parents,
      documentId,
      stats: commit.stats,
      merged,
      ...(branch === undefined ? {} : { branch }),
    };
    if (branch === undefined) state.committed(change.requestId, commit, outcome);
    else state.branchCommitted(change.requestId, outcome);
    committedThisRun += 1;
    // In the audit chain (and so on the live stream) before the writer hears of it.
    if (mergeOf !== undefined) {
      await trail.record(change.actor, 'sync.merged', {
        branch: mergeOf,
        commitId: commit.commitId,
        parents: commit.parents,
        stats: commit.stats,
        message: commit.message,
        merged,
        fastForward: false,
      });
    } else {
      await trail.record(change.actor, 'sync.committed', {
        commitId: commit.commitId,
        parents: commit.parents,
        stats: commit.stats,
        message: commit.message,
        merged,
        ...(commit.revertOf ? { revertOf: commit.revertOf } : {}),
        ...(branch === undefined ? {} : { branch }),
      });
    }
    // Subscribers hear of head's changes (a branch's commits are on the live stream).
    if (branch === undefined) toAnnounce(commit.commitId);
    return outcome;
  }

  async function conflict(change: Change, outcome: Extract<CommitOutcome, { outcome: 'conflict' }>) {
    state.refuse(change.requestId, change.actor, nowIso(), outcome);
    await trail.record(change.actor, 'sync.conflict', {
      requestId: change.requestId,
      head: outcome.head,
      paths: outcome.paths,
    });
    return outcome;
  }

  /**
   * Tells the subscribers of one commit; true once that is done (or refused for good: logged).
   * A channel that is down is retried for as long as it takes, so when a new run becomes due
   * meanwhile the send is cancelled (waiting until it stopped) and false says the commit goes
   * to the next run unannounced: a down channel never holds the continue-as-new.
   */
  async function announce(commitId: string): Promise<boolean> {
    const scope = new CancellationScope();
    let ended = false;
    let done = false;
    const sending = scope
      .run(() => notifications.notifySyncSubscribers({ documentId, commitId }))
      .then(
        () => void (done = true),
        (err: unknown) => {
          if (isCancellation(err)) return;
          done = true;
          log.warn('subscribers could not be told of a commit', { documentId, commitId, error: messageOf(err) });
        },
      )
      .finally(() => (ended = true));
    await condition(() => ended || newRunDue());
    if (!ended) {
      scope.cancel();
      await sending;
    }
    return done;
  }
}

/**
 * The start input parsed (a malformed one fails the run as InvalidInput, naming the field), and
 * run under the document's own workflow id: one workflow per document is what serialises its
 * changes, so a start under another id (a second history of the same document) is refused.
 */
function runInputOf(started: unknown): DocumentSyncRunInput {
  const input: DocumentSyncRunInput = parseWorkflowInput(documentSyncRunInputSchema, started, 'documentSync input');
  const expected = documentSyncWorkflowId(input.documentId);
  const { workflowId } = workflowInfo();
  if (workflowId !== expected) {
    const message = `the workflow id is ${workflowId}, not ${expected}: a document's history runs as sync/<documentId>`;
    throw invalidInput(new InputError(`documentSync input: documentId: ${message}`, [{ path: 'documentId', message }]));
  }
  return input;
}

function refuse(reason: string | undefined): void {
  if (reason) throw new Error(reason);
}

/**
 * Runs an activity; a final refusal of the change (`SyncInputError`) fails the writer's Update
 * with its message, and so does an activity that kept failing (the writer may try again).
 */
async function refusalsAsFailures<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    const refused = failureOf(err, 'SyncInputError');
    if (refused) throw ApplicationFailure.nonRetryable(refused.message, 'SyncInputError');
    throw ApplicationFailure.nonRetryable(`could not ${what}: ${messageOf(err)}`, 'SyncUnavailable');
  }
}

function failureOf(err: unknown, type: string): ApplicationFailure | undefined {
  return err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === type
    ? err.cause
    : undefined;
}

function messageOf(err: unknown): string {
  const cause = err instanceof ActivityFailure ? (err.cause ?? err) : err;
  return cause instanceof Error ? cause.message : String(cause);
}
