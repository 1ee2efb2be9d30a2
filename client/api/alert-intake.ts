import { randomUUID } from 'node:crypto';
import { isGrpcServiceError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { alertWorkflowId } from '../../domain/alerts/dedup';
import { selectPolicy, type EscalationConfig } from '../../domain/alerts/escalation-policy';
import { incidentKeyFor } from '../../domain/alerts/incident';
import type { AlertEvent } from '../../domain/alerts/types';
import type { AlertEscalationInput, SourceEventMessage } from '../../workflows/alerts/messages';
import { sourceEventSignal } from '../../workflows/alerts/messages';
import { alertSearchAttributes } from '../../workflows/alerts/alert-search-attributes';
import { deployQueueWorkflowId, type DeployAlertSignal } from '../../domain/deploy/deploy-types';
import { createLogger } from '../../platform/logger';
import { deployAlertSignal } from '../../workflows/deploy/deploy-messages';
import { deployNameSchema } from './deploy-operations';
import { unavailable } from './errors';
import { withinDeadline } from './temporal-deadline';

/** The workflow type every alert runs as (workflows/alerts/alert-escalation.ts). */
export const ALERT_WORKFLOW_TYPE = 'alertEscalation';

export interface RaisedAlert {
  dedupKey: string;
  workflowId: string;
  action: AlertEvent['action'];
  /** `ignored`: an acknowledge or resolve for an alert that is not open. */
  outcome: 'raised' | 'signalled' | 'ignored';
}

/**
 * Hands one source event to its alert workflow; resolves once Temporal has accepted it.
 *
 * A trigger is signalWithStart: the first one starts `alert/<dedupKey>` with the policy
 * chosen now (a config change never rewrites a running alert), later ones only reach it as
 * duplicates, and a trigger after the alert closed starts a new run (the id may be reused).
 * The same intakeId goes into the input and the signal, so the workflow counts the event
 * that started it once. Acknowledge and resolve never start anything: for an alert that
 * is not open there is nothing to do, and the source is told it was accepted (as PagerDuty
 * does), since retrying could never succeed.
 *
 * Throws ApiError 503 when Temporal is unreachable; the sender should retry.
 */
export async function raiseAlertEvent(
  client: Client,
  taskQueue: string,
  event: AlertEvent,
  escalation: EscalationConfig,
  options: { deadlineMs?: number; log?: ForwardLog } = {},
): Promise<RaisedAlert> {
  // Beside the alert, not after it: the intake waits for the slower of the two, and the
  // forward never takes longer than its own short deadline nor fails the intake.
  const forwarded = forwardToDeployment(client, event, options.log, incidentOpenedBy(event, escalation));
  try {
    // Bounded: a sender waits for our answer, and the client would otherwise retry an
    // unreachable server for a long while before giving up.
    return await client.withDeadline(Date.now() + (options.deadlineMs ?? DEFAULT_DEADLINE_MS), () =>
      raise(client, taskQueue, event, escalation),
    );
  } finally {
    await forwarded;
  }
}

export const DEFAULT_DEADLINE_MS = 10_000;

/** How long the forward to a deployment may take: it must not slow the intake down. */
export const DEPLOY_FORWARD_DEADLINE_MS = 1_000;

/** Where a forward that did not land is told (the gateway passes its request logger; else arxflow's own). */
export type ForwardLog = (fields: Record<string, unknown>, message: string) => void;

let defaultLogger: ReturnType<typeof createLogger> | undefined;
const defaultLog: ForwardLog = (fields, message) =>
  (defaultLogger ??= createLogger(process.env.LOG_LEVEL || 'info', 'arxflow-alert-intake')).warn(fields, message);

/**
 * The incident the alert's workflow opens (or joins) at once for this event: its policy opens
 * one for the event's severity (workflows/alerts/alert-escalation.ts, the same key). Undefined
 * when an incident comes only after escalating to a level, if ever: it may not open for a while.
 */
export function incidentOpenedBy(event: AlertEvent, escalation: EscalationConfig): string | undefined {
  const policy = selectPolicy(escalation, event.labels, event.severity);
  if (!policy.incident.severities.includes(event.severity)) return undefined;
  return `incident/${incidentKeyFor(event)}`;
}

/**
 * The post-deploy watch (issue #14): a firing alert whose labels name a service and an
 * environment (`service`, and `environment` or `env`) is sent as `deployAlert` to that
 * service's deploy queue, `deploy-queue/<service>/<environment>`, which hands it to the
 * deployment it lets run (one in its watch period rolls back). No queue (nothing was ever
 * deployed there, or names that are not a deployment's) is nothing to do. A forward that
 * fails is logged, never the intake's failure: the alert itself has its own workflow.
 * Resolves to whether it was sent, for tests.
 */
export async function forwardToDeployment(
  client: Client,
  event: AlertEvent,
  log: ForwardLog = defaultLog,
  incidentId?: string,
): Promise<'sent' | 'no-deployment' | 'not-named' | 'failed'> {
  if (event.action !== 'trigger') return 'not-named';
  const service = event.labels.service ?? event.service;
  const environment = event.labels.environment ?? event.labels.env;
  if (!service || !environment) return 'not-named';
  // Names a deployment could have: anything else cannot name a queue (and must not shape its id).
  if (!deployNameSchema.safeParse(service).success || !deployNameSchema.safeParse(environment).success)
    return 'not-named';
  const queueId = deployQueueWorkflowId(service, environment);
  const alert: DeployAlertSignal = {
    alertId: alertWorkflowId(event.dedupKey),
    summary: event.summary,
    severity: event.severity,
    labels: event.labels,
    ...(incidentId ? { incidentId } : {}),
  };
  try {
    await withinDeadline(
      client,
      () => client.workflow.getHandle(queueId).signal(deployAlertSignal, alert),
      DEPLOY_FORWARD_DEADLINE_MS,
    );
    return 'sent';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError || grpcCode(err) === GRPC.NOT_FOUND) return 'no-deployment';
    try {
      log({ err, queueId, alertId: alert.alertId }, 'firing alert not forwarded to the deploy queue');
    } catch {
      // a logger that throws must not fail the intake either
    }
    return 'failed';
  }
}

async function raise(
  client: Client,
  taskQueue: string,
  event: AlertEvent,
  escalation: EscalationConfig,
): Promise<RaisedAlert> {
  const workflowId = alertWorkflowId(event.dedupKey);
  const message: SourceEventMessage = { event, intakeId: randomUUID() };
  const raised = { dedupKey: event.dedupKey, workflowId, action: event.action };
  try {
    if (event.action === 'trigger') {
      const input: AlertEscalationInput = {
        event,
        intakeId: message.intakeId,
        policy: selectPolicy(escalation, event.labels, event.severity),
        policies: escalation.policies,
      };
      await client.workflow.signalWithStart(ALERT_WORKFLOW_TYPE, {
        workflowId,
        taskQueue,
        args: [input],
        signal: sourceEventSignal,
        signalArgs: [message],
        // Found by status, severity and service from its start, so the run need not upsert
        // them (a new alert is triggered: AlertState.open). Ignored when the alert is open.
        typedSearchAttributes: alertSearchAttributes({
          status: 'triggered',
          severity: event.severity,
          service: event.service,
        }),
      });
      return { ...raised, outcome: 'raised' };
    }
    await client.workflow.getHandle(workflowId).signal(sourceEventSignal, message);
    return { ...raised, outcome: 'signalled' };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError || grpcCode(err) === GRPC.NOT_FOUND)
      return { ...raised, outcome: 'ignored' };
    throw asUnavailable(err);
  }
}

const GRPC = { DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, UNAVAILABLE: 14 } as const;

/** The client wraps transport failures in a ServiceError with the gRPC error as its cause. */
function grpcCode(err: unknown): number | undefined {
  return [err, (err as { cause?: unknown } | undefined)?.cause].find(isGrpcServiceError)?.code;
}

/** Unreachable or too slow: 503, so Alertmanager and PagerDuty clients retry. Anything else is a fault of ours. */
export function asUnavailable(err: unknown): unknown {
  const code = grpcCode(err);
  if (code === GRPC.UNAVAILABLE || code === GRPC.DEADLINE_EXCEEDED) {
    return unavailable(`Temporal is unreachable: ${(err as Error).message}`);
  }
  return err;
}
