import {
  allHandlersFinished,
  condition,
  ParentClosePolicy,
  patched,
  setHandler,
  startChild,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { Incident, type IncidentSnapshot } from '../../domain/alerts/incident';
import type { TimelineEntry } from '../../domain/alerts/types';
import { AuditTrail } from '../kit/audit-trail';
import { wireOperatorMessages } from '../kit/operator-messages';
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
  setHandler(joinIncidentSignal, (alert) => {
    if (!state.refusalOfJoin()) state.join(alert, now());
  });
  setHandler(alertClosedSignal, ({ dedupKey, resolvedBy }) =>
    state.record(now(), resolvedBy, 'alert resolved', dedupKey),
  );
  wireOperatorMessages(
    {
      view: () => state.snapshot(),
      recordRefused: (kind, request, reason) => state.recordRefused(kind, request, reason, now()),
    },
    {
      'status change': {
        update: incidentStatusUpdate,
        signal: incidentStatusSignal,
        refusal: (request) => state.refusalOfStatus(request),
        apply: (request) => state.setStatus(request, now()),
      },
      'add responder': {
        update: addResponderUpdate,
        signal: addResponderSignal,
        refusal: (request) => state.refusalOfResponder(request),
        apply: (request) => state.addResponder(request, now()),
      },
      'add note': {
        update: incidentNoteUpdate,
        signal: incidentNoteSignal,
        refusal: (request) => state.refusalOfNote(request),
        apply: (request) => state.addNote(request, now()),
      },
    },
  );

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
