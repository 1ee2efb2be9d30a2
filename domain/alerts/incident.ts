import { z } from 'zod';
import { canonicalJson } from '../canonical-json';
import { lazySchema } from '../lazy-schema';
import { clonePlain, pushCapped } from '../plain-data';
import { shapeRefusal } from '../validation';
import {
  actorRequestProblemBeforeKit,
  actorRequestSchema,
  hasRole,
  identityFields,
  messageSchema,
  noteSchema,
  RESPONDER_ROLES,
  type ActorRequest,
} from './requests';
import { sha256Hex } from './sha256';
import { worseSeverity, type Severity, type TimelineEntry } from './types';
import { isRecord } from '../plain-data';

/**
 * An incident: what a critical alert, or one that reached the policy's incident level,
 * opens, and what later alerts of the same group join while it is open. Plain state the
 * `incident` workflow drives; every operator message has a zod schema (below), a refusalOf…
 * check (same rule for the Update validator and the Signal handler) and an apply method.
 *
 * After resolve, a post-incident review is due `dueDays` later, with reminders; a resolved
 * incident takes no new alerts: the same group opens a new incident.
 */

export const INCIDENT_STATUSES = ['investigating', 'identified', 'monitoring', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/** Forward is the usual path; going back is allowed while open (the cause was wrong, the fix did not hold). */
const ALLOWED: Record<IncidentStatus, readonly IncidentStatus[]> = {
  investigating: ['identified', 'monitoring', 'resolved'],
  identified: ['investigating', 'monitoring', 'resolved'],
  monitoring: ['investigating', 'identified', 'resolved'],
  resolved: [],
};

export function transitionRefusal(from: IncidentStatus, to: IncidentStatus): string | undefined {
  if (from === to) return `the incident is already ${to}`;
  if (from === 'resolved') return 'the incident is resolved; a new alert opens a new incident';
  return ALLOWED[from].includes(to) ? undefined : `an incident cannot go from ${from} to ${to}`;
}

/**
 * The key alerts of one group share: the given labels when the config names some
 * (`groupBy: [service, env]`), else the source's group, else the service, else the alert
 * itself. Hashed, so it is safe in a workflow id.
 */
export function incidentKeyFor(
  alert: { dedupKey: string; group?: string; service?: string; labels: Readonly<Record<string, string>> },
  groupBy: readonly string[] = [],
): string {
  const basis =
    groupBy.length > 0
      ? { labels: Object.fromEntries(groupBy.map((name) => [name, alert.labels[name] ?? ''])) }
      : alert.group !== undefined
        ? { group: alert.group }
        : alert.service !== undefined
          ? { service: alert.service }
          : { alert: alert.dedupKey };
  return `inc-${sha256Hex(canonicalJson(basis)).slice(0, 24)}`;
}

export interface ReviewOptions {
  dueDays: number;
  /** First reminder this long before the due date (skipped if that is before the resolve). */
  remindBeforeMs: number;
  /** Then at the due date, then this often while overdue ... */
  overdueEveryMs: number;
  /** ... this many times. */
  overdueReminders: number;
}

export const DEFAULT_REVIEW: ReviewOptions = {
  dueDays: 5,
  remindBeforeMs: 86_400_000,
  overdueEveryMs: 86_400_000,
  overdueReminders: 3,
};

export function reviewDueAt(resolvedAt: number, dueDays: number): number {
  return resolvedAt + dueDays * 86_400_000;
}

/** Every reminder instant for a review of an incident resolved at `resolvedAt`, ascending. */
export function reviewReminderTimes(resolvedAt: number, options: ReviewOptions = DEFAULT_REVIEW): number[] {
  const due = reviewDueAt(resolvedAt, options.dueDays);
  const before = due - options.remindBeforeMs;
  const overdue = Array.from({ length: options.overdueReminders }, (_, i) => due + (i + 1) * options.overdueEveryMs);
  return [...(options.remindBeforeMs > 0 && before > resolvedAt ? [before] : []), due, ...overdue];
}

export interface IncidentAlert {
  dedupKey: string;
  summary: string;
  severity: Severity;
}

export interface Responder {
  who: string;
  role: string;
  addedBy: string;
  addedAt: string;
}

export interface IncidentSnapshot {
  key: string;
  title: string;
  severity: Severity;
  status: IncidentStatus;
  openedAt: string;
  openedBy: string;
  resolvedAt?: string;
  resolvedBy?: string;
  alerts: (IncidentAlert & { joinedAt: string })[];
  responders: Responder[];
  review: ReviewOptions & { remindersSent: number; completedAt?: string; completedBy?: string };
  timeline: TimelineEntry[];
  /**
   * Entries the capped lists dropped (oldest first) over the incident's life, carried across
   * continue-as-new: the timeline keeps the newest MAX_TIMELINE, the alerts the newest
   * MAX_ALERTS. Absent on incidents begun before it was counted.
   */
  dropped?: { timeline: number; alerts: number };
  version: number;
}

export const statusRequestSchema = lazySchema(() =>
  messageSchema({
    ...identityFields(),
    note: noteSchema.optional(),
    status: z.enum(INCIDENT_STATUSES, { error: `must be one of ${INCIDENT_STATUSES.join(', ')}` }),
  }),
);
export type StatusRequest = z.infer<typeof statusRequestSchema>;

export const responderRequestSchema = lazySchema(() =>
  messageSchema({
    ...identityFields(),
    note: noteSchema.optional(),
    responder: z
      .string({ error: 'must be 1 to 200 characters' })
      .max(200, 'must be 1 to 200 characters')
      .refine((who) => who.trim() !== '', 'must be 1 to 200 characters'),
    role: z
      .string({ error: 'must be a short text such as commander' })
      .max(50, 'must be a short text such as commander')
      .optional(),
  }),
);
export type ResponderRequest = z.infer<typeof responderRequestSchema>;

export const noteRequestSchema = lazySchema(() =>
  messageSchema({
    ...identityFields(),
    note: noteSchema.refine((note) => note.trim() !== '', 'must not be empty'),
  }),
);
export type NoteRequest = z.infer<typeof noteRequestSchema>;

/** The operator messages of an incident and its review, as recorded refusals name them. */
export type IncidentMessageKind = 'status change' | 'add responder' | 'add note' | 'complete review';

export const MAX_TIMELINE = 500;
/** Alerts an incident lists (the newest joins); older ones are counted in `dropped.alerts`. */
export const MAX_ALERTS = 1_000;
/** Responders an incident takes: each is a person paged and shown; more is refused. */
export const MAX_RESPONDERS = 100;

export class Incident {
  constructor(readonly state: IncidentSnapshot) {}

  /** A new incident opened by `alert` (its summary is the title until someone renames it). */
  static open(
    key: string,
    alert: IncidentAlert,
    openedBy: string,
    now: number,
    review: Partial<ReviewOptions> = {},
  ): Incident {
    const at = new Date(now).toISOString();
    const incident = new Incident({
      key,
      title: alert.summary,
      severity: alert.severity,
      status: 'investigating',
      openedAt: at,
      openedBy,
      alerts: [{ ...alert, joinedAt: at }],
      responders: [],
      review: { ...DEFAULT_REVIEW, ...review, remindersSent: 0 },
      timeline: [],
      version: 0,
    });
    incident.record(now, openedBy, 'opened', `${alert.dedupKey}: ${alert.summary}`);
    return incident;
  }

  /** The incident a run that continued as new hands over (its `snapshot()`): the same state. */
  static resume(carried: IncidentSnapshot): Incident {
    return new Incident(clonePlain(carried));
  }

  get status(): IncidentStatus {
    return this.state.status;
  }

  get resolved(): boolean {
    return this.state.status === 'resolved';
  }

  refusalOfJoin(): string | undefined {
    return this.resolved ? 'the incident is resolved; a new alert opens a new incident' : undefined;
  }

  /** Adds an alert of the group; a repeated join (a retried signal) changes nothing. */
  join(alert: IncidentAlert, now: number): boolean {
    if (this.state.alerts.some((a) => a.dedupKey === alert.dedupKey)) return false;
    this.countDropped('alerts', this.state.alerts, { ...alert, joinedAt: new Date(now).toISOString() }, MAX_ALERTS);
    this.state.severity = worseSeverity(this.state.severity, alert.severity);
    this.record(now, 'system', 'alert joined', `${alert.dedupKey}: ${alert.summary}`);
    return true;
  }

  refusalOfStatus(request: unknown): string | undefined {
    return (
      this.senderProblem(statusRequestSchema, request) ??
      transitionRefusal(this.state.status, (request as StatusRequest).status)
    );
  }

  setStatus(request: StatusRequest, now: number): void {
    this.state.status = request.status;
    if (request.status === 'resolved') {
      this.state.resolvedAt = new Date(now).toISOString();
      this.state.resolvedBy = request.actor;
    }
    this.record(now, request.actor, request.status, request.note);
  }

  refusalOfResponder(request: unknown): string | undefined {
    const problem = this.senderProblem(responderRequestSchema, request);
    if (problem) return problem;
    const { responder } = request as ResponderRequest;
    if (this.resolved) return 'the incident is resolved';
    if (this.state.responders.some((r) => r.who === responder)) return `${responder} is already a responder`;
    return this.state.responders.length >= MAX_RESPONDERS
      ? `the incident has ${MAX_RESPONDERS} responders, the most it takes`
      : undefined;
  }

  addResponder(request: ResponderRequest, now: number): void {
    const role = request.role ?? 'responder';
    this.state.responders.push({
      who: request.responder,
      role,
      addedBy: request.actor,
      addedAt: new Date(now).toISOString(),
    });
    this.record(now, request.actor, 'responder added', `${request.responder} (${role})`);
  }

  refusalOfNote(request: unknown): string | undefined {
    return this.senderProblem(noteRequestSchema, request);
  }

  addNote(request: NoteRequest, now: number): void {
    this.record(now, request.actor, 'note', request.note);
  }

  refusalOfReviewDone(request: unknown): string | undefined {
    const problem = this.senderProblem(actorRequestSchema, request);
    if (problem) return problem;
    if (!this.resolved) return 'the review comes after the incident is resolved';
    return this.state.review.completedAt ? `the review was completed by ${this.state.review.completedBy}` : undefined;
  }

  completeReview(request: ActorRequest, now: number): void {
    this.state.review.completedAt = new Date(now).toISOString();
    this.state.review.completedBy = request.actor;
    this.record(now, request.actor, 'review completed', request.note);
  }

  get reviewDueAt(): number | undefined {
    return this.state.resolvedAt
      ? reviewDueAt(Date.parse(this.state.resolvedAt), this.state.review.dueDays)
      : undefined;
  }

  /** When the next review reminder is due, or undefined (not resolved, review done, reminders used up). */
  get nextReviewReminderAt(): number | undefined {
    if (!this.state.resolvedAt || this.state.review.completedAt) return undefined;
    return reviewReminderTimes(Date.parse(this.state.resolvedAt), this.state.review)[this.state.review.remindersSent];
  }

  markReminderSent(now: number): void {
    this.state.review.remindersSent++;
    this.record(now, 'system', 'review reminder', `reminder ${this.state.review.remindersSent}`);
  }

  /**
   * The refusal rule of runs begun before the workflow kit (patches 'incident-workflow-kit'
   * and 'incident-review-workflow-kit' false), exactly as it was at ab7e41f: extra keys
   * ignored, fewer checks. Signal handlers run again on replay: a Signal such a run accepted
   * (`{actor, roles, status, extra: 1}`) must be accepted again, or its replay takes another
   * path. Not for new runs.
   */
  refusalBeforeKit(kind: IncidentMessageKind, request: unknown): string | undefined {
    const problem = actorRequestProblemBeforeKit(request);
    if (problem) return problem;
    const fields = request as Record<string, unknown>;
    const { actor, roles } = request as ActorRequest;
    if (!hasRole(roles, RESPONDER_ROLES) && !this.state.responders.some((r) => r.who === actor))
      return `${actor} may not update the incident: needs role ${RESPONDER_ROLES.join(' or ')} or to be a responder`;
    if (kind === 'status change') {
      const to = fields.status;
      if (typeof to !== 'string' || !(INCIDENT_STATUSES as readonly string[]).includes(to))
        return `status: must be one of ${INCIDENT_STATUSES.join(', ')}`;
      return transitionRefusal(this.state.status, to as IncidentStatus);
    }
    if (kind === 'add responder') {
      const { responder, role } = fields;
      if (typeof responder !== 'string' || responder.trim() === '' || responder.length > 200)
        return 'responder: must be 1 to 200 characters';
      if (role !== undefined && (typeof role !== 'string' || role.length > 50))
        return 'role: must be a short text such as commander';
      if (this.resolved) return 'the incident is resolved';
      return this.state.responders.some((r) => r.who === responder) ? `${responder} is already a responder` : undefined;
    }
    if (kind === 'add note') {
      const { note } = fields;
      return typeof note === 'string' && note.trim() !== '' ? undefined : 'note: must not be empty';
    }
    if (!this.resolved) return 'the review comes after the incident is resolved';
    return this.state.review.completedAt ? `the review was completed by ${this.state.review.completedBy}` : undefined;
  }

  /** A refused Update or Signal, kept in the timeline (and so in `status` and the audit chain). */
  recordRefused(kind: string, request: unknown, reason: string, now: number): void {
    const actor = isRecord(request) && typeof request.actor === 'string' ? request.actor : 'unknown';
    this.record(now, actor, `refused ${kind}`, reason);
  }

  record(now: number, by: string, event: string, detail?: string): void {
    this.countDropped(
      'timeline',
      this.state.timeline,
      { at: new Date(now).toISOString(), by, event, ...(detail ? { detail } : {}) },
      MAX_TIMELINE,
    );
    this.state.version++;
  }

  /** Appends to a capped list and counts what it dropped, so the snapshot says the list is not whole. */
  private countDropped<T>(list: 'timeline' | 'alerts', items: T[], item: T, max: number): void {
    const before = items.length;
    pushCapped(items, item, max);
    const dropped = before + 1 - items.length;
    if (dropped === 0) return;
    this.state.dropped ??= { timeline: 0, alerts: 0 };
    this.state.dropped[list] += dropped;
  }

  /** A copy for a query or continue-as-new. */
  snapshot(): IncidentSnapshot {
    return clonePlain(this.state);
  }

  /** The message's shape, then its sender: responders of the incident may update it whatever their gateway roles. */
  private senderProblem(schema: z.ZodType, request: unknown): string | undefined {
    const problem = shapeRefusal(schema, request);
    if (problem) return problem;
    const { actor, roles } = request as ActorRequest;
    if (hasRole(roles, RESPONDER_ROLES) || this.state.responders.some((r) => r.who === actor)) return undefined;
    return `${actor} may not update the incident: needs role ${RESPONDER_ROLES.join(' or ')} or to be a responder`;
  }
}
