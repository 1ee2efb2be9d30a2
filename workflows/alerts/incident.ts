import {
  allHandlersFinished,
  condition,
  ParentClosePolicy,
  patched,
  setHandler,
  startChild,
  upsertSearchAttributes,
} from '@temporalio/workflow';
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
  const state = Incident.open(input.key, input.firstAlert, `alert:${input.firstAlert.dedupKey}`, now(), input.review);
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

  setHandler(incidentQuery, () => state.snapshot());
  // From the alert workflow, not an operator: a join refused (the incident resolved
  // meanwhile) is dropped without a trace; the alert opens a new incident on its next change.
  setHandler(joinIncidentSignal, (alert) => {
    if (!state.refusalOfJoin()) state.join(alert, now());
  });
  setHandler(alertClosedSignal, ({ dedupKey, resolvedBy }) =>
    state.record(now(), resolvedBy, 'alert resolved', dedupKey),
  );
  // A run begun before the kit keeps the refusal rule it began with (refusalBeforeKit): its
  // Signals are handled again on replay, and one it accepted then must be accepted again.
  const rule = (kind: IncidentMessageKind, kitRule: (request: unknown) => string | undefined) =>
    kit ? kitRule : (request: unknown) => state.refusalBeforeKit(kind, request);
  const operatorState = {
    view: () => state.snapshot(),
    recordRefused: (kind: string, request: unknown, reason: string) =>
      state.recordRefused(kind, request, reason, now()),
  };
  const addResponder: OperatorMessage<ResponderRequest, IncidentSnapshot> = {
    update: addResponderUpdate,
    signal: addResponderSignal,
    refusal: rule('add responder', (request) => state.refusalOfResponder(request)),
    apply: (request) => state.addResponder(request, now()),
  };
  const addNote: OperatorMessage<NoteRequest, IncidentSnapshot> = {
    update: incidentNoteUpdate,
    signal: incidentNoteSignal,
    refusal: rule('add note', (request) => state.refusalOfNote(request)),
    apply: (request) => state.addNote(request, now()),
  };
  wireOperatorMessage<StatusRequest, IncidentSnapshot>(operatorState, 'status change', {
    update: incidentStatusUpdate,
    signal: incidentStatusSignal,
    refusal: rule('status change', (request) => state.refusalOfStatus(request)),
    apply: (request) => state.setStatus(request, now()),
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

  while (!state.resolved) {
    const seen = state.state.version;
    await audit();
    upsertSearchAttributes([
      { key: IncidentStatus, value: state.status },
      { key: Severity, value: state.state.severity },
      ...(input.service ? [{ key: Service, value: input.service }] : []),
    ]);
    if (!state.resolved) await condition(() => state.state.version !== seen);
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
   * kit made one call per change, for the entries there were when it began (those added
   * meanwhile waited for the next change): the trail is shown a copy taken then.
   */
  async function audit(): Promise<void> {
    if (!kit) frozen = [...state.state.timeline];
    await trail.flush();
    frozen = undefined;
  }
}
