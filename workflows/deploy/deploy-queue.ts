import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { DeployAlertSignal } from '../../domain/deploy/deploy-types';
import { DEPLOY_QUEUE_IDLE_MS, DeployQueue, type DeployQueueInput } from '../../domain/deploy/deployment-queue';
import {
  deployAlertSignal,
  deployDoneSignal,
  deployEnqueueSignal,
  deployQueueStatusQuery,
  deployTurnSignal,
  type DeployQueueView,
} from './deploy-messages';

/**
 * Looking this often at the running deployment (its place told again): one that ended without
 * saying so (terminated, reset) cannot hold the line for ever; the signal to it fails, and the
 * next one runs.
 */
const ACTIVE_CHECK_MS = 10 * 60_000;
/** Continue-as-new before the history nears Temporal's limits (each join, turn and done is a few events). */
const MAX_HISTORY_EVENTS = 2_000;

/**
 * One deployment at a time per service and environment (id deploy-queue/<service>/<env>):
 * deployments join in order (joinDeployQueue, signalWithStart), each is told its place and, at
 * the head, its turn; a deployment that ends says so, and the next one runs. Firing alerts for
 * the service and environment (from the alert intake) go to the deployment running now. An
 * empty queue ends after a quiet while; the next join starts it again.
 */
export async function deployQueue(input: DeployQueueInput): Promise<DeployQueueView> {
  const { service, environment } = input;
  const idleAfterMs = input.idleAfterMs ?? DEPLOY_QUEUE_IDLE_MS;
  const queue = new DeployQueue(input);
  const told = new Map<string, number>(); // the place each deployment was last told: only changes are sent
  const alerts: DeployAlertSignal[] = [];
  let changed = true; // a new run tells everyone their place (continue-as-new carries the line, not what was told)

  const view = (): DeployQueueView => ({
    service,
    environment,
    ...(queue.active !== undefined ? { active: queue.active } : {}),
    waiting: [...queue.waiting],
  });
  setHandler(deployQueueStatusQuery, view);
  setHandler(deployEnqueueSignal, ({ workflowId }) => {
    queue.enqueue(workflowId);
    told.delete(workflowId); // a repeated join (a retried activity) is told its place again
    changed = true;
  });
  setHandler(deployDoneSignal, ({ workflowId }) => {
    if (queue.done(workflowId)) changed = true;
    told.delete(workflowId);
  });
  setHandler(deployAlertSignal, (alert) => {
    alerts.push(alert);
  });

  for (;;) {
    changed = false;
    queue.advance();
    await tellPlaces();
    await forwardAlerts();
    if (changed || alerts.length > 0) continue;
    const { historyLength, continueAsNewSuggested } = workflowInfo();
    if (continueAsNewSuggested || historyLength > MAX_HISTORY_EVENTS) {
      await condition(allHandlersFinished);
      if (!changed && alerts.length === 0)
        await continueAsNew<typeof deployQueue>(queue.snapshot(service, environment, input.idleAfterMs));
      continue;
    }
    const woken = () => changed || alerts.length > 0;
    if (queue.empty) {
      if (!(await condition(woken, idleAfterMs))) {
        await condition(allHandlersFinished);
        if (queue.empty && !woken()) return view();
      }
    } else if (!(await condition(woken, ACTIVE_CHECK_MS)) && queue.active !== undefined) {
      told.delete(queue.active); // told again: a deployment that is gone fails the signal and leaves
    }
  }

  /** Each deployment whose place changed hears it; one that no longer runs leaves the line. */
  async function tellPlaces(): Promise<void> {
    for (const place of queue.places()) {
      if (told.get(place.workflowId) === place.position) continue;
      told.set(place.workflowId, place.position);
      try {
        await getExternalWorkflowHandle(place.workflowId).signal(deployTurnSignal, {
          position: place.position,
          ...(place.ahead ? { ahead: place.ahead } : {}),
        });
      } catch {
        queue.done(place.workflowId);
        told.delete(place.workflowId);
        changed = true;
      }
    }
  }

  /** Alerts go to the deployment running now (in its watch it rolls back); with none running there is nothing to roll back. */
  async function forwardAlerts(): Promise<void> {
    for (let alert = alerts.shift(); alert !== undefined; alert = alerts.shift()) {
      if (queue.active === undefined) continue;
      await getExternalWorkflowHandle(queue.active)
        .signal(deployAlertSignal, alert)
        .catch(() => undefined); // it ended meanwhile: its deployDone is on the way
    }
  }
}
