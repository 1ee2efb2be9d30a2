import {
  allHandlersFinished,
  condition,
  continueAsNew,
  ParentClosePolicy,
  patched,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { RunBound } from '../../domain/alerts/history-bound';
import {
  Incident,
  type IncidentMessageKind,
  type IncidentSnapshot,
  type NoteRequest,
  type ResponderRequest,
  type StatusRequest,
} from '../../domain/alerts/incident';
import type { TimelineEntry } from '../../domain/alerts/types';
import { AuditTrail } from '../kit/audit-trail';
import { wireOperatorMessage, type OperatorMessage } from '../kit/operator-messages';
import { now } from '../kit/time';
import { refuseCarriedOnStart } from '../kit/workflow-input';
import { IncidentStatus, Service, Severity } from '../search-attributes';
import { incidentReview } from './incident-review';
import {
  addResponderSignal,
  addResponderUpdate,
  alertClosedSignal,
  incidentNoteSignal,
  incidentNoteUpdate,
  incidentQuery,
  incidentStatusSignal,
  incidentStatusUpdate,
  joinIncidentSignal,
  type IncidentInput,
} from './messages';

/**
 * An incident, id `incident/<group key>`: opened by its first critical or escalated alert,
 * joined by the others of the group, moved investigating -> identified -> monitoring ->
 * resolved by its responders, every step in the timeline and the audit chain. At resolve
 * the post-incident review starts as its own workflow and this one ends, so the next
 * alert of the group opens a new incident.
 */
export async function incident(input: IncidentInput): Promise<IncidentSnapshot> {
  // Runs begun before the workflow kit audited once per change (see `audit`); decided once, here.
  const kit = patched('incident-workflow-kit');
  // Runs begun before it never continued as new for a long history, and upserted the search
  // attributes after every change (also when none had changed); decided once, here.
  const bounded = patched('incident-bounded-history');
  refuseCarriedOnStart(input.carried, 'incident input');
  const carried = bounded ? input.carried : undefined;
  const state = carried
    ? Incident.resume(carried.state)
    : Incident.open(input.key, input.firstAlert, `alert:${input.firstAlert.dedupKey}`, now(), input.review);
  const bound = new RunBound(input.options);
  /** The history is long (or the server says so): the state goes to a new run at the next wake-up. */
  const runFull = () => bounded && bound.due(workflowInfo());
  /** Counts a message handled by this run (for `bound`), then handles it. */
  const counted = <R>(handle: (request: R) => void) => bound.counting(handle);
  let frozen: readonly TimelineEntry[] | undefined;
  const trail = new AuditTrail<TimelineEntry>({
    subject: `incident/${input.key}`,
    timeline: () => frozen ?? state.state.timeline,
    toEvent: (entry) => ({
      actor: entry.by,
      action: `incident.${entry.event.replaceAll(' ', '_')}`,
      data: { detail: entry.detail },
    }),
  });
  /** The last timeline entry audited by this run's `audit` (what a hand-over counts from). */
  let auditedThrough: TimelineEntry | undefined;
  if (carried) {
    // The previous run audited the timeline it carried, except its last `unaudited` entries.
    frozen = state.state.timeline.slice(0, Math.max(0, state.state.timeline.length - (carried.unaudited ?? 0)));
    trail.skipTimeline();
    auditedThrough = frozen.at(-1);
    frozen = undefined;
  }

  setHandler(incidentQuery, () => state.snapshot());
  // From the alert workflow, not an operator: a join refused (the incident resolved
  // meanwhile) is dropped without a trace; the alert opens a new incident on its next change.
  setHandler(joinIncidentSignal, (alert) => {
    bound.message();
    if (!state.refusalOfJoin()) state.join(alert, now());
  });
  setHandler(
    alertClosedSignal,
    counted(({ dedupKey, resolvedBy }) => state.record(now(), resolvedBy, 'alert resolved', dedupKey)),
  );
  // A run begun before the kit keeps the refusal rule it began with (refusalBeforeKit): its
  // Signals are handled again on replay, and one it accepted then must be accepted again.
  const rule = (kind: IncidentMessageKind, kitRule: (request: unknown) => string | undefined) =>
    kit ? kitRule : (request: unknown) => state.refusalBeforeKit(kind, request);
  const operatorState = {
    view: () => state.snapshot(),
    recordRefused: (kind: string, request: unknown, reason: string) => {
      bound.message();
      state.recordRefused(kind, request, reason, now());
    },
  };
  const addResponder: OperatorMessage<ResponderRequest, IncidentSnapshot> = {
    update: addResponderUpdate,
    signal: addResponderSignal,
    refusal: rule('add responder', (request) => state.refusalOfResponder(request)),
    apply: counted((request: Parameters<typeof state.addResponder>[0]) => state.addResponder(request, now())),
  };
  const addNote: OperatorMessage<NoteRequest, IncidentSnapshot> = {
    update: incidentNoteUpdate,
    signal: incidentNoteSignal,
    refusal: rule('add note', (request) => state.refusalOfNote(request)),
    apply: counted((request: Parameters<typeof state.addNote>[0]) => state.addNote(request, now())),
  };
  wireOperatorMessage<StatusRequest, IncidentSnapshot>(operatorState, 'status change', {
    update: incidentStatusUpdate,
    signal: incidentStatusSignal,
    refusal: rule('status change', (request) => state.refusalOfStatus(request)),
    apply: counted((request: Parameters<typeof state.setStatus>[0]) => state.setStatus(request, now())),
  });
  if (kit) {
    wireOperatorMessage(operatorState, 'add responder', addResponder);
    wireOperatorMessage(operatorState, 'add note', addNote);
  } else {
    // Before the kit these two were Updates only. A Signal of theirs to such a run has no
    // handler: the SDK buffers it and the run ends without it, as it always did.
    updateOnly(addResponder);
    updateOnly(addNote);
  }

  let published: string | undefined;
  while (!state.resolved) {
    if (runFull()) {
      // Every message handled first; entries not audited yet go with the state (the next run audits them).
      await condition(allHandlersFinished);
      if (!state.resolved)
        return continueAsNew<typeof incident>({
          ...input,
          carried: { state: state.snapshot(), unaudited: unaudited() },
        });
      continue;
    }
    const seen = state.state.version;
    await audit();
    // A bounded run upserts only what changed: one command per message would fill the history.
    const searched = `${state.status}/${state.state.severity}`;
    if (!bounded || searched !== published) {
      published = searched;
      upsertSearchAttributes([
        { key: IncidentStatus, value: state.status },
        { key: Severity, value: state.state.severity },
        ...(input.service ? [{ key: Service, value: input.service }] : []),
      ]);
    }
    if (!state.resolved) await condition(() => state.state.version !== seen || runFull());
  }
  await audit();
  upsertSearchAttributes([{ key: IncidentStatus, value: 'resolved' }]);
  await condition(allHandlersFinished);
  await startChild(incidentReview, {
    workflowId: `incident-review/${input.key}/${Date.parse(state.state.resolvedAt!)}`,
    args: [state.snapshot()],
    parentClosePolicy: ParentClosePolicy.ABANDON,
  });
  // Alerts closing with the incident tell it while the last audit call and the review's
  // start run: their entries are audited here, as the last step (nothing awaits after it).
  if (kit || patched('audit-timeline-at-close')) await trail.flush();
  return state.snapshot();

  function updateOnly<R>(message: OperatorMessage<R, IncidentSnapshot>): void {
    setHandler(message.update, (request) => (message.apply(request), state.snapshot()), {
      validator: (request) => {
        const reason = message.refusal(request);
        if (reason) throw new Error(reason);
      },
    });
  }

  /**
   * Audits the timeline entries not audited yet, until none is left. Runs begun before the
   * kit (and bounded ones) make one call per change, for the entries there were when it began (those added
   * meanwhile waited for the next change): the trail is shown a copy taken then.
   */
  async function audit(): Promise<void> {
    // A bounded run makes one call too: under a flood of recorded refusals, "until none is
    // left" would never return to the loop that decides to continue as new.
    if (!kit || bounded) frozen = [...state.state.timeline];
    await trail.flush();
    auditedThrough = frozen?.at(-1) ?? auditedThrough;
    frozen = undefined;
  }

  /** Timeline entries added since the last audit (all kept ones when that entry was dropped by the cap). */
  function unaudited(): number {
    const timeline = state.state.timeline;
    if (auditedThrough === undefined) return timeline.length;
    const at = timeline.lastIndexOf(auditedThrough);
    return at < 0 ? timeline.length : timeline.length - 1 - at;
  }
}
