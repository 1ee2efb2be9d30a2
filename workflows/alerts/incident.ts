import {
  allHandlersFinished,
  condition,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import {
  Incident,
  type IncidentSnapshot,
  type ResponderRequest,
  type StatusRequest,
} from '../../domain/alerts/incident';
import type { ActorRequest } from '../../domain/alerts/requests';
import type { TimelineEntry } from '../../domain/alerts/types';
import { auditCursor } from './audit-cursor';
import type { AuditActivities } from '../../activities/audit';
import { IncidentStatus, Service, Severity } from '../search-attributes';
import { incidentReview } from './incident-review';
import {
  addResponderUpdate,
  alertClosedSignal,
  incidentNoteUpdate,
  incidentQuery,
  incidentStatusSignal,
  incidentStatusUpdate,
  joinIncidentSignal,
  type IncidentInput,
} from './messages';

const { recordWorkflowEvents } = proxyActivities<AuditActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

const now = () => Date.now();
const refuse = (reason: string | undefined) => {
  if (reason) throw new Error(reason);
};

/**
 * An incident, id `incident/<group key>`: opened by its first critical or escalated alert,
 * joined by the others of the group, moved investigating -> identified -> monitoring ->
 * resolved by its responders, every step in the timeline and the audit chain. At resolve
 * the post-incident review starts as its own workflow and this one ends, so the next
 * alert of the group opens a new incident.
 */
export async function incident(input: IncidentInput): Promise<IncidentSnapshot> {
  const state = Incident.open(input.key, input.firstAlert, `alert:${input.firstAlert.dedupKey}`, now(), input.review);
  const subject = `incident/${input.key}`;
  let sequence = 0;
  const unaudited = auditCursor<TimelineEntry>();

  setHandler(incidentQuery, () => state.snapshot());
  setHandler(joinIncidentSignal, (alert) => {
    if (!state.refusalOfJoin()) state.join(alert, now());
  });
  setHandler(alertClosedSignal, ({ dedupKey, resolvedBy }) =>
    state.record(now(), resolvedBy, 'alert resolved', dedupKey),
  );
  setHandler(incidentStatusUpdate, (request) => (state.setStatus(request, now()), state.snapshot()), {
    validator: (request) => refuse(state.refusalOfStatus(request)),
  });
  setHandler(incidentStatusSignal, (request: StatusRequest) => {
    const reason = state.refusalOfStatus(request);
    if (reason) state.record(now(), String(request?.actor ?? 'unknown'), 'refused status change', reason);
    else state.setStatus(request, now());
  });
  setHandler(
    addResponderUpdate,
    (request: ResponderRequest) => (state.addResponder(request, now()), state.snapshot()),
    {
      validator: (request) => refuse(state.refusalOfResponder(request)),
    },
  );
  setHandler(incidentNoteUpdate, (request: ActorRequest) => (state.addNote(request, now()), state.snapshot()), {
    validator: (request) => refuse(state.refusalOfNote(request)),
  });

  while (!state.resolved) {
    const seen = state.state.version;
    await auditTimeline();
    upsertSearchAttributes([
      { key: IncidentStatus, value: state.status },
      { key: Severity, value: state.state.severity },
      ...(input.service ? [{ key: Service, value: input.service }] : []),
    ]);
    if (!state.resolved) await condition(() => state.state.version !== seen);
  }
  await auditTimeline();
  upsertSearchAttributes([{ key: IncidentStatus, value: 'resolved' }]);
  await condition(allHandlersFinished);
  await startChild(incidentReview, {
    workflowId: `incident-review/${input.key}/${Date.parse(state.state.resolvedAt!)}`,
    args: [state.snapshot()],
    parentClosePolicy: ParentClosePolicy.ABANDON,
  });
  // Alerts closing with the incident tell it while the last audit call and the review's
  // start run: their entries are audited here, as the last step (nothing awaits after it).
  if (patched('audit-timeline-at-close')) {
    while (await auditTimeline()) {
      /* entries added during the call are audited by the next one */
    }
  }
  return state.snapshot();

  /** Audits the entries not audited yet; false when there were none. */
  async function auditTimeline(): Promise<boolean> {
    const fresh = unaudited(state.state.timeline);
    if (fresh.length === 0) return false;
    await recordWorkflowEvents(
      fresh.map((entry) => ({
        sequence: ++sequence,
        actor: entry.by,
        action: `incident.${entry.event.replaceAll(' ', '_')}`,
        subject,
        data: { detail: entry.detail },
      })),
    );
    return true;
  }
}
