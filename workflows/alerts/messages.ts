import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AlertSnapshot, AlertStatusView, EscalateRequest, ReassignRequest } from '../../domain/alerts/alert-state';
import type { EscalationPolicy } from '../../domain/alerts/escalation-policy';
import type { RunBoundOptions } from '../../domain/alerts/history-bound';
import type {
  IncidentSnapshot,
  NoteRequest,
  ResponderRequest,
  ReviewOptions,
  StatusRequest,
} from '../../domain/alerts/incident';
import type { ActorRequest } from '../../domain/alerts/requests';
import type { AlertEvent } from '../../domain/alerts/types';

/**
 * The contract of the alert and incident workflows: what the gateway, the CLI, Slack and
 * the Web UI send. Every operator action is an Update (validated: malformed, already
 * resolved, actor not allowed) with a Signal of the same name and payload for the Web UI,
 * where a refusal is recorded in the timeline (and so in `status`) instead of returned.
 */

export interface AlertEscalationInput {
  event: AlertEvent;
  /** Unique per intake call: the start's own event is not counted again when its signal arrives. */
  intakeId: string;
  /** The policy chosen for the alert's labels and severity (selectPolicy at intake). */
  policy: EscalationPolicy;
  /** What reassign-by-name may choose from. */
  policies?: EscalationPolicy[];
  /** Which labels group alerts into one incident (default: the source's group). */
  incidentGroupBy?: string[];
  review?: Partial<ReviewOptions>;
  /**
   * Set by the run that continued as new (its history grew long): the alert as it stood,
   * deadlines as absolute instants, so the next run escalates at the same wall times.
   */
  carried?: AlertCarried;
  options?: HistoryBoundOptions;
}

/** What an alert run hands the next one. */
export interface AlertCarried {
  state: AlertSnapshot;
  /** The footer the posted Slack messages were last updated with: not sent again by the next run. */
  slackUpdatedFor?: string;
  /** The timeline's last entries not audited yet: the next run audits them. */
  unaudited?: number;
}

/** When a run continues as new (domain/alerts/history-bound.ts: the defaults and why). */
export type HistoryBoundOptions = RunBoundOptions;

/** An event from the source for an alert that may already be open (signalWithStart). */
export interface SourceEventMessage {
  event: AlertEvent;
  intakeId: string;
}

export const sourceEventSignal = defineSignal<[SourceEventMessage]>('sourceEvent');

export const acknowledgeUpdate = defineUpdate<AlertStatusView, [ActorRequest]>('acknowledge');
export const acknowledgeSignal = defineSignal<[ActorRequest]>('acknowledge');
export const resolveUpdate = defineUpdate<AlertStatusView, [ActorRequest]>('resolve');
export const resolveSignal = defineSignal<[ActorRequest]>('resolve');
export const escalateNowUpdate = defineUpdate<AlertStatusView, [EscalateRequest]>('escalateNow');
export const escalateNowSignal = defineSignal<[EscalateRequest]>('escalateNow');
export const reassignUpdate = defineUpdate<AlertStatusView, [ReassignRequest]>('reassign');
export const reassignSignal = defineSignal<[ReassignRequest]>('reassign');
export const alertStatusQuery = defineQuery<AlertStatusView>('status');

export interface IncidentInput {
  /** `incident/<key>`: alerts of one group join the open incident. */
  key: string;
  title: string;
  severity: AlertEvent['severity'];
  service?: string;
  firstAlert: { dedupKey: string; summary: string; severity: AlertEvent['severity'] };
  review?: Partial<ReviewOptions>;
  /** Set by the run that continued as new (its history grew long): the incident as it stood. */
  carried?: {
    state: IncidentSnapshot;
    /** The timeline's last entries not audited yet: the next run audits them. */
    unaudited?: number;
  };
  options?: HistoryBoundOptions;
}

export interface JoinIncidentMessage {
  dedupKey: string;
  summary: string;
  severity: AlertEvent['severity'];
}

export const joinIncidentSignal = defineSignal<[JoinIncidentMessage]>('joinAlert');
export const alertClosedSignal = defineSignal<[{ dedupKey: string; resolvedBy: string }]>('alertClosed');
export const incidentStatusUpdate = defineUpdate<IncidentSnapshot, [StatusRequest]>('setStatus');
export const incidentStatusSignal = defineSignal<[StatusRequest]>('setStatus');
export const addResponderUpdate = defineUpdate<IncidentSnapshot, [ResponderRequest]>('addResponder');
export const addResponderSignal = defineSignal<[ResponderRequest]>('addResponder');
export const incidentNoteUpdate = defineUpdate<IncidentSnapshot, [NoteRequest]>('addNote');
export const incidentNoteSignal = defineSignal<[NoteRequest]>('addNote');
export const incidentQuery = defineQuery<IncidentSnapshot>('status');

export const reviewDoneUpdate = defineUpdate<IncidentSnapshot, [ActorRequest]>('completeReview');
export const reviewDoneSignal = defineSignal<[ActorRequest]>('completeReview');
