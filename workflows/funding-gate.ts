import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { fundingGateInputSchema, type FundingGateInput } from '../domain/funding/gate-input';
import type { CarriedPhase, GateCarried } from '../domain/funding/gate-carried';
import { RunBound } from '../domain/alerts/history-bound';
import { durationToMs } from '../domain/durations';
import { InputError } from '../domain/validation';
import {
  FundingGate,
  type EvidenceRequest,
  type GateStatus as GateStatusValue,
  type GateStatusView,
  type HoldRequest,
  type ResubmitRequest,
  type ReverseRequest,
  type SetupChange,
  type TimelineEntry,
  type VoteRequest,
  type WaiveRequest,
} from '../domain/funding/gate';
import { formatMoney } from '../domain/funding/money';
import type { FundingGateActivities } from '../activities/funding-gate';
import type { FundingPaymentActivities } from '../activities/funding-payments';
import { AuditTrail } from './kit/audit-trail';
import { wireOperatorMessages } from './kit/operator-messages';
import { now } from './kit/time';
import { invalidInput, parseWorkflowInput } from './kit/workflow-input';
import { AmountRequested, GateStatus, MilestoneId, ProjectId } from './search-attributes';

// Every operator message is an Update and a Signal of the same payload and name. The Update
// tells the caller at once whether it was accepted (four eyes, duplicate vote, closed
// gate...); the Signal is for the Web UI, which can only signal: the same rule applies, and
// a refused signal is recorded in the status instead of thrown.
export const decideUpdate = defineUpdate<GateStatusView, [VoteRequest]>('decide');
export const decideSignal = defineSignal<[VoteRequest]>('decide');
export const evidenceUpdate = defineUpdate<GateStatusView, [EvidenceRequest]>('submitEvidence');
export const evidenceSignal = defineSignal<[EvidenceRequest]>('submitEvidence');
export const waiveUpdate = defineUpdate<GateStatusView, [WaiveRequest]>('waiveCondition');
export const waiveSignal = defineSignal<[WaiveRequest]>('waiveCondition');
export const resubmitUpdate = defineUpdate<GateStatusView, [ResubmitRequest]>('resubmit');
export const resubmitSignal = defineSignal<[ResubmitRequest]>('resubmit');
export const holdUpdate = defineUpdate<GateStatusView, [HoldRequest]>('hold');
export const holdSignal = defineSignal<[HoldRequest]>('hold');
export const resumeUpdate = defineUpdate<GateStatusView, [HoldRequest]>('resume');
export const resumeSignal = defineSignal<[HoldRequest]>('resume');
export const reverseUpdate = defineUpdate<GateStatusView, [ReverseRequest]>('reverse');
export const reverseSignal = defineSignal<[ReverseRequest]>('reverse');
export const statusQuery = defineQuery<GateStatusView>('status');
// An admin changed the project's funding program or payees: the author may not decide this
// draw for the maker-checker window. It only restricts, so any sender is accepted.
export const setupChangedSignal = defineSignal<[SetupChange]>('setupChanged');

/** Runs that began before the workflow kit keep their commands: one audit activity per event, messages as they were. */
const KIT_PATCH = 'funding-gate-kit';

/**
 * Runs with this marker continue as new when their history is long (RunBound: the server's
 * suggestion, EVENTS_PER_RUN events or MESSAGES_PER_RUN messages), while they wait on people
 * and never while they pay, carrying the gate (gate-carried.ts): a flood of refused or
 * duplicate signals cannot grow one run's history without bound. They audit one call per
 * change (under a flood, "until none is left" would never return to the loop that decides).
 * Runs begun before keep one run and their audit loop.
 */
const CONTINUE_PATCH = 'funding-gate-continue-as-new';

/** Activities that call out heartbeat while they wait: a worker that died mid-call is noticed this fast. */
const HEARTBEAT_TIMEOUT = '10 seconds';

// The audit of a run begun before the kit: a local database write, retried until it lands.
const { recordGateEvent } = proxyActivities<FundingGateActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});
// Notifications (the outbox, and SMTP when configured) are retried until they land too; the
// send heartbeats, so one cut off by a dead worker is retried elsewhere within seconds.
const { notify } = proxyActivities<FundingGateActivities>({
  startToCloseTimeout: '30 seconds',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});
// Money: retried until it lands (the idempotency key makes a retry a no-op), but a business
// refusal (not enough funds) is final and must reach the gate. The payment heartbeats while
// it waits on the provider: a worker killed mid-payment is retried on another in seconds,
// not after the start-to-close minute (the draw would sit in `disbursing` meanwhile).
const { disburse, reverseRelease } = proxyActivities<FundingPaymentActivities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: {
    initialInterval: '2 seconds',
    maximumInterval: '5 minutes',
    nonRetryableErrorTypes: ['InsufficientFunds', 'PaymentRefused', 'InvalidInput'],
  },
});

/**
 * A construction draw: evidence and approvals are collected while reminders and the SLA
 * clock run (paused on hold and while the applicant revises); once approved with every
 * blocking condition met, the release is paid exactly once; afterwards the gate waits for
 * the unconditional lien waiver and can still be reversed.
 */
export async function fundingGate(input: FundingGateInput): Promise<GateStatusView> {
  const kit = patched(KIT_PATCH); // before any command: runs begun before take the old path throughout
  const gate = openGate(input);
  // Runs begun before it kept every timeline entry and took any number of evidence pieces.
  gate.bounded = kit && patched('funding-gate-bounded-state');
  const continues = gate.bounded && patched(CONTINUE_PATCH);
  const carried = continues ? gate.input.carried : undefined;
  const { projectId, milestoneId, clocks, currency } = gate.input;
  const subject = `${projectId}/${milestoneId}`;
  const recorder = kit
    ? new GateRecorder(gate, subject, continues ? { handingOver: () => runFull(), unaudited: carried?.unaudited } : {})
    : new GateRecorderBeforeKit(gate, subject);
  const bound = new RunBound(gate.input.options);
  /** The history is long (or the server says so): the gate goes to a new run at the next wait. */
  function runFull() {
    return continues && bound.due(workflowInfo());
  }

  setHandler(statusQuery, () => gate.view(now()));
  if (kit) wireMessages(gate, bound);
  else wireMessagesBeforeKit(gate);
  upsertSearchAttributes([
    { key: ProjectId, value: projectId },
    { key: MilestoneId, value: milestoneId },
    { key: GateStatus, value: carried ? gate.reportedStatus : gate.status },
    { key: AmountRequested, value: gate.approvals.requestedTotal },
  ]);
  if (carried) {
    // The chain's audit links each run to the one it continues; the entries that run left unaudited are written now.
    const previousRunId = workflowInfo().continuedFromExecutionRunId;
    await recorder.continued({ phase: carried.phase, ...(previousRunId ? { previousRunId } : {}) });
  } else {
    // With the entries of messages that arrived with the start (the first activation).
    await recorder.opened(gate.input.requestedBy, { requested: gate.approvals.requestedTotal, currency });
  }
  // 1-2. Collect evidence and approvals until the gate may pay, then pay exactly once (key:
  // workflow id + release number). Not enough funds puts the gate on hold: an operator
  // resumes it after the lender's deposit, and the same key pays then. A payment the
  // provider refused for good is undone in the ledger and also holds the gate: once the
  // payee's details are fixed, resume pays under the next release number. A run that
  // continued as new after the payment goes straight to 3: it never pays.
  let releaseNumber = carried?.releaseNumber ?? 1;
  if (carried?.phase !== 'disbursed') {
    for (;;) {
      await collectDecision();
      if (gate.closed) return finish();
      gate.release = gate.computeRelease();
      await recorder.setStatus('system', 'disbursing');
      try {
        if (gate.release.totals.approved > 0)
          gate.payment = await disburse({
            workflowId: workflowInfo().workflowId,
            releaseNumber,
            projectId,
            payeeId: gate.input.payeeId,
            currency,
            releasedNow: gate.release.totals.releasedNow,
            retainageHeld: gate.release.totals.retainageHeld,
            memo: `${gate.input.kind} ${subject}`,
            source: gate.input.kind === 'retainage_release' ? 'retainage' : 'funding',
          });
        break;
      } catch (err) {
        const refusal = paymentRefusal(err);
        if (!refusal) throw err;
        if (refusal.type === 'PaymentRefused') releaseNumber += 1;
        const reason =
          refusal.type === 'InsufficientFunds'
            ? `insufficient funds: ${refusal.message}`
            : `payment refused: ${refusal.message}`;
        gate.status = 'open';
        gate.hold({ reason, actor: 'system', roles: ['admin'] }, now());
        await recorder.held(); // the status and search attribute say on_hold from now on
        const step =
          refusal.type === 'InsufficientFunds'
            ? `insufficient-funds-${gate.version}`
            : `payment-refused-${releaseNumber - 1}`;
        await notify({
          step,
          channel: 'email',
          recipients: [clocks.escalationContact],
          subject: `Draw ${subject} could not be paid`,
          body: reason,
        });
      }
    }
    gate.note(now(), 'system', 'disbursed', formatMoney(gate.release.totals.releasedNow, currency));
    await recorder.setStatus('system', 'disbursed');
    await recorder.late();
  }

  // 3. After payment: the unconditional waiver is due (flagged when overdue); until it
  // arrives the release can still be reversed.
  const waiverDue = clocks.unconditionalWaiverDue;
  const settled = () => gate.reversal !== undefined || !gate.awaitsUnconditionalWaiver;
  if (continues) {
    // Due at a wall time, carried to the next run: a new run does not restart the wait.
    await awaitSettlement(carried?.waiverDueAt ?? now() + durationToMs(waiverDue));
  } else if (!(await condition(settled, waiverDue))) {
    await waiverOverdue();
    await condition(settled);
  }
  await recorder.late();
  const reversal = gate.reversal;
  if (reversal) {
    await reverseRelease({
      workflowId: workflowInfo().workflowId,
      releaseNumber,
      reason: reversal.reason,
      actor: reversal.actor,
    });
    gate.note(now(), reversal.actor, 'reversed', reversal.reason);
    await recorder.setStatus(reversal.actor, 'reversed');
  } else {
    await recorder.setStatus('system', 'completed');
  }
  return finish();

  async function collectDecision() {
    while (!gate.closed && !gate.readyToPay(now())) {
      if (runFull()) await continueAsNewFrom('collecting');
      const seen = gate.version;
      // A run that may continue as new also wakes when its history is full (never true for others).
      const changed = () => gate.version !== seen || runFull();
      if (gate.clock.paused) {
        await condition(changed);
      } else {
        const due = gate.clock.next(now());
        const woken = due.inMs > 0 && (await condition(changed, due.inMs));
        if (!woken) await onClock(due.event);
      }
      await recorder.settle();
    }
  }

  /** Paid: until the waiver arrives or a reversal is asked for, flagged overdue once at `dueAt` (epoch ms). */
  async function awaitSettlement(dueAt: number) {
    while (!settled()) {
      if (runFull()) await continueAsNewFrom('disbursed', dueAt);
      const seen = gate.version;
      const woken = () => settled() || gate.version !== seen || runFull();
      if (gate.unconditionalWaiverOverdue) await condition(woken);
      else if (!(dueAt > now() && (await condition(woken, dueAt - now())))) await waiverOverdue();
      await recorder.settle();
    }
  }

  async function waiverOverdue() {
    gate.unconditionalWaiverOverdue = true;
    gate.note(now(), 'system', 'unconditional waiver overdue');
    await notify({
      step: 'waiver-overdue',
      channel: 'email',
      recipients: [clocks.escalationContact],
      subject: `Unconditional lien waiver overdue for ${subject}`,
      body: `Due within ${waiverDue} of payment.`,
    });
  }

  /**
   * Hands the gate to a new run while it waits on people: every message handled first, then
   * the state, where it waited, the release number and the timeline entries not audited yet
   * (the next run writes them) go along. Never called while a payment is under way.
   */
  async function continueAsNewFrom(phase: CarriedPhase, waiverDueAt?: number): Promise<never> {
    await condition(allHandlersFinished);
    const next: GateCarried = {
      phase,
      releaseNumber,
      ...(waiverDueAt === undefined ? {} : { waiverDueAt }),
      unaudited: recorder.unaudited(),
      gate: gate.snapshot(),
    };
    return continueAsNew<typeof fundingGate>({ ...input, carried: next });
  }

  async function onClock(event: 'reminder' | 'sla' | 'expire') {
    if (event === 'expire') {
      gate.expire(now());
      return;
    }
    const pending = gate.approvals.pendingApprovers();
    if (event === 'reminder') {
      gate.clock.remindersSent += 1;
      await notify({
        step: `reminder-${gate.clock.remindersSent}`,
        channel: 'email',
        recipients: [...pending.users, ...pending.roles.map((role) => `role:${role}`)],
        subject: `Draw ${subject} awaits your decision`,
        body: `Stage ${pending.stage ?? '-'} needs ${pending.approvalsNeeded} more approval(s).`,
      });
    } else {
      gate.clock.escalated = true;
      gate.note(now(), 'system', 'escalated', clocks.escalationContact);
      await notify({
        step: 'sla-escalation',
        channel: 'email',
        recipients: [clocks.escalationContact],
        subject: `Draw ${subject} passed its SLA`,
        body: `Undecided after ${clocks.slaAfter} of waiting on approvers.`,
      });
    }
  }

  async function finish(): Promise<GateStatusView> {
    await recorder.close();
    await condition(allHandlersFinished);
    await recorder.final(); // refusals recorded while closing; no await between the last check and the return
    return gate.view(now());
  }
}

/** The gate of an input; a malformed one, or a policy the requester's four-eyes exclusion makes unreachable, fails the draw at once (no task retries). */
function openGate(input: FundingGateInput): FundingGate {
  const parsed = parseWorkflowInput(fundingGateInputSchema, input, 'fundingGate input');
  try {
    // A continued run takes the gate its previous run handed over (gate-carried.ts).
    return parsed.carried ? FundingGate.resume(parsed, parsed.carried.gate, now()) : new FundingGate(parsed, now());
  } catch (err) {
    throw invalidInput(
      err instanceof InputError ? new InputError(`fundingGate input: ${err.message}`, err.issues) : err,
    );
  }
}

/** A business refusal of the payment that an operator can resolve; anything else fails the gate's task. */
function paymentRefusal(err: unknown): { type: 'InsufficientFunds' | 'PaymentRefused'; message: string } | undefined {
  if (!(err instanceof ActivityFailure && err.cause instanceof ApplicationFailure)) return undefined;
  const { type, message } = err.cause;
  return type === 'InsufficientFunds' || type === 'PaymentRefused' ? { type, message } : undefined;
}

/**
 * The gate's operator messages: each Update validates with the gate's own rule; each Signal
 * applies it or records the refusal. Every message handled, accepted or refused, counts
 * for the run's bound.
 */
function wireMessages(gate: FundingGate, bound: RunBound): void {
  const state = {
    view: () => gate.view(now()),
    recordRefused: (kind: string, request: unknown, reason: string) => {
      bound.message();
      gate.recordRefused(kind, request, reason, now());
    },
  };
  wireOperatorMessages(state, {
    decide: {
      update: decideUpdate,
      signal: decideSignal,
      refusal: (vote: VoteRequest) => gate.refusalOfVote(vote, now()),
      apply: bound.counting((vote: VoteRequest) => gate.vote(vote, now())),
    },
    submitEvidence: {
      update: evidenceUpdate,
      signal: evidenceSignal,
      refusal: (evidence: EvidenceRequest) => gate.refusalOfEvidence(evidence, now()),
      apply: bound.counting((evidence: EvidenceRequest) => gate.addEvidence(evidence, now())),
    },
    waiveCondition: {
      update: waiveUpdate,
      signal: waiveSignal,
      refusal: (request: WaiveRequest) => gate.refusalOfWaiver(request, now()),
      apply: bound.counting((request: WaiveRequest) => gate.waive(request, now())),
    },
    resubmit: {
      update: resubmitUpdate,
      signal: resubmitSignal,
      refusal: (request: ResubmitRequest) => gate.refusalOfResubmit(request),
      apply: bound.counting((request: ResubmitRequest) => gate.resubmit(request, now())),
    },
    hold: {
      update: holdUpdate,
      signal: holdSignal,
      refusal: (request: HoldRequest) => gate.refusalOfHold(request),
      apply: bound.counting((request: HoldRequest) => gate.hold(request, now())),
    },
    resume: {
      update: resumeUpdate,
      signal: resumeSignal,
      refusal: (request: HoldRequest) => gate.refusalOfResume(request),
      apply: bound.counting((request: HoldRequest) => gate.resume(request, now())),
    },
    reverse: {
      update: reverseUpdate,
      signal: reverseSignal,
      refusal: (request: ReverseRequest) => gate.refusalOfReverse(request),
      apply: bound.counting((request: ReverseRequest) => gate.reverse(request)),
    },
  });
  setHandler(setupChangedSignal, (change) => {
    bound.message();
    const reason = gate.refusalOfSetupChange(change);
    if (reason) gate.recordRefused('setupChanged', change, reason, now());
    else gate.noteSetupChange(change, now());
  });
}

/**
 * How the gate reaches the audit chain and the GateStatus search attribute: every timeline
 * entry and status change is audited once, in one activity call per burst, and the search
 * attribute is upserted when the status the query shows changes (so the two agree).
 */
class GateRecorder {
  private readonly trail: AuditTrail<TimelineEntry>;
  private published: GateStatusValue;
  /** The timeline the trail is shown while a one-call settle writes (a copy taken when it began). */
  private frozen: readonly TimelineEntry[] | undefined;
  /** The last timeline entry a settle wrote (or the run before did): what a hand-over counts from. */
  private auditedThrough: TimelineEntry | undefined;

  /**
   * `handingOver` (runs that may continue as new): once it holds, a settle stops after the
   * call under way, and the entries added meanwhile go to the next run: a flood of accepted
   * signals cannot keep the run in its audit. `unaudited`: a continued run's last timeline
   * entries its run before did not write.
   */
  constructor(
    private readonly gate: FundingGate,
    subject: string,
    private readonly options: { handingOver?: () => boolean; unaudited?: number },
  ) {
    this.trail = new AuditTrail({
      subject,
      timeline: () => this.frozen ?? gate.timeline,
      toEvent: (entry) => entryEvent(gate, entry),
    });
    // 'opened' is audited as funding.opened, with the request's figures; a continued run's
    // timeline was audited by the runs before, but for its last `unaudited` entries.
    this.frozen = gate.timeline.slice(0, Math.max(0, gate.timeline.length - (options.unaudited ?? 0)));
    this.trail.skipTimeline();
    this.auditedThrough = this.frozen.at(-1);
    this.frozen = undefined;
    this.published = gate.reportedStatus;
  }

  async opened(actor: string, data: Record<string, unknown>): Promise<void> {
    this.trail.note(actor, 'funding.opened', data);
    await this.settle();
  }

  /** A run that continued as new: the chain notes where it took over, then gets the entries left unaudited. */
  async continued(data: Record<string, unknown>): Promise<void> {
    this.trail.note('system', 'funding.continued', data);
    await this.settle();
  }

  /** Timeline entries not audited yet (all kept ones when the cap dropped the last audited one). */
  unaudited(): number {
    const { timeline } = this.gate;
    const at = this.auditedThrough === undefined ? -1 : timeline.lastIndexOf(this.auditedThrough);
    return timeline.length - 1 - at;
  }

  async setStatus(actor: string, status: GateStatusValue): Promise<void> {
    const before = this.gate.status;
    this.gate.status = status;
    this.trail.note(actor, `funding.${status}`, { before, after: status });
    await this.settle();
  }

  /** After messages or a clock event: audits the new entries, publishes the status. */
  async settle(): Promise<void> {
    const { handingOver } = this.options;
    this.publish();
    // Runs that never hand over: one flush, kept exact to the microtask (their histories replay).
    if (!handingOver) await this.trail.flush();
    // Others: one call at a time, each for the entries there were when it began, until none
    // is left or the run is to hand over.
    else
      do {
        this.frozen = [...this.gate.timeline];
        await this.trail.flush();
        this.auditedThrough = this.frozen.at(-1) ?? this.auditedThrough;
        this.frozen = undefined;
      } while (this.unaudited() > 0 && !handingOver());
    this.publish();
  }

  /** A payment could not be made and the gate went on hold: said at once, not at the next message. */
  held(): Promise<void> {
    return this.settle();
  }

  late(): Promise<void> {
    return this.settle();
  }

  async close(): Promise<void> {
    await this.settle();
    await this.trail.record('system', 'funding.closed', { status: this.gate.status });
  }

  /** The last write of a run: every entry left, also those messages add while it writes (nothing awaits after it). */
  async final(): Promise<void> {
    this.publish();
    await this.trail.flush();
    this.publish();
  }

  private publish(): void {
    const status = this.gate.reportedStatus;
    if (status === this.published) return;
    this.published = status;
    upsertSearchAttributes([{ key: GateStatus, value: status }]);
  }
}

function entryEvent(gate: FundingGate, entry: TimelineEntry) {
  return {
    actor: entry.by,
    action: `funding.${entry.event.replaceAll(' ', '_')}`,
    data: { status: gate.status, detail: entry.detail },
  };
}

// ---- runs begun before the kit ------------------------------------------------------
// Kept exact, so their histories replay: one recordGateEvent activity per audit event, the
// search attribute upserted after every audit loop, and the messages as they were (no
// Signal for waive, resubmit and reverse; hold and resume only by Signal, refusals
// dropped; evidence by Signal even on a closed gate; a refused vote wakes the loop).

class GateRecorderBeforeKit {
  private sequence = 0;
  /** Only the 'opened' entry exists when the gate opens: later entries of the first activation are audited after it. */
  private readonly openedEntries: number;
  private audited = 0;
  private auditsEveryEntry = false;

  constructor(
    private readonly gate: FundingGate,
    private readonly subject: string,
  ) {
    this.openedEntries = gate.timeline.length;
  }

  async opened(actor: string, data: Record<string, unknown>): Promise<void> {
    await this.audit(actor, 'funding.opened', data);
    // Before this patch, the entries of the first activation were skipped and those after
    // the decision never audited.
    this.auditsEveryEntry = patched('audit-every-timeline-entry');
    this.audited = this.auditsEveryEntry ? this.openedEntries : this.gate.timeline.length;
    await this.late();
  }

  async setStatus(actor: string, status: GateStatusValue): Promise<void> {
    const before = this.gate.status;
    this.gate.status = status;
    upsertSearchAttributes([{ key: GateStatus, value: status }]);
    await this.audit(actor, `funding.${status}`, { before, after: status });
  }

  async settle(): Promise<void> {
    while (this.audited < this.gate.timeline.length) {
      const entry = this.gate.timeline[this.audited++]!;
      const { actor, action, data } = entryEvent(this.gate, entry);
      await this.audit(actor, action, data);
    }
    upsertSearchAttributes([{ key: GateStatus, value: this.gate.onHold ? 'on_hold' : this.gate.status }]);
  }

  async held(): Promise<void> {}

  async late(): Promise<void> {
    if (this.auditsEveryEntry) await this.settle();
  }

  final(): Promise<void> {
    return this.late();
  }

  /** Runs begun before the kit never continue as new (they have no run bound). */
  continued(): Promise<void> {
    throw new Error('a fundingGate run begun before the workflow kit does not continue as new');
  }

  unaudited(): number {
    throw new Error('a fundingGate run begun before the workflow kit does not continue as new');
  }

  async close(): Promise<void> {
    await this.late();
    upsertSearchAttributes([{ key: GateStatus, value: this.gate.status }]);
    await this.audit('system', 'funding.closed', { status: this.gate.status });
  }

  private audit(actor: string, action: string, data?: Record<string, unknown>): Promise<void> {
    return recordGateEvent({ sequence: ++this.sequence, actor, action, subject: this.subject, data });
  }
}

function wireMessagesBeforeKit(gate: FundingGate): void {
  const refuse = (reason: string | undefined) => {
    if (reason) throw new Error(reason);
  };
  setHandler(decideUpdate, (vote) => (gate.vote(vote, now()), gate.view(now())), {
    validator: (vote) => refuse(gate.refusalOfVote(vote, now())),
  });
  setHandler(decideSignal, (vote) => {
    const reason = gate.refusalOfVote(vote, now());
    if (!reason) return gate.vote(vote, now());
    gate.recordRefused('decide', vote, reason, now());
    gate.version++;
  });
  setHandler(evidenceUpdate, (evidence) => (gate.addEvidence(evidence, now()), gate.view(now())), {
    validator: (evidence) => refuse(gate.refusalOfEvidence(evidence, now())),
  });
  setHandler(evidenceSignal, (evidence) => {
    const reason = gate.refusalOfEvidenceContent(evidence, now());
    if (reason) gate.recordRefused('submitEvidence', evidence, reason, now());
    else gate.addEvidence(evidence, now());
  });
  setHandler(waiveUpdate, (request) => (gate.waive(request, now()), gate.view(now())), {
    validator: (request) => refuse(gate.refusalOfWaiver(request, now())),
  });
  setHandler(resubmitUpdate, (request) => (gate.resubmit(request, now()), gate.view(now())), {
    validator: (request) => refuse(gate.refusalOfResubmit(request)),
  });
  setHandler(holdSignal, (request) => {
    if (!gate.refusalOfHold(request)) gate.hold(request, now());
  });
  setHandler(resumeSignal, (request) => {
    if (!gate.refusalOfResume(request)) gate.resume(request, now());
  });
  setHandler(setupChangedSignal, (change) => {
    if (!gate.refusalOfSetupChange(change)) gate.noteSetupChange(change, now());
  });
  setHandler(reverseUpdate, (request) => (gate.reverse(request), gate.view(now())), {
    validator: (request) => refuse(gate.refusalOfReverse(request)),
  });
}
