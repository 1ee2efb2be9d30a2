import { z } from 'zod';
import { lazySchema } from '../lazy-schema';
import { clonePlain, pushCapped } from '../plain-data';
import {
  directPolicy,
  firstStep,
  manualEscalationTarget,
  nextStep,
  opensIncident,
  TARGET_KINDS,
  type EscalationPolicy,
  type EscalationPosition,
  type EscalationTarget,
} from './escalation-policy';
import { shapeRefusal } from '../validation';
import {
  actorRequestProblemBeforeKit,
  actorRequestSchema,
  identityFields,
  messageSchema,
  noteSchema,
  REASSIGN_ROLES,
  RESPONDER_ROLES,
  roleRefusal,
  type ActorRequest,
} from './requests';
import { sha256Hex } from './sha256';
import { type AlertEvent, type AlertLink, type AlertSource, type Severity, type TimelineEntry } from './types';
import { isRecord } from '../plain-data';

/**
 * One alert's state, as plain data the `alertEscalation` workflow drives (the FundingGate
 * pattern): each message has a refusalOf… method returning a reason or undefined (the same
 * rule serves the Update validator and the Signal handler) and an apply method. Time is
 * always passed in. `nextDue()` tells the workflow what to wait for, as an absolute
 * instant, so re-planning after any wake-up gives the same answer. Each message's shape is
 * one zod schema below, which the gateway and CLI parse bodies with too.
 */

export const ALERT_STATUSES = ['triggered', 'acknowledged', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];
export type ResolutionReason = 'source' | 'manual' | 'auto';

export const escalateRequestSchema = lazySchema(() =>
  messageSchema({
    ...identityFields(),
    note: noteSchema.optional(),
    /** Jump to this level (1-based) of the current round; default: the next step. */
    level: z
      .number({ error: 'must be a level number' })
      .int('must be a level number')
      .min(1, 'must be a level number')
      .optional(),
  }),
);
export type EscalateRequest = z.infer<typeof escalateRequestSchema>;

const escalationTargetSchema = lazySchema(() =>
  z
    .strictObject({
      kind: z.enum(TARGET_KINDS, { error: `must be one of ${TARGET_KINDS.join(', ')}` }),
      to: z
        .string({ error: 'must be a channel, user id, address or URL' })
        .max(2048, 'must be a channel, user id, address or URL')
        .refine((to) => to.trim() !== '', 'must be a channel, user id, address or URL'),
    })
    .refine((target) => target.kind !== 'webhook' || /^https?:\/\/\S+$/i.test(target.to), {
      path: ['to'],
      message: 'must be an http(s) URL',
    }),
);

/** Exactly one of `policy` (a configured policy's name) or `targets` (people to page directly): refusalOfReassign checks which. */
export const reassignRequestSchema = lazySchema(() =>
  messageSchema({
    ...identityFields(),
    note: noteSchema.optional(),
    policy: z.string({ error: 'must be the name of a configured policy' }).min(1).max(63).optional(),
    targets: z
      .array(escalationTargetSchema, { error: 'must be a list of 1 to 20 targets' })
      .min(1, 'must be a list of 1 to 20 targets')
      .max(20, 'must be a list of 1 to 20 targets')
      .optional(),
  }),
);
export type ReassignRequest = z.infer<typeof reassignRequestSchema>;

/** The operator messages of an alert, as recorded refusals name them. */
export type AlertMessageKind = 'acknowledge' | 'resolve' | 'escalate' | 'reassign';

export type DeliveryOutcome = 'sent' | 'failed' | 'suppressed';

export interface NotificationRecord {
  key: string;
  position: EscalationPosition;
  target: EscalationTarget;
  at: string;
  outcome: DeliveryOutcome;
  /** Slack channel and ts of the posted message (for chat.update), or the error, or the silence id. */
  detail?: string;
}

export type AlertDue =
  | { kind: 'notify'; at: number; position: EscalationPosition; targets: EscalationTarget[] }
  | { kind: 'ack_timeout'; at: number }
  | { kind: 'auto_resolve'; at: number };

export interface AlertSnapshot {
  dedupKey: string;
  source: AlertSource;
  sourceKey: string;
  service?: string;
  group?: string;
  labels: Record<string, string>;
  links: AlertLink[];
  summary: string;
  severity: Severity;
  status: AlertStatus;
  policy: EscalationPolicy;
  openedAt: number;
  lastSeenAt: number;
  count: number;
  /** Escalation restarts (ack timeout, reassign) start a new cycle at level 1. */
  cycle: number;
  cycleStartedAt: number;
  position?: EscalationPosition;
  notifiedAt?: number;
  maxLevel: number;
  /** An escalate-now waiting to be carried out. */
  manual?: { position: EscalationPosition; at: number };
  /** The step whose messages are going out now (until markNotified): an escalate-now goes past it. */
  sending?: EscalationPosition;
  /** `recheckAt`: silences can be expired early, so a held step looks again before `until`. */
  silence?: { id: string; until: number; recheckAt?: number };
  ack?: { by: string; at: number };
  resolution?: { by: string; at: number; reason: ResolutionReason };
  incident?: string;
  notifications: NotificationRecord[];
  counts: Record<DeliveryOutcome, number>;
  timeline: TimelineEntry[];
  /**
   * Entries the capped lists dropped (oldest first) over the alert's life, carried across
   * continue-as-new: the timeline and notifications keep the newest, this says how many went.
   * Absent on alerts begun before it was counted.
   */
  dropped?: { timeline: number; notifications: number };
  version: number;
}

export interface AlertStatusView {
  /** The alert id (the workflow id is `alert/<dedupKey>`). */
  dedupKey: string;
  source: AlertSource;
  /** The key as its sender gave it (PagerDuty's dedup_key, Alertmanager's fingerprint): operators may name the alert by it. */
  sourceKey: string;
  status: AlertStatus;
  severity: Severity;
  summary: string;
  service?: string;
  labels: Record<string, string>;
  policy: string;
  urgency: EscalationPolicy['urgency'];
  /** Highest level notified so far (0: none yet). */
  level: number;
  round: number;
  cycle: number;
  count: number;
  openedAt: string;
  lastSeenAt: string;
  acknowledged?: { by: string; at: string };
  resolved?: { by: string; at: string; reason: ResolutionReason };
  silenced?: { id: string; until: string };
  incident?: string;
  next?: { kind: AlertDue['kind']; at: string };
  notifications: Record<DeliveryOutcome, number>;
  timeline: TimelineEntry[];
  /** Older timeline entries no longer kept (the timeline keeps the newest MAX_TIMELINE); the audit chain has them all. */
  timelineDropped?: number;
}

export const MAX_TIMELINE = 300;
export const MAX_NOTIFICATIONS = 200;
const iso = (ms: number) => new Date(ms).toISOString();

export class AlertState {
  private readonly policies: readonly EscalationPolicy[];

  /** `policies`: what reassign-by-name may choose from (the workflow's config input). */
  constructor(
    readonly state: AlertSnapshot,
    options: { policies?: readonly EscalationPolicy[] } = {},
  ) {
    this.policies = options.policies ?? [];
  }

  static open(
    event: AlertEvent,
    policy: EscalationPolicy,
    now: number,
    options: { policies?: readonly EscalationPolicy[] } = {},
  ): AlertState {
    const alert = new AlertState(
      {
        dedupKey: event.dedupKey,
        source: event.source,
        sourceKey: event.sourceKey,
        ...(event.service !== undefined ? { service: event.service } : {}),
        ...(event.group !== undefined ? { group: event.group } : {}),
        labels: { ...event.labels },
        links: [...event.links],
        summary: event.summary,
        severity: event.severity,
        status: 'triggered',
        policy,
        openedAt: now,
        lastSeenAt: now,
        count: 1,
        cycle: 1,
        cycleStartedAt: now,
        maxLevel: 0,
        notifications: [],
        counts: { sent: 0, failed: 0, suppressed: 0 },
        timeline: [],
        version: 0,
      },
      options,
    );
    alert.note(
      now,
      `source:${event.source}`,
      'triggered',
      `${event.severity}: ${event.summary} (policy ${policy.name})`,
    );
    return alert;
  }

  /**
   * The alert a run continued as new hands over (`carried()` of the previous run): the same
   * state, so escalation goes on from the same absolute instants (nothing is re-planned from
   * the new run's start).
   */
  static resume(carried: AlertSnapshot, options: { policies?: readonly EscalationPolicy[] } = {}): AlertState {
    return new AlertState(clonePlain(carried), options);
  }

  /** The state for the next run (continue-as-new): plain data, bounded by the caps of its lists. */
  carried(): AlertSnapshot {
    return clonePlain(this.state);
  }

  get status(): AlertStatus {
    return this.state.status;
  }

  get closed(): boolean {
    return this.state.status === 'resolved';
  }

  // ------------------------------------------------------------ source events

  /**
   * Applies an event from the source for this alert. A repeated trigger only moves the
   * last-seen time and the count (and takes the new severity and summary); acknowledge and
   * resolve act as the source. Returns what happened; after resolve everything is ignored
   * (a trigger after resolve is a new alert: a new workflow run).
   */
  observe(event: AlertEvent, now: number): 'duplicate' | 'acknowledged' | 'resolved' | 'ignored' {
    if (event.dedupKey !== this.state.dedupKey || this.closed) return 'ignored';
    const by = `source:${event.source}`;
    if (event.action === 'resolve') {
      this.finish(by, now, 'source');
      return 'resolved';
    }
    if (event.action === 'acknowledge') {
      if (this.state.status !== 'triggered') return 'ignored';
      this.acknowledge({ actor: by, roles: [] }, now);
      return 'acknowledged';
    }
    this.state.count++;
    this.state.lastSeenAt = now;
    if (event.severity !== this.state.severity)
      this.note(now, by, 'severity changed', `${this.state.severity} -> ${event.severity}`);
    this.state.severity = event.severity;
    this.state.summary = event.summary;
    this.state.version++;
    return 'duplicate';
  }

  // ------------------------------------------------------------ operator messages

  refusalOfAcknowledge(request: unknown): string | undefined {
    const problem = this.requestProblem(actorRequestSchema, request, 'acknowledge', RESPONDER_ROLES);
    if (problem) return problem;
    return this.state.ack ? `already acknowledged by ${this.state.ack.by}` : undefined;
  }

  acknowledge(request: ActorRequest, now: number): void {
    this.state.status = 'acknowledged';
    this.state.ack = { by: request.actor, at: now };
    this.state.manual = undefined;
    this.note(now, request.actor, 'acknowledged', request.note);
  }

  refusalOfResolve(request: unknown): string | undefined {
    return this.requestProblem(actorRequestSchema, request, 'resolve', RESPONDER_ROLES);
  }

  resolve(request: ActorRequest, now: number): void {
    this.finish(request.actor, now, 'manual', request.note);
  }

  refusalOfEscalateNow(request: unknown): string | undefined {
    const problem = this.requestProblem(escalateRequestSchema, request, 'escalate', RESPONDER_ROLES);
    if (problem) return problem;
    const { level } = request as EscalateRequest;
    const target = manualEscalationTarget(this.state.policy, this.escalationBase(), level);
    return typeof target === 'string' ? target : undefined;
  }

  /** Notifies the next (or the given) level at once; an acknowledged alert is triggered again. */
  escalateNow(request: EscalateRequest, now: number): void {
    const position = manualEscalationTarget(this.state.policy, this.escalationBase(), request.level);
    if (typeof position === 'string') throw new Error(position);
    this.state.manual = { position, at: now };
    this.state.status = 'triggered';
    this.state.ack = undefined;
    this.note(
      now,
      request.actor,
      'escalate now',
      `to level ${position.level} (round ${position.round})${request.note ? `: ${request.note}` : ''}`,
    );
  }

  refusalOfReassign(request: unknown): string | undefined {
    const problem = this.requestProblem(reassignRequestSchema, request, 'reassign', REASSIGN_ROLES);
    if (problem) return problem;
    const { policy, targets } = request as ReassignRequest;
    if ((policy === undefined) === (targets === undefined)) return 'name either policy or targets';
    if (policy === undefined) return undefined;
    if (!this.policies.some((p) => p.name === policy))
      return `policy: no policy named "${policy}" (known: ${this.policies.map((p) => p.name).join(', ') || 'none'})`;
    return policy === this.state.policy.name ? `the alert already follows policy "${policy}"` : undefined;
  }

  /** Hands the alert to another policy or to explicit targets: escalation restarts at level 1 in a new cycle. */
  reassign(request: ReassignRequest, now: number): void {
    const named = request.policy === undefined ? undefined : this.policies.find((p) => p.name === request.policy);
    this.state.policy = named ?? directPolicy(this.state.policy, request.targets ?? []);
    this.restart(now);
    const to = named ? `policy ${named.name}` : (request.targets ?? []).map((t) => `${t.kind}:${t.to}`).join(', ');
    this.note(now, request.actor, 'reassigned', `to ${to}${request.note ? `: ${request.note}` : ''}`);
  }

  /**
   * The refusal rule of runs begun before the workflow kit (patch 'alert-workflow-kit'
   * false), exactly as it was at ab7e41f: extra keys ignored, fewer checks, in that order.
   * Signal handlers run again on replay: a Signal such a run accepted (`{actor, roles,
   * extra: 1}`) must be accepted again, or its replay takes another path. Not for new runs.
   */
  refusalBeforeKit(kind: AlertMessageKind, request: unknown): string | undefined {
    const allowed = kind === 'reassign' ? REASSIGN_ROLES : RESPONDER_ROLES;
    const problem = actorRequestProblemBeforeKit(request);
    if (problem) return problem;
    if (this.closed) return `the alert is resolved (by ${this.state.resolution?.by ?? 'unknown'})`;
    const role = roleRefusal(`${kind} alerts`, request as ActorRequest, allowed);
    if (role) return role;
    const fields = request as Record<string, unknown>;
    if (kind === 'acknowledge') return this.state.ack ? `already acknowledged by ${this.state.ack.by}` : undefined;
    if (kind === 'resolve') return undefined;
    if (kind === 'escalate') {
      if (fields.level !== undefined && typeof fields.level !== 'number') return 'level: must be a level number';
      const target = manualEscalationTarget(
        this.state.policy,
        this.escalationBase(),
        fields.level as number | undefined,
      );
      return typeof target === 'string' ? target : undefined;
    }
    const { policy, targets } = fields;
    if ((policy === undefined) === (targets === undefined)) return 'name either policy or targets';
    if (policy !== undefined) {
      if (typeof policy !== 'string' || !this.policies.some((p) => p.name === policy)) {
        return `policy: no policy named "${String(policy)}" (known: ${this.policies.map((p) => p.name).join(', ') || 'none'})`;
      }
      return policy === this.state.policy.name ? `the alert already follows policy "${policy}"` : undefined;
    }
    return targetsProblemBeforeKit(targets);
  }

  /** A refused Update or Signal, kept in the timeline (and so in the audit chain). */
  recordRefused(kind: string, request: unknown, reason: string, now: number): void {
    const actor = isRecord(request) && typeof request.actor === 'string' ? request.actor : 'unknown';
    this.note(now, actor, `refused ${kind}`, reason);
  }

  // ------------------------------------------------------------ escalation, driven by the workflow

  /** The next thing the workflow must do and when; undefined: nothing until a message arrives. */
  nextDue(): AlertDue | undefined {
    const s = this.state;
    if (this.closed) return undefined;
    const due: AlertDue[] = [];
    // On a tie, resolving beats paging someone for an alert that is about to close.
    if (s.policy.autoResolveMs !== undefined)
      due.push({ kind: 'auto_resolve', at: s.lastSeenAt + s.policy.autoResolveMs });
    if (s.status === 'acknowledged' && s.ack && s.policy.ackTimeoutMs !== undefined) {
      due.push({ kind: 'ack_timeout', at: s.ack.at + s.policy.ackTimeoutMs });
    }
    if (s.status === 'triggered') {
      const step = s.manual
        ? {
            kind: 'notify' as const,
            position: { ...s.manual.position, manualAt: s.manual.at },
            at: s.manual.at,
            targets: s.policy.levels[s.manual.position.level - 1]?.targets ?? [],
          }
        : s.position && s.notifiedAt !== undefined
          ? nextStep(s.policy, s.position, s.notifiedAt)
          : firstStep(s.policy, s.cycleStartedAt, s.cycle);
      const heldUntil = s.silence ? Math.min(s.silence.until, s.silence.recheckAt ?? s.silence.until) : 0;
      if (step.kind === 'notify') due.push({ ...step, at: Math.max(step.at, heldUntil) });
    }
    return due.reduce<AlertDue | undefined>((first, item) => (!first || item.at < first.at ? item : first), undefined);
  }

  /** The idempotency key of one message: alert run, cycle, round, level and target (hashed: webhook URLs may hold tokens). */
  notificationKey(position: EscalationPosition, target: EscalationTarget): string {
    const p = position;
    const manual = p.manualAt === undefined ? '' : `m${p.manualAt}`;
    return `${this.state.dedupKey}@${this.state.openedAt}/c${p.cycle}r${p.round}l${p.level}${manual}/${target.kind}-${sha256Hex(target.to).slice(0, 16)}`;
  }

  /** One target's delivery result; a failed channel is recorded and does not hold up the others. */
  recordDelivery(
    position: EscalationPosition,
    target: EscalationTarget,
    outcome: Exclude<DeliveryOutcome, 'suppressed'>,
    now: number,
    detail?: string,
  ): void {
    this.pushNotification(position, target, outcome, now, detail);
    this.state.version++;
  }

  /** The step at `position` was carried out (whatever each target's outcome): escalation moves on from here. */
  /**
   * A step's messages start going out. An escalate-now that arrives before markNotified (a
   * worker that died after the last send, its workflow task run again with the escalate-now
   * first: Temporal hands a task its messages before the activity results) must not page this
   * step again: "the next level" is the one after it.
   */
  startSending(position: EscalationPosition): void {
    this.state.sending = position;
  }

  markNotified(position: EscalationPosition, now: number): void {
    const s = this.state;
    delete s.sending;
    // Sending can take a while (a failing channel retries): an ack timeout or a reassign
    // meanwhile started a new cycle, which this older step must not overwrite.
    if (position.cycle !== s.cycle) {
      this.note(
        now,
        'system',
        'notified',
        `level ${position.level}, round ${position.round} of cycle ${position.cycle} (superseded)`,
      );
      return;
    }
    const { manualAt, ...reached } = position;
    s.position = reached;
    s.notifiedAt = now;
    s.maxLevel = Math.max(s.maxLevel, position.level);
    if (manualAt !== undefined && s.manual?.at === manualAt) s.manual = undefined; // a later escalate-now still waits
    s.silence = undefined;
    this.note(
      now,
      'system',
      'notified',
      `level ${position.level}, round ${position.round}${position.cycle > 1 ? `, cycle ${position.cycle}` : ''}`,
    );
  }

  /** A silence matched when the step was due: nothing is sent, the step waits until the silence ends. */
  recordSuppressed(
    position: EscalationPosition,
    silence: { id: string; until: number; recheckAt?: number },
    now: number,
  ): void {
    const holding = this.state.silence?.id === silence.id;
    this.state.silence = { ...silence };
    if (holding) {
      // looked again and the same silence still holds: nothing new to record
      this.state.version++;
      return;
    }
    for (const target of this.state.policy.levels[position.level - 1]?.targets ?? []) {
      this.pushNotification(position, target, 'suppressed', now, `silence ${silence.id}`);
    }
    this.note(
      now,
      'system',
      'suppressed',
      `level ${position.level} by silence ${silence.id} until ${iso(silence.until)}`,
    );
  }

  /** Acknowledged but not resolved in time: triggered again, escalation restarts at level 1. */
  ackTimedOut(now: number): void {
    this.restart(now);
    this.note(now, 'system', 'acknowledgement timed out', 'escalation restarts at level 1');
  }

  autoResolve(now: number): void {
    this.finish('system', now, 'auto', 'not reported by the source for the auto-resolve period');
  }

  /** Whether the alert should open (or join) an incident now; false once it has one. */
  get needsIncident(): boolean {
    return (
      !this.state.incident && !this.closed && opensIncident(this.state.policy, this.state.severity, this.state.maxLevel)
    );
  }

  linkIncident(incident: string, now: number): void {
    this.state.incident = incident;
    this.note(now, 'system', 'incident', incident);
  }

  view(): AlertStatusView {
    const s = this.state;
    const next = this.nextDue();
    return {
      dedupKey: s.dedupKey,
      source: s.source,
      sourceKey: s.sourceKey,
      status: s.status,
      severity: s.severity,
      summary: s.summary,
      ...(s.service !== undefined ? { service: s.service } : {}),
      labels: { ...s.labels },
      policy: s.policy.name,
      urgency: s.policy.urgency,
      level: s.maxLevel,
      round: s.position?.round ?? 0,
      cycle: s.cycle,
      count: s.count,
      openedAt: iso(s.openedAt),
      lastSeenAt: iso(s.lastSeenAt),
      ...(s.ack ? { acknowledged: { by: s.ack.by, at: iso(s.ack.at) } } : {}),
      ...(s.resolution
        ? { resolved: { by: s.resolution.by, at: iso(s.resolution.at), reason: s.resolution.reason } }
        : {}),
      ...(s.silence ? { silenced: { id: s.silence.id, until: iso(s.silence.until) } } : {}),
      ...(s.incident ? { incident: s.incident } : {}),
      ...(next ? { next: { kind: next.kind, at: iso(next.at) } } : {}),
      notifications: { ...s.counts },
      timeline: [...s.timeline],
      ...(s.dropped && s.dropped.timeline > 0 ? { timelineDropped: s.dropped.timeline } : {}),
    };
  }

  // ------------------------------------------------------------ internals

  /** Where escalate-now counts from: the last step, or the start of the current cycle. */
  private escalationBase(): EscalationPosition {
    const s = this.state;
    // A step of an older cycle still going out is not where this cycle stands.
    const sending = s.sending?.cycle === s.cycle ? s.sending : undefined;
    if (sending) {
      const { manualAt: _manualAt, ...step } = sending;
      return step;
    }
    return s.position ?? { cycle: s.cycle, round: 1, level: 0 };
  }

  /** The message's shape, then a closed alert, then the sender's roles. */
  private requestProblem(
    schema: z.ZodType,
    request: unknown,
    what: string,
    roles: readonly string[],
  ): string | undefined {
    const problem = shapeRefusal(schema, request);
    if (problem) return problem;
    if (this.closed) return `the alert is resolved (by ${this.state.resolution?.by ?? 'unknown'})`;
    return roleRefusal(`${what} alerts`, request as ActorRequest, roles);
  }

  private restart(now: number): void {
    const s = this.state;
    s.status = 'triggered';
    s.ack = undefined;
    s.manual = undefined;
    s.position = undefined;
    s.notifiedAt = undefined;
    s.cycle++;
    s.cycleStartedAt = now;
  }

  private finish(by: string, now: number, reason: ResolutionReason, detail?: string): void {
    this.state.status = 'resolved';
    this.state.resolution = { by, at: now, reason };
    this.state.manual = undefined;
    this.note(now, by, 'resolved', detail ?? (reason === 'source' ? 'the source reported it resolved' : undefined));
  }

  private pushNotification(
    position: EscalationPosition,
    target: EscalationTarget,
    outcome: DeliveryOutcome,
    now: number,
    detail?: string,
  ): void {
    const record = {
      key: this.notificationKey(position, target),
      position,
      target,
      at: iso(now),
      outcome,
      ...(detail ? { detail } : {}),
    };
    this.countDropped('notifications', this.state.notifications, record, MAX_NOTIFICATIONS);
    this.state.counts[outcome]++;
  }

  private note(now: number, by: string, event: string, detail?: string): void {
    this.countDropped(
      'timeline',
      this.state.timeline,
      { at: iso(now), by, event, ...(detail ? { detail } : {}) },
      MAX_TIMELINE,
    );
    this.state.version++;
  }

  /** Appends to a capped list and counts what it dropped, so the view can say the list is not whole. */
  private countDropped<T>(list: 'timeline' | 'notifications', items: T[], item: T, max: number): void {
    const before = items.length;
    pushCapped(items, item, max);
    const dropped = before + 1 - items.length;
    if (dropped === 0) return;
    this.state.dropped ??= { timeline: 0, notifications: 0 };
    this.state.dropped[list] += dropped;
  }
}

/** The targets check of reassign before the workflow kit (see refusalBeforeKit), as it was. */
function targetsProblemBeforeKit(targets: unknown): string | undefined {
  if (!Array.isArray(targets) || targets.length === 0 || targets.length > 20)
    return 'targets: must be a list of 1 to 20 targets';
  for (const [index, target] of targets.entries()) {
    if (!isRecord(target) || !(TARGET_KINDS as readonly string[]).includes(String(target.kind))) {
      return `targets.${index}.kind: must be one of ${TARGET_KINDS.join(', ')}`;
    }
    if (typeof target.to !== 'string' || target.to.trim() === '' || target.to.length > 2048)
      return `targets.${index}.to: must be a channel, user id, address or URL`;
    if (target.kind === 'webhook' && !/^https?:\/\/\S+$/i.test(target.to))
      return `targets.${index}.to: must be an http(s) URL`;
  }
  return undefined;
}
