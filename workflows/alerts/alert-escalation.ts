import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  ParentClosePolicy,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { alertEscalationInputSchema } from '../../domain/alerts/alert-input';
import { alertMessage, closingFooter } from '../../domain/alerts/alert-message';
import {
  AlertState,
  type AlertDue,
  type AlertMessageKind,
  type AlertStatusView,
} from '../../domain/alerts/alert-state';
import type { EscalationPosition, EscalationTarget } from '../../domain/alerts/escalation-policy';
import { RunBound } from '../../domain/alerts/history-bound';
import { incidentKeyFor } from '../../domain/alerts/incident';
import { activeSilenceFor } from '../../domain/alerts/silences';
import type { TimelineEntry } from '../../domain/alerts/types';
import type { AlertActivities } from '../../activities/alerts';
import type { NotificationActivities } from '../../activities/notifications/deliver';
import { AuditTrail } from '../kit/audit-trail';
import { upsertChangedSearchAttributes } from '../kit/search-attribute-upserts';
import { wireOperatorMessages } from '../kit/operator-messages';
import { parseWorkflowInput } from '../kit/workflow-input';
import { now } from '../kit/time';
import { AlertStatus, Severity } from '../search-attributes';
import { alertSearchAttributes } from './alert-search-attributes';
import { incident } from './incident';
import {
  acknowledgeSignal,
  acknowledgeUpdate,
  alertClosedSignal,
  alertStatusQuery,
  escalateNowSignal,
  escalateNowUpdate,
  joinIncidentSignal,
  reassignSignal,
  reassignUpdate,
  resolveSignal,
  resolveUpdate,
  sourceEventSignal,
  type AlertEscalationInput,
  type SourceEventMessage,
} from './messages';

// Rewriting a posted message is cosmetic, but one left saying "firing" after the resolve misleads
// whoever reads the channel: tries over about two minutes, longer than a store or Slack outage
// the service rides out (4 tries in 14 s gave up during the store-outage chaos scenario's 30 s),
// then the alert goes on without it.
// Sends heartbeat (activities/heartbeat.ts): one cut off by a dead worker is retried elsewhere within seconds.
const { updateSlackMessage } = proxyActivities<NotificationActivities>({
  startToCloseTimeout: '30 seconds',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 8 },
});
// A short read on the worker's own store, before each notification: local, no server round trip.
const { currentSilences } = proxyLocalActivities<AlertActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});
// A channel that keeps failing gives up after a few spaced tries over about a minute, so it
// cannot hold the other targets or the next level back for long; the failure is recorded on the
// alert. The minute outlasts a 30 s store outage (5 tries spanned exactly 30 s).
const { deliverNotification } = proxyActivities<NotificationActivities>({
  startToCloseTimeout: '30 seconds',
  heartbeatTimeout: '10 seconds', // the send heartbeats: a dead worker is noticed within seconds
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 6 },
});

/** A held step looks at the silences again this often: one expired early releases it within this. */
const SILENCE_RECHECK_MS = 5 * 60_000;

/**
 * One alert, id `alert/<dedupKey>`: notify the policy's levels one after another (and the
 * whole policy `repeat` more times) until someone acknowledges or it resolves. An
 * acknowledgement that is not followed by a resolve in time starts escalation again; a
 * matching silence holds notifications back until it ends; a critical alert, or one that
 * reaches the policy's incident level, opens or joins the incident of its group.
 */
export async function alertEscalation(input: AlertEscalationInput): Promise<AlertStatusView> {
  // Validates only: the run goes on with the input as it came (a run begun earlier replays with it).
  parseWorkflowInput(alertEscalationInputSchema, input, 'alertEscalation input');
  // Runs begun since December 2026 ask one patch for the three below: each patch asked costs
  // every new alert a marker and a TemporalChangeVersion upsert in its history (the SDK's core
  // adds one per patch), which is server work on the alert path. Runs begun before ask the
  // three one by one, as they did (their histories hold no marker of this one).
  const current = patched('alert-escalation-one-patch');
  // Runs begun before the workflow kit audited once per change (see `audit`); decided once, here.
  const kit = current || patched('alert-workflow-kit');
  // Runs begun before it never continued as new for a long history, and upserted the search
  // attributes after every change (also when neither had changed); decided once, here.
  const bounded = current || patched('alert-bounded-history');
  // Runs begun before it let an escalate-now handled before the last send's result page that
  // step again (AlertState.startSending); decided once, here: a patch asked for later, after a
  // local activity, is not where a replay looks for its marker (a nondeterminism error).
  const escalatesPastSending = current || patched('escalate-past-the-step-going-out');
  const carried = bounded ? input.carried : undefined;
  const alert = carried
    ? AlertState.resume(carried.state, { policies: input.policies })
    : AlertState.open(input.event, input.policy, now(), { policies: input.policies });
  const bound = new RunBound(input.options);
  /** The history is long (or the server says so): the state goes to a new run at the next wake-up. */
  const runFull = () => bounded && bound.due(workflowInfo());
  /** Counts a message handled by this run (for `bound`), then handles it. */
  const counted = <R>(handle: (request: R) => void) => bound.counting(handle);
  let retrigger: SourceEventMessage | undefined; // a trigger after resolve: the next alert run
  let frozen: readonly TimelineEntry[] | undefined;
  const trail = new AuditTrail<TimelineEntry>({
    subject: `alert/${input.event.dedupKey}`,
    timeline: () => frozen ?? alert.state.timeline,
    toEvent: (entry) => ({
      actor: entry.by,
      action: `alert.${entry.event.replaceAll(' ', '_')}`,
      data: { detail: entry.detail, status: alert.status },
    }),
  });
  /** The last timeline entry audited by this run's `audit` (what a hand-over counts from). */
  let auditedThrough: TimelineEntry | undefined;
  if (carried) {
    // The previous run audited the timeline it carried, except its last `unaudited` entries.
    frozen = alert.state.timeline.slice(0, Math.max(0, alert.state.timeline.length - (carried.unaudited ?? 0)));
    trail.skipTimeline();
    auditedThrough = frozen.at(-1);
    frozen = undefined;
  }

  setHandler(sourceEventSignal, (message) => {
    bound.message();
    if (message.intakeId === input.intakeId) return; // the start's own event, delivered again as its signal
    const outcome = alert.observe(message.event, now());
    if (outcome === 'ignored' && alert.closed && message.event.action === 'trigger') retrigger ??= message;
  });
  setHandler(alertStatusQuery, () => alert.view());
  // A run begun before the kit keeps the refusal rule it began with (refusalBeforeKit): its
  // Signals are handled again on replay, and one it accepted then must be accepted again.
  const rule = (kind: AlertMessageKind, kitRule: (request: unknown) => string | undefined) =>
    kit ? kitRule : (request: unknown) => alert.refusalBeforeKit(kind, request);
  wireOperatorMessages(
    {
      view: () => alert.view(),
      recordRefused: (kind, request, reason) => {
        bound.message();
        alert.recordRefused(kind, request, reason, now());
      },
    },
    {
      acknowledge: {
        update: acknowledgeUpdate,
        signal: acknowledgeSignal,
        refusal: rule('acknowledge', (request) => alert.refusalOfAcknowledge(request)),
        apply: counted((request) => alert.acknowledge(request, now())),
      },
      resolve: {
        update: resolveUpdate,
        signal: resolveSignal,
        refusal: rule('resolve', (request) => alert.refusalOfResolve(request)),
        apply: counted((request) => alert.resolve(request, now())),
      },
      escalate: {
        update: escalateNowUpdate,
        signal: escalateNowSignal,
        refusal: rule('escalate', (request) => alert.refusalOfEscalateNow(request)),
        apply: counted((request) => alert.escalateNow(request, now())),
      },
      reassign: {
        update: reassignUpdate,
        signal: reassignSignal,
        refusal: rule('reassign', (request) => alert.refusalOfReassign(request)),
        apply: counted((request) => alert.reassign(request, now())),
      },
    },
  );
  const opening = alertSearchAttributes({
    status: alert.status,
    severity: carried ? alert.state.severity : input.event.severity,
    service: input.event.service,
  });
  // The intake starts an alert with these: nothing to upsert then. Runs begun before the one
  // patch upserted all of them here, held already or not.
  if (current) upsertChangedSearchAttributes(opening);
  else upsertSearchAttributes(opening);
  let published = searchedValues();

  let slackUpdatedFor: string | undefined = carried?.slackUpdatedFor;
  if (carried?.unaudited) await audit(); // what the previous run handed over unaudited, now
  /**
   * The version the last `afterChange` began at. A change made while it awaited (an
   * acknowledge arriving while the incident started) wakes the loop again at once. Runs begun
   * before the one patch counted from after it, and left such a change unaudited, unsearchable
   * and its Slack message unchanged until the next change or deadline.
   */
  let handled: number | undefined;
  while (!alert.closed) {
    if (runFull()) {
      // Every message handled first; entries not audited yet go with the state (the next run audits them).
      await condition(allHandlersFinished);
      if (!alert.closed) return continueAsNew<typeof alertEscalation>(continued());
      continue;
    }
    const seen = current && handled !== undefined ? handled : alert.state.version;
    const woken = () => alert.state.version !== seen || runFull();
    const due = alert.nextDue();
    if (!due) await condition(woken);
    else if (due.at > now()) {
      if (!(await condition(woken, due.at - now()))) await carryOut(due);
    } else await carryOut(due);
    handled = alert.state.version;
    await afterChange();
  }
  await afterChange();
  if (alert.state.incident)
    await tellIncident(alert.state.incident, {
      dedupKey: alert.state.dedupKey,
      resolvedBy: alert.state.resolution?.by ?? 'unknown',
    });
  await condition(allHandlersFinished);
  // Messages refused after the close (a late acknowledge, a duplicate resolve) arrive while
  // the last audit, Slack and incident calls run: audited here, the last step of the run.
  if (kit || patched('audit-timeline-at-close')) await trail.flush();
  if (retrigger) {
    // Fired again after it was resolved: a new alert, in a new run of the same workflow id.
    const { carried: _carried, ...fresh } = input; // a new alert: nothing of this one's state
    await continueAsNew<typeof alertEscalation>({ ...fresh, event: retrigger.event, intakeId: retrigger.intakeId });
  }
  return alert.view();

  /**
   * The next run's input: the alert as it stands (deadlines are absolute instants in it, so
   * the next run waits for the same wall times) and the Slack footer already sent.
   */
  function continued(): AlertEscalationInput {
    return {
      ...input,
      carried: {
        state: alert.carried(),
        unaudited: unaudited(),
        ...(slackUpdatedFor !== undefined ? { slackUpdatedFor } : {}),
      },
    };
  }

  function searchedValues(): string {
    return `${alert.status}/${alert.state.severity}`;
  }

  async function carryOut(due: AlertDue): Promise<void> {
    if (due.kind === 'ack_timeout') return alert.ackTimedOut(now());
    if (due.kind === 'auto_resolve') return alert.autoResolve(now());
    const silence = activeSilenceFor(alert.state.labels, await currentSilences(), now());
    if (silence)
      return alert.recordSuppressed(
        due.position,
        { id: silence.silence.id, until: silence.until, recheckAt: now() + SILENCE_RECHECK_MS },
        now(),
      );
    // The step counts from when it went out, not from when its slowest channel gave up:
    // retries of one failing target must not push the next level back.
    const sentAt = now();
    if (escalatesPastSending) alert.startSending(due.position);
    await notifyAll(due.position, due.targets);
    alert.markNotified(due.position, sentAt);
  }

  /** Every target at once: one failing channel never holds up the others. */
  async function notifyAll(position: EscalationPosition, targets: EscalationTarget[]): Promise<void> {
    const message = alertMessage(alert.view(), position);
    await Promise.all(
      targets.map(async (target) => {
        try {
          const sent = await deliverNotification({ key: alert.notificationKey(position, target), target, message });
          alert.recordDelivery(
            position,
            target,
            'sent',
            now(),
            sent.channel === 'slack' ? JSON.stringify(sent.ref) : sent.channel,
          );
        } catch (err) {
          log.warn('notification failed after retries', { target: target.kind, error: String(err) });
          alert.recordDelivery(position, target, 'failed', now(), err instanceof Error ? err.message : String(err));
        }
      }),
    );
  }

  /** After anything changed: audit trail, search attributes, Slack messages, incident. */
  async function afterChange(): Promise<void> {
    await audit();
    // A bounded run upserts only what changed: one command per duplicate trigger would fill the history.
    if (!bounded || searchedValues() !== published) {
      published = searchedValues();
      upsertSearchAttributes([
        { key: AlertStatus, value: alert.status },
        { key: Severity, value: alert.state.severity },
      ]);
    }
    await updateSlackMessages();
    if (alert.needsIncident) await openOrJoinIncident();
  }

  /**
   * Audits the timeline entries not audited yet, until none is left. Runs begun before the
   * kit (and bounded ones) make one call per change, for the entries there were when it began (those added
   * meanwhile waited for the next change): the trail is shown a copy taken then.
   */
  async function audit(): Promise<void> {
    // A bounded run makes one call too: under a flood of recorded refusals, "until none is
    // left" would never return to the loop that decides to continue as new.
    if (!kit || bounded) frozen = [...alert.state.timeline];
    await trail.flush();
    auditedThrough = frozen?.at(-1) ?? auditedThrough;
    frozen = undefined;
  }

  /** Timeline entries added since the last audit (all kept ones when that entry was dropped by the cap). */
  function unaudited(): number {
    const timeline = alert.state.timeline;
    if (auditedThrough === undefined) return timeline.length;
    const at = timeline.lastIndexOf(auditedThrough);
    return at < 0 ? timeline.length : timeline.length - 1 - at;
  }

  /** Acknowledged or resolved: the posted Slack messages say by whom, without buttons (chat.update). */
  async function updateSlackMessages(): Promise<void> {
    const view = alert.view();
    const footer = closingFooter(view);
    if (!footer || footer === slackUpdatedFor) return;
    slackUpdatedFor = footer;
    const posted = alert.state.notifications.filter((n) => n.outcome === 'sent' && n.target.kind.startsWith('slack'));
    await Promise.all(
      posted.map((n) =>
        updateSlackMessage({ key: n.key, message: alertMessage(view, n.position), footer }).catch((err) => {
          log.warn('Slack message not updated', { key: n.key, error: String(err) });
        }),
      ),
    );
  }

  async function openOrJoinIncident(): Promise<void> {
    const key = incidentKeyFor({ ...alert.state, labels: alert.state.labels }, input.incidentGroupBy);
    const incidentId = `incident/${key}`;
    const member = { dedupKey: alert.state.dedupKey, summary: alert.state.summary, severity: alert.state.severity };
    try {
      await startChild(incident, {
        workflowId: incidentId,
        args: [
          {
            key,
            title: alert.state.summary,
            severity: alert.state.severity,
            service: alert.state.service,
            firstAlert: member,
            review: input.review,
          },
        ],
        parentClosePolicy: ParentClosePolicy.ABANDON, // the incident outlives the alert that opened it
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      try {
        await getExternalWorkflowHandle(incidentId).signal(joinIncidentSignal, member);
      } catch (signalErr) {
        // The open incident closed between the two calls: the next change opens a new one.
        log.warn('incident closed before the alert could join it', { incidentId, error: String(signalErr) });
        return;
      }
    }
    alert.linkIncident(incidentId, now());
  }
}

/** The incident may have been resolved and closed already: then there is no one to tell. */
async function tellIncident(incidentId: string, closed: { dedupKey: string; resolvedBy: string }): Promise<void> {
  try {
    await getExternalWorkflowHandle(incidentId).signal(alertClosedSignal, closed);
  } catch (err) {
    log.info('incident no longer open', { incidentId, error: String(err) });
  }
}
