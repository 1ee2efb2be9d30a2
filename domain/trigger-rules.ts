/**
 * What an automated sender may ask of Temporal: task triggers (domain/task-triggers.ts), their
 * dead-letter replays (workflows/replay-trigger-action.ts) and webhook rules
 * (domain/webhook-config.ts) all follow these rules, from this one place. Pure (workflow code
 * uses it too).
 *
 * - A start names no workflow type of TRIGGER_REFUSED_WORKFLOW_TYPES: their input is what the
 *   gateway builds from the caller and the server's configuration or store, never what a
 *   rule templates from a third party's event.
 * - A signal, update or gate payload carries no `roles`: the sender's identity is its own
 *   (`trigger:<id>`, `webhook:<source>`), with no roles, so it can never vote as an approver.
 */

/**
 * Workflow types of this worker that a trigger may not start, with the reason. Operators
 * write triggers and the event's fields fill their args, so a trigger could otherwise start
 * with whatever input what the API builds from the caller and the server's configuration or
 * store (who requests a draw, who reviews a plan, whom an alert pages), or what only admins
 * or arxflow itself start. test/unit/task-triggers.test.ts keeps this in step with the API registry.
 */
export const TRIGGER_REFUSED_WORKFLOW_TYPES: Readonly<Record<string, string>> = {
  fundingGate:
    "a draw's requester is the caller and its approvals come from the project's funding program (POST /v1/workflows/fundingGate)",
  fundingDeposit: 'deposits are posted by admins (POST /v1/workflows/fundingDeposit)',
  complianceReview:
    "the applicant is the caller and the review team comes from the server's configuration (POST /v1/workflows/complianceReview)",
  alertEscalation: 'alerts start from the intake routes with a configured escalation policy',
  incident: 'started by arxflow itself',
  incidentReview: 'started by arxflow itself',
  metricEvaluator: 'started by arxflow itself',
  replayTriggerAction: 'started by the dead-letter replay route',
  pipelineRun:
    'a run starts from a pushed commit whose pipeline file is checked first (POST /v1/pipelines or a GitHub webhook source with a pipelines setting)',
  qualityGate: 'started by its pipeline run, with the reports its jobs kept',
  deployment:
    "its requester is the caller (never a reviewer of it) and its service's config is copied in by the server: start it with POST /v1/deployments or arxflow deploy start",
  deployQueue: 'joined by deployments themselves',
  documentSync:
    "started by a document's first change (POST /v1/sync/:documentId/commits or arxflow sync commit), whose author is the caller; a continued run carries its state",
};

/** Why `who` ("a trigger", "a webhook rule") may not start `workflowType`, or undefined when it may. */
export function refusedStart(workflowType: string, who = 'a trigger'): string | undefined {
  if (!Object.hasOwn(TRIGGER_REFUSED_WORKFLOW_TYPES, workflowType)) return undefined;
  return `${who} may not start ${workflowType}: ${TRIGGER_REFUSED_WORKFLOW_TYPES[workflowType]}`;
}

/** True when a message payload tries to grant roles (a mapping with a `roles` key). */
export function payloadGrantsRoles(payload: unknown): boolean {
  return payload !== null && typeof payload === 'object' && !Array.isArray(payload) && Object.hasOwn(payload, 'roles');
}

/** Why a payload with `roles` is refused; `actor` is the sender's identity, e.g. "trigger:<id>". */
export function rolesInPayloadRefusal(who: string, actor: string): string {
  return `${who}'s signals carry no roles (their actor is ${actor}): not accepted in a payload`;
}

/** The type of the non-retryable failure of an action refused by these rules. */
export const TRIGGER_RULE_REFUSED = 'TriggerRuleRefused';

/**
 * Why a planned trigger action breaks these rules, or undefined. Checked where the action runs
 * (workflows/task-event.ts runTriggerAction, the replay's first step and route), not only by the
 * trigger schema: a dead letter recorded before a rule existed is replayed as it was stored.
 */
export function triggerActionRefusal(
  action: { type?: unknown; workflowType?: unknown; payload?: unknown } | null | undefined,
): string | undefined {
  if (action?.type === 'start_workflow' && typeof action.workflowType === 'string')
    return refusedStart(action.workflowType);
  if (action?.type === 'signal_gate' && payloadGrantsRoles(action.payload))
    return rolesInPayloadRefusal('a trigger', 'trigger:<id>');
  return undefined;
}
