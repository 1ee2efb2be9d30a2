import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { alertWorkflowId } from '../../domain/alerts/dedup';
import { selectPolicy, type EscalationConfig } from '../../domain/alerts/escalation-policy';
import { sha256Hex } from '../../domain/alerts/sha256';
import type { AlertEvent } from '../../domain/alerts/types';

/**
 * The alert workflow as client/api/alert-intake.ts starts it: its type, its source-event
 * Signal's name and its input. Activities may not import workflows/ or client/, so the names
 * are spelled here; the alert workflow's messages (workflows/alerts/messages.ts) are the truth.
 */
const ALERT_WORKFLOW_TYPE = 'alertEscalation';
const SOURCE_EVENT_SIGNAL = 'sourceEvent';

export interface DeploymentAlertRequest {
  workflowId: string;
  service: string;
  environment: string;
  version: string;
  summary: string;
}

/**
 * A rollback that failed: a critical alert for the service, raised through the alert
 * workflow (signalWithStart of `alert/<dedupKey>` with the policy chosen for its labels), as
 * the alert intake does. The dedup key and intake id come from the deployment's workflow id,
 * so a retried activity reaches the same alert and the alert counts the event once.
 * Returns the alert's workflow id.
 */
export async function raiseDeploymentAlert(
  escalation: EscalationConfig,
  request: DeploymentAlertRequest,
): Promise<string> {
  const context = Context.current();
  let client: typeof context.client;
  try {
    client = context.client;
  } catch {
    throw ApplicationFailure.nonRetryable('raiseDeploymentAlert needs a worker with a Temporal client', 'NoClient');
  }
  const dedupKey = `deploy-${sha256Hex(request.workflowId).slice(0, 32)}`;
  const now = new Date().toISOString();
  const labels = {
    alertname: 'DeploymentRollbackFailed',
    service: request.service,
    environment: request.environment,
    version: request.version,
    deployment: request.workflowId,
  };
  const event: AlertEvent = {
    // Alerts know three sources; a deployment's own alert comes closest to a metric rule's breach.
    source: 'metrics',
    dedupKey,
    sourceKey: request.workflowId,
    action: 'trigger',
    severity: 'critical',
    summary: request.summary,
    service: request.service,
    group: `deploy/${request.service}/${request.environment}`,
    labels,
    annotations: { description: request.summary },
    startsAt: now,
    links: [],
    images: [],
    details: { workflowId: request.workflowId, version: request.version },
  };
  const intakeId = `${request.workflowId}#rollback-failed`;
  const workflowId = alertWorkflowId(dedupKey);
  await client.workflow.signalWithStart(ALERT_WORKFLOW_TYPE, {
    workflowId,
    taskQueue: context.info.taskQueue,
    args: [
      {
        event,
        intakeId,
        policy: selectPolicy(escalation, labels, 'critical'),
        policies: escalation.policies,
      },
    ],
    signal: SOURCE_EVENT_SIGNAL,
    signalArgs: [{ event, intakeId }],
  });
  return workflowId;
}
