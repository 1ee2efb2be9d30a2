import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import {
  fundingGateInputSchema,
  type FundingGateInput,
  type ParsedFundingGateInput,
} from '../domain/funding/gate-input';
import { InputError } from '../domain/validation';
import {
  FundingGate,
  type EvidenceRequest,
  type GateStatusView,
  type HoldRequest,
  type ResubmitRequest,
  type ReverseRequest,
  type SetupChange,
  type VoteRequest,
  type WaiveRequest,
} from '../domain/funding/gate';
import { formatMoney } from '../domain/funding/money';
import type { FundingGateActivities } from '../activities/funding-gate';
import type { FundingPaymentActivities } from '../activities/funding-payments';
import { AmountRequested, GateStatus, MilestoneId, ProjectId } from './search-attributes';

// Approvals, evidence, waivers, resubmission and reversal are Updates: the caller learns at
// once whether it was accepted (four-eyes, duplicate vote, closed gate...). Each has a
// Signal of the same payload for the Web UI, which can only signal: the same rule applies,
// and a refused signal is recorded in the status instead of thrown.
export const decideUpdate = defineUpdate<GateStatusView, [VoteRequest]>('decide');
export const decideSignal = defineSignal<[VoteRequest]>('decide');
export const evidenceUpdate = defineUpdate<GateStatusView, [EvidenceRequest]>('submitEvidence');
export const evidenceSignal = defineSignal<[EvidenceRequest]>('submitEvidence');
export const waiveUpdate = defineUpdate<GateStatusView, [WaiveRequest]>('waiveCondition');
export const resubmitUpdate = defineUpdate<GateStatusView, [ResubmitRequest]>('resubmit');
export const holdSignal = defineSignal<[HoldRequest]>('hold');
export const resumeSignal = defineSignal<[HoldRequest]>('resume');
export const reverseUpdate = defineUpdate<GateStatusView, [ReverseRequest]>('reverse');
export const statusQuery = defineQuery<GateStatusView>('status');
// An admin changed the project's funding program or payees: the author may not decide this
// draw for the maker-checker window. It only restricts, so any sender is accepted.
export const setupChangedSignal = defineSignal<[SetupChange]>('setupChanged');

const { recordGateEvent, notify } = proxyActivities<FundingGateActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});
// Money: retried until it lands (the idempotency key makes a retry a no-op), but a business
// refusal (not enough funds) is final and must reach the gate.
const { disburse, reverseRelease } = proxyActivities<FundingPaymentActivities>({
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '2 seconds',
    maximumInterval: '5 minutes',
    nonRetryableErrorTypes: ['InsufficientFunds', 'PaymentRefused', 'InvalidInput'],
  },
});

const now = () => Date.now(); // workflow time: deterministic on replay

/**
 * A construction draw: evidence and approvals are collected while reminders and the SLA
 * clock run (paused on hold and while the applicant revises); once approved with every
 * blocking condition met, the release is paid exactly once; afterwards the gate waits for
 * the unconditional lien waiver and can still be reversed.
 */
export async function fundingGate(input: FundingGateInput): Promise<GateStatusView> {
  const parsed = fundingGateInputSchema.safeParse(input);
  if (!parsed.success)
    throw ApplicationFailure.nonRetryable(`fundingGate input: ${parsed.error.message}`, 'InvalidInput');
  const gate = openGate(parsed.data);
  // Only the 'opened' entry exists now: messages buffered for the first activation are
  // delivered when their handlers are set (wireMessages) and must be audited after it.
  const openedEntries = gate.timeline.length;
  const { projectId, milestoneId, clocks } = parsed.data;
  const subject = `${projectId}/${milestoneId}`;
  let sequence = 0;
  const audit = (actor: string, action: string, data?: Record<string, unknown>) =>
    recordGateEvent({ sequence: ++sequence, actor, action, subject, data });
  const setStatus = async (actor: string, status: GateStatusView['status']) => {
    const before = gate.status;
    gate.status = status;
    upsertSearchAttributes([{ key: GateStatus, value: status }]);
    await audit(actor, `funding.${status}`, { before, after: status });
  };
  let reversal: ReverseRequest | undefined;

  wireMessages(gate, (request) => {
    reversal = request;
  });
  upsertSearchAttributes([
    { key: ProjectId, value: projectId },
    { key: MilestoneId, value: milestoneId },
    { key: GateStatus, value: gate.status },
    { key: AmountRequested, value: gate.approvals.requestedTotal },
  ]);
  await audit(parsed.data.requestedBy, 'funding.opened', {
    requested: gate.approvals.requestedTotal,
    currency: parsed.data.currency,
  });
  // Every timeline entry reaches the audit chain once: those of messages in the first
  // activation and during the 'opened' audit call, and those after the decision (payment,
  // waivers, reversal, late refusals). Before the patch, the first were skipped and the
  // last never audited.
  const auditsEveryEntry = patched('audit-every-timeline-entry');
  let audited = auditsEveryEntry ? openedEntries : gate.timeline.length;
  const auditLate = async () => {
    if (auditsEveryEntry) await auditNewTimelineEntries();
  };
  await auditLate();

  // 1-2. Collect evidence and approvals until the gate may pay, then pay exactly once (key:
  // workflow id + release number). Not enough funds puts the gate on hold: an operator
  // resumes it after the lender's deposit, and the same key pays then. A payment the
  // provider refused for good is undone in the ledger and also holds the gate: once the
  // payee's details are fixed, resume pays under the next release number.
  let releaseNumber = 1;
  for (;;) {
    await collectDecision();
    if (gate.closed) return finish();
    gate.release = gate.computeRelease();
    await setStatus('system', 'disbursing');
    try {
      if (gate.release.totals.approved > 0)
        gate.payment = await disburse({
          workflowId: workflowInfo().workflowId,
          releaseNumber,
          projectId,
          payeeId: parsed.data.payeeId,
          currency: parsed.data.currency,
          releasedNow: gate.release.totals.releasedNow,
          retainageHeld: gate.release.totals.retainageHeld,
          memo: `${parsed.data.kind} ${subject}`,
          source: parsed.data.kind === 'retainage_release' ? 'retainage' : 'funding',
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
  gate.note(now(), 'system', 'disbursed', formatMoney(gate.release.totals.releasedNow, parsed.data.currency));
  await setStatus('system', 'disbursed');
  await auditLate();

  // 3. After payment: the unconditional waiver is due (flagged when overdue); until it
  // arrives the release can still be reversed.
  const waiverDue = clocks.unconditionalWaiverDue;
  const settled = () => reversal !== undefined || !gate.awaitsUnconditionalWaiver;
  if (!(await condition(settled, waiverDue))) {
    gate.unconditionalWaiverOverdue = true;
    gate.note(now(), 'system', 'unconditional waiver overdue');
    await notify({
      step: 'waiver-overdue',
      channel: 'email',
      recipients: [clocks.escalationContact],
      subject: `Unconditional lien waiver overdue for ${subject}`,
      body: `Due within ${waiverDue} of payment.`,
    });
    await condition(settled);
  }
  await auditLate();
  if (reversal) {
    await reverseRelease({
      workflowId: workflowInfo().workflowId,
      releaseNumber,
      reason: reversal.reason,
      actor: reversal.actor,
    });
    gate.note(now(), reversal.actor, 'reversed', reversal.reason);
    await setStatus(reversal.actor, 'reversed');
  } else {
    await setStatus('system', 'completed');
  }
  return finish();

  async function collectDecision() {
    while (!gate.closed && !gate.readyToPay(now())) {
      const seen = gate.version;
      if (gate.clock.paused) {
        await condition(() => gate.version !== seen);
      } else {
        const due = gate.clock.next(now());
        const changed = due.inMs > 0 && (await condition(() => gate.version !== seen, due.inMs));
        if (!changed) await onClock(due.event);
      }
      await auditNewTimelineEntries();
    }
  }

  /** Every accepted message and clock event is a timeline entry; each goes to the audit chain once. */
  async function auditNewTimelineEntries() {
    while (audited < gate.timeline.length) {
      const entry = gate.timeline[audited++]!;
      await audit(entry.by, `funding.${entry.event.replaceAll(' ', '_')}`, {
        status: gate.status,
        detail: entry.detail,
      });
    }
    upsertSearchAttributes([{ key: GateStatus, value: gate.onHold ? 'on_hold' : gate.status }]);
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
    await auditLate();
    upsertSearchAttributes([{ key: GateStatus, value: gate.status }]);
    await audit('system', `funding.closed`, { status: gate.status });
    await condition(allHandlersFinished);
    await auditLate(); // refusals recorded while closing; no await between the last check and the return
    return gate.view(now());
  }
}

/** The gate of a well-formed input; a policy the requester's four-eyes exclusion makes unreachable fails the draw at once (no task retries). */
function openGate(input: ParsedFundingGateInput): FundingGate {
  try {
    return new FundingGate(input, now());
  } catch (err) {
    if (err instanceof InputError)
      throw ApplicationFailure.nonRetryable(`fundingGate input: ${err.message}`, 'InvalidInput');
    throw err;
  }
}

/** A business refusal of the payment that an operator can resolve; anything else fails the gate's task. */
function paymentRefusal(err: unknown): { type: 'InsufficientFunds' | 'PaymentRefused'; message: string } | undefined {
  if (!(err instanceof ActivityFailure && err.cause instanceof ApplicationFailure)) return undefined;
  const { type, message } = err.cause;
  return type === 'InsufficientFunds' || type === 'PaymentRefused' ? { type, message } : undefined;
}

/** The gate's messages: each Update validates with the gate's own rule; each Signal applies or records it. */
function wireMessages(gate: FundingGate, onReverse: (request: ReverseRequest) => void): void {
  const refuse = (reason: string | undefined) => {
    if (reason) throw new Error(reason);
  };
  setHandler(statusQuery, () => gate.view(now()));

  setHandler(decideUpdate, (vote) => (gate.vote(vote, now()), gate.view(now())), {
    validator: (vote) => refuse(gate.refusalOfVote(vote, now())),
  });
  setHandler(decideSignal, (vote) => {
    const reason = gate.refusalOfVote(vote, now());
    if (reason) gate.recordRefusedVote(vote, reason, now());
    else gate.vote(vote, now());
  });

  setHandler(evidenceUpdate, (evidence) => (gate.addEvidence(evidence, now()), gate.view(now())), {
    validator: (evidence) => refuse(gate.refusalOfEvidence(evidence, now())),
  });
  setHandler(evidenceSignal, (evidence) => {
    gate.addEvidence(evidence, now()); // a refusal is recorded by the condition book
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

  setHandler(reverseUpdate, (request) => (onReverse(request), gate.view(now())), {
    validator: (request) => refuse(gate.refusalOfReverse(request)),
  });
}
