import type { z } from 'zod';
import { refusalOfUnverified } from '../identity-stamp';
import { clonePlain, pushCapped } from '../plain-data';
import { issuesRefusal } from '../validation';
import {
  ENDED_DEPLOYMENT_STATUSES,
  type AnalysisMeasurementView,
  type DeployActorRequest,
  type DeployAlertSignal,
  type DeployDecisionRequest,
  type DeploymentInput,
  type DeploymentStatus,
  type DeploymentView,
  type DeployReasonRequest,
  type ReviewersConfig,
  type StageStatus,
  type StageView,
} from './deploy-types';
import {
  deployActorRequestSchema,
  deployDecisionRequestSchema,
  deployReasonRequestSchema,
} from './deployment-requests';

/** Who may steer a running deployment (promote, pause, resume, abort, rollback). */
export const DEPLOY_OPERATOR_ROLES: readonly string[] = ['deployer', 'operator', 'admin'];
/** Only an admin may deploy outside the freeze windows (with a reason, audited). */
export const WINDOW_OVERRIDE_ROLE = 'admin';
/** `progress.pausedBy` of a pause the analysis made: only promote or abort end it, not resume. */
export const ANALYSIS_PAUSE = 'analysis';

// Bounded lists: a spamming Web UI user or a long analysis cannot grow the state (queries,
// history payloads) without bound; the audit chain keeps everything.
const MAX_REFUSED = 100;
const MAX_TIMELINE = 200;
const MAX_MEASUREMENTS = 100;

/** An abort or rollback asked for; the workflow compensates what was changed. */
export interface StopRequest {
  kind: 'abort' | 'rollback';
  actor: string;
  reason: string;
}

type TimelineEntry = DeploymentView['timeline'][number];

/**
 * One deployment's state, as plain data the `deployment` workflow drives: stages, the queue
 * place, the window, the approval's votes, the progressive step, the watch and the refused
 * messages. Each operator message has a `refusalOfX(request)` that never throws and returns
 * why it must be refused (or undefined): one rule for the Update validator and its Signal
 * twin. The appliers (`approve`, `promote`, ...) trust the caller, which is always the
 * workflow's message wiring after `refusalOfX` accepted.
 */
export class DeploymentState {
  status: DeploymentStatus = 'queued';
  reason?: string;
  previousVersion?: string;
  queue?: DeploymentView['queue'];
  window?: DeploymentView['window'];
  readonly stages: StageView[] = [];
  approvals?: NonNullable<DeploymentView['approvals']>;
  progress?: NonNullable<DeploymentView['progress']>;
  watch?: DeploymentView['watch'];
  alert?: DeployAlertSignal;
  readonly refused: DeploymentView['refused'] = [];
  readonly timeline: TimelineEntry[] = [];
  /** Set by abort / rollback: the workflow stops what it does and compensates. */
  stop?: StopRequest;
  /** Promotions so far: the workflow waits for this to grow. */
  promotions = 0;
  /** Grows with every timeline entry: the workflow wakes on it to audit what messages changed. */
  changes = 0;
  private readonly startedAt: string;
  private updatedAt: string;

  constructor(
    readonly input: DeploymentInput,
    readonly workflowId: string,
    now: number,
  ) {
    this.startedAt = this.updatedAt = iso(now);
    this.note(now, input.requestedBy, 'requested', `${input.service} ${input.version} to ${input.environment}`);
  }

  get ended(): boolean {
    return ENDED_DEPLOYMENT_STATUSES.includes(this.status);
  }

  /** The workflow's own status changes (the queue, the window, stages); messages set theirs in their appliers. */
  setStatus(status: DeploymentStatus, now: number, reason?: string): void {
    if (status === this.status && reason === this.reason) return;
    this.status = status;
    this.reason = reason;
    this.note(now, 'system', status, reason);
  }

  /** Ends the deployment: `succeeded`, `rolled_back`, `rejected` or `failed`, with the reason. */
  end(status: DeploymentStatus, now: number, reason?: string): void {
    this.setStatus(status, now, reason);
    this.queue = undefined;
  }

  // ---- stages --------------------------------------------------------------------------

  startStage(name: string, now: number, environment?: string): void {
    const stage = this.stageNamed(name) ?? this.addStage(name, environment);
    stage.status = 'running';
    stage.startedAt = iso(now);
    delete stage.endedAt;
    this.touch(now);
  }

  endStage(name: string, status: StageStatus, now: number, detail?: string): void {
    const stage = this.stageNamed(name) ?? this.addStage(name);
    stage.status = status;
    stage.endedAt = iso(now);
    if (detail !== undefined) stage.detail = detail.slice(0, 1000);
    this.note(now, 'system', `${name} ${status}`, detail);
  }

  /** Stages cut off (an abort, a failure): ended with `status`. */
  endRunningStages(status: StageStatus, now: number, detail: string): void {
    for (const stage of this.stages) if (stage.status === 'running') this.endStage(stage.name, status, now, detail);
  }

  /** The stages of `environment` that changed it were undone by the rollback. */
  compensated(environment: string, now: number): void {
    for (const stage of this.stages)
      if (stage.environment === environment && stage.status === 'done' && /\.(deploy|step-\d+)$/.test(stage.name))
        stage.status = 'compensated';
    this.touch(now);
  }

  stageNamed(name: string): StageView | undefined {
    return this.stages.find((stage) => stage.name === name);
  }

  // ---- the queue, the window -----------------------------------------------------------

  /** The queue told this deployment its place (0: its turn). */
  queuedAt(position: number, ahead: string | undefined, now: number): void {
    this.queue = { position, ...(ahead ? { ahead } : {}) };
    if (this.status === 'queued' && position > 0)
      this.reason = `waiting behind ${ahead ?? 'another deployment'} (position ${position})`;
    this.touch(now);
  }

  waitForWindow(opensAt: number | undefined, now: number, reason: string): void {
    this.window = { ...this.window, ...(opensAt !== undefined ? { opensAt: iso(opensAt) } : {}) };
    this.setStatus('waiting_window', now, reason);
  }

  get windowOverridden(): boolean {
    return this.window?.override !== undefined;
  }

  refusalOfOverrideWindow(request: unknown): string | undefined {
    const parsed = this.parsed(deployReasonRequestSchema, request);
    if (typeof parsed === 'string') return parsed;
    if (!parsed.roles.includes(WINDOW_OVERRIDE_ROLE))
      return `${parsed.actor} may not override the freeze window: role ${WINDOW_OVERRIDE_ROLE} needed`;
    if (this.windowOverridden) return `the window was already overridden by ${this.window!.override!.actor}`;
    if (this.ended || this.stop)
      return `the deployment is ${this.stop ? 'stopping' : this.status}: nothing to override`;
    const window = this.stageNamed('window');
    if (window && window.status !== 'running' && window.status !== 'pending')
      return `the window check has passed (${window.status}): nothing to override`;
    return undefined;
  }

  overrideWindow(request: DeployReasonRequest, now: number): void {
    this.window = { ...this.window, override: { actor: request.actor, reason: request.reason, at: iso(now) } };
    this.note(now, request.actor, 'window overridden', request.reason);
  }

  // ---- approval ------------------------------------------------------------------------

  /** The approval before `environment` opens: reviewers may vote until `deadline`. */
  openApproval(reviewers: ReviewersConfig, deadline: number, now: number): void {
    this.approvals = {
      quorum: reviewers.quorum,
      users: [...reviewers.users],
      roles: [...reviewers.roles],
      deadline: iso(deadline),
      votes: [],
    };
    this.setStatus('waiting_approval', now, `waiting for ${reviewers.quorum} approval(s) until ${iso(deadline)}`);
  }

  /**
   * `approved` once the quorum approved; `rejected` by the first reject: a reviewer who objects
   * to a production change blocks it (as GitHub environments' required reviewers do), the
   * others' approvals do not outvote a known problem.
   */
  get approvalOutcome(): 'approved' | 'rejected' | undefined {
    const votes = this.approvals?.votes ?? [];
    if (votes.some((vote) => vote.decision === 'reject')) return 'rejected';
    if (this.approvals && votes.filter((vote) => vote.decision === 'approve').length >= this.approvals.quorum)
      return 'approved';
    return undefined;
  }

  refusalOfApprove(request: unknown): string | undefined {
    return this.refusalOfVote(request, 'approve');
  }

  refusalOfReject(request: unknown): string | undefined {
    return this.refusalOfVote(request, 'reject');
  }

  approve(request: DeployDecisionRequest, now: number): void {
    this.vote(request, 'approve', now);
  }

  reject(request: DeployDecisionRequest, now: number): void {
    this.vote(request, 'reject', now);
  }

  private refusalOfVote(request: unknown, decision: 'approve' | 'reject'): string | undefined {
    const parsed = this.parsed(deployDecisionRequestSchema, request);
    if (typeof parsed === 'string') return parsed;
    const approvals = this.approvals;
    if (this.status !== 'waiting_approval' || !approvals)
      return `the deployment is ${this.status}, not waiting for approval: nothing to ${decision}`;
    const { actor, roles } = parsed;
    if (actor === this.input.requestedBy)
      return `${actor} started this deployment and may not ${decision} it (no self-approval)`;
    if (!approvals.users.includes(actor) && !roles.some((role) => approvals.roles.includes(role)))
      return `${actor} is not a reviewer of this deployment (reviewers: ${reviewersText(approvals)})`;
    if (approvals.votes.some((vote) => vote.actor === actor)) return `${actor} has already voted`;
    return undefined;
  }

  private vote(request: DeployDecisionRequest, decision: 'approve' | 'reject', now: number): void {
    this.approvals!.votes.push({
      actor: request.actor,
      decision,
      ...(request.comment ? { comment: request.comment } : {}),
      at: iso(now),
    });
    this.note(now, request.actor, decision === 'approve' ? 'approved' : 'rejected', request.comment);
  }

  // ---- progressive steps ---------------------------------------------------------------

  /** The steps of `environment` begin (weight 0: the new version beside the old one). */
  beginProgress(steps: number[], now: number): void {
    this.progress = { step: 0, steps: [...steps], weight: 0, analysis: [] };
    this.touch(now);
  }

  atStep(step: number, weight: number, now: number): void {
    if (!this.progress) return;
    this.progress.step = step;
    this.progress.weight = weight;
    delete this.progress.nextMeasurementAt;
    this.touch(now);
  }

  /** An analysis interval began: its measurement is due at `dueAt`, paused or not. */
  measuring(dueAt: number, now: number): void {
    if (!this.progress) return;
    this.progress.nextMeasurementAt = iso(dueAt);
    this.touch(now);
  }

  measured(measurement: AnalysisMeasurementView, now: number): void {
    if (!this.progress) return;
    delete this.progress.nextMeasurementAt;
    this.progress.analysis ??= [];
    pushCapped(this.progress.analysis, measurement, MAX_MEASUREMENTS);
    this.touch(now);
  }

  /** The analysis could not decide: a human promotes or aborts before the deadline. */
  pauseForAnalysis(reason: string, now: number): void {
    if (this.progress) this.progress.pausedBy = ANALYSIS_PAUSE;
    this.setStatus('paused', now, reason);
  }

  get pausedBy(): string | undefined {
    return this.status === 'paused' ? this.progress?.pausedBy : undefined;
  }

  refusalOfPromote(request: unknown): string | undefined {
    return this.refusalOfSteering(request, 'promote', ['paused', 'progressing']);
  }

  refusalOfPause(request: unknown): string | undefined {
    return this.refusalOfSteering(request, 'pause', ['progressing']);
  }

  refusalOfResume(request: unknown): string | undefined {
    const refusal = this.refusalOfSteering(request, 'resume', ['paused']);
    if (refusal) return refusal;
    if (this.progress?.pausedBy === ANALYSIS_PAUSE)
      return 'the analysis paused this deployment (inconclusive): promote or abort it, resume does not decide';
    return undefined;
  }

  promote(request: DeployActorRequest, now: number): void {
    this.promotions += 1;
    if (this.progress) delete this.progress.pausedBy;
    if (this.progress) delete this.progress.nextMeasurementAt; // a promote ends the step's analysis
    this.status = 'progressing';
    this.reason = undefined;
    this.note(now, request.actor, 'promoted', `step ${this.progress?.step ?? 0}`);
  }

  pause(request: DeployActorRequest, now: number): void {
    if (this.progress) this.progress.pausedBy = request.actor;
    this.status = 'paused';
    this.reason = `paused by ${request.actor}`;
    this.note(now, request.actor, 'paused', `step ${this.progress?.step ?? 0}`);
  }

  resume(request: DeployActorRequest, now: number): void {
    if (this.progress) delete this.progress.pausedBy;
    this.status = 'progressing';
    this.reason = undefined;
    this.note(now, request.actor, 'resumed', `step ${this.progress?.step ?? 0}`);
  }

  // ---- abort, rollback -----------------------------------------------------------------

  refusalOfAbort(request: unknown): string | undefined {
    return this.refusalOfStop(request, 'abort');
  }

  refusalOfRollback(request: unknown): string | undefined {
    return this.refusalOfStop(request, 'rollback');
  }

  abort(request: DeployReasonRequest, now: number): void {
    this.requestStop('abort', request.actor, request.reason, now);
  }

  rollback(request: DeployReasonRequest, now: number): void {
    this.requestStop('rollback', request.actor, request.reason, now);
  }

  /** The workflow's own stop (a failed analysis, an alert, a deadline): the same path as an operator's. */
  requestStop(kind: StopRequest['kind'], actor: string, reason: string, now: number): void {
    if (this.stop) return;
    this.stop = { kind, actor, reason };
    this.note(now, actor, kind === 'abort' ? 'abort requested' : 'rollback requested', reason);
  }

  private refusalOfStop(request: unknown, kind: StopRequest['kind']): string | undefined {
    const parsed = this.parsed(deployReasonRequestSchema, request);
    if (typeof parsed === 'string') return parsed;
    const role = this.refusalOfRole(parsed, kind);
    if (role) return role;
    if (this.ended) return `the deployment has ended (${this.status}): nothing to ${kind}`;
    if (this.stop) return `a ${this.stop.kind} is already under way (${this.stop.actor}: ${this.stop.reason})`;
    return undefined;
  }

  // ---- the post-deploy watch -----------------------------------------------------------

  startWatch(until: number, now: number): void {
    this.watch = { until: iso(until) };
    this.setStatus('watching', now, `watching until ${iso(until)}`);
  }

  /**
   * A firing alert for the service and environment. It counts (and rolls back) only during
   * the watch: before it, the version serves little or no traffic and the analysis judges it;
   * an alert raised then is about the version still serving. Returns whether it counts.
   */
  alerted(alert: DeployAlertSignal, now: number): boolean {
    const counts = this.status === 'watching' && this.alert === undefined && !this.stop;
    if (counts) this.alert = clonePlain(alert);
    this.note(now, 'alert', counts ? 'alert received' : 'alert ignored', `${alert.alertId}: ${alert.summary}`);
    return counts;
  }

  // ---- refusals, the view --------------------------------------------------------------

  /** A refused signal, kept for `status.refused` (newest last, capped) and the timeline. */
  recordRefused(kind: string, request: unknown, reason: string, now: number): void {
    const actor = actorOf(request);
    pushCapped(this.refused, { kind, actor, reason, at: iso(now) }, MAX_REFUSED);
    this.note(now, actor, `${kind} refused`, reason);
  }

  view(): DeploymentView {
    const { service, environment, version, requestedBy } = this.input;
    const view: DeploymentView = {
      workflowId: this.workflowId,
      service,
      environment,
      version,
      status: this.status,
      requestedBy,
      startedAt: this.startedAt,
      updatedAt: this.updatedAt,
      stages: this.stages,
      refused: this.refused,
      timeline: this.timeline,
    };
    if (this.reason !== undefined) view.reason = this.reason;
    if (this.previousVersion !== undefined) view.previousVersion = this.previousVersion;
    if (this.queue) view.queue = this.queue;
    if (this.window) view.window = this.window;
    if (this.approvals) view.approvals = this.approvals;
    if (this.progress) view.progress = this.progress;
    if (this.watch) view.watch = this.watch;
    if (this.alert) view.alert = this.alert;
    return clonePlain(view);
  }

  note(now: number, actor: string, event: string, detail?: string): void {
    const entry: TimelineEntry = { at: iso(now), actor, event };
    if (detail) entry.detail = detail.slice(0, 1000);
    pushCapped(this.timeline, entry, MAX_TIMELINE);
    this.changes += 1;
    this.touch(now);
  }

  private touch(now: number): void {
    this.updatedAt = iso(now);
  }

  private addStage(name: string, environment?: string): StageView {
    const stage: StageView = { name, status: 'pending', ...(environment ? { environment } : {}) };
    this.stages.push(stage);
    return stage;
  }

  private refusalOfSteering(request: unknown, what: string, allowed: readonly DeploymentStatus[]): string | undefined {
    const parsed = this.parsed(deployActorRequestSchema, request);
    if (typeof parsed === 'string') return parsed;
    const role = this.refusalOfRole(parsed, what);
    if (role) return role;
    if (this.stop) return `a ${this.stop.kind} is under way: nothing to ${what}`;
    if (!allowed.includes(this.status))
      return `the deployment is ${this.status}: ${what} only while ${allowed.join(' or ')}`;
    return undefined;
  }

  private refusalOfRole(request: DeployActorRequest, what: string): string | undefined {
    if (request.roles.some((role) => DEPLOY_OPERATOR_ROLES.includes(role))) return undefined;
    return `${request.actor} may not ${what} a deployment: role ${DEPLOY_OPERATOR_ROLES.join(', ')} needed`;
  }

  /** The request parsed, or the refusal: a malformed request, or a sender the worker could not verify. */
  private parsed<S extends z.ZodType>(schema: S, request: unknown): z.output<S> | string {
    const result = schema.safeParse(request);
    if (!result.success) return issuesRefusal(result.error);
    const data = result.data as { actor: string };
    return refusalOfUnverified(data.actor) ?? result.data;
  }
}

function iso(at: number): string {
  return new Date(at).toISOString();
}

function actorOf(request: unknown): string {
  const actor = (request as { actor?: unknown } | null)?.actor;
  return typeof actor === 'string' ? actor.slice(0, 200) : 'unknown';
}

function reviewersText(approvals: { users: string[]; roles: string[] }): string {
  return [...approvals.users, ...approvals.roles.map((role) => `role ${role}`)].join(', ') || 'none';
}
