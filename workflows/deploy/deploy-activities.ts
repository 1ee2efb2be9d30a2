import { ActivityCancellationType, proxyActivities } from '@temporalio/workflow';
import type { DeployActivities } from '../../activities/deploy/deploy-activity-types';
import type { NotificationActivities } from '../../activities/notifications/deliver';

// The deployment's activities, one proxy per failure policy.

/** Activities that may run long heartbeat from a timer (activities/heartbeat.ts): a worker that died mid-call is noticed this fast. */
const HEARTBEAT_TIMEOUT = '10 seconds';

// Target changes (install, weights) and the look at what serves: a command against the target
// can fail for a moment (a busy API server, a port not yet free), so retried a few times; each
// is idempotent (recorded by workflow id and stage), so a retry never deploys twice. They
// heartbeat: a worker lost mid-change is noticed in seconds. An abort waits until a cancelled
// change has stopped, so the rollback never races it. InvalidInput (a missing artifact, a
// target that refuses its config) cannot be fixed by a retry.
export const targets = proxyActivities<DeployActivities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: {
    initialInterval: '2 seconds',
    maximumInterval: '1 minute',
    maximumAttempts: 5,
    nonRetryableErrorTypes: ['InvalidInput'],
  },
});

// The rollback: bounded, like the changes, but never cancelled (it is what a cancel leads to).
// When it still fails, the deployment raises a critical alert and ends failed: no loop.
export const rollbacks = proxyActivities<DeployActivities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: {
    initialInterval: '2 seconds',
    maximumInterval: '30 seconds',
    maximumAttempts: 3,
    nonRetryableErrorTypes: ['InvalidInput'],
  },
});

/**
 * Health checks: the config's own timeout bounds them (a failing check is an answer,
 * `ok: false`, not an error); they heartbeat every round, so what runs them again is a lost
 * worker, and that is no verdict on the version: a few tries, so two workers lost in a row
 * (the worker-crash chaos scenario kills them every few seconds) never roll a healthy version back.
 */
export function healthChecks(timeoutMs: number) {
  return proxyActivities<DeployActivities>({
    startToCloseTimeout: timeoutMs + 60_000,
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    retry: { initialInterval: '1 second', maximumAttempts: 5, nonRetryableErrorTypes: ['InvalidInput'] },
  });
}

// Smoke tests: a handful of HTTP requests, each bounded by its own latency limit; a failing
// test is an answer. They heartbeat, so a lost worker is noticed in seconds and runs them
// again, a few times like the health checks.
export const smokeTests = proxyActivities<DeployActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '1 second', maximumAttempts: 5, nonRetryableErrorTypes: ['InvalidInput'] },
});

/**
 * One analysis measurement: a query or two scrapes (plus the driven load, when the config has
 * one), bounded by that. A provider that does not answer is retried twice; after that the
 * measurement counts as an error (the tally's inconclusive side), never as a pass.
 */
export function measurements(loadMs: number) {
  return proxyActivities<DeployActivities>({
    startToCloseTimeout: loadMs + 2 * 60_000,
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    retry: { initialInterval: '2 seconds', maximumAttempts: 3, nonRetryableErrorTypes: ['InvalidInput'] },
  });
}

// Reads of the store and the queue's join (a signalWithStart through the worker's client):
// local and idempotent, retried until they land.
export const bookkeeping = proxyActivities<DeployActivities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: ['InvalidInput', 'NoClient'],
  },
});

// A critical alert when a rollback failed: it must land, so retried until it does.
export const escalation = proxyActivities<DeployActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', nonRetryableErrorTypes: ['NoClient'] },
});

// Reviewers' requests and reminders, the rollback notice: a channel that keeps failing gives
// up after a few spaced tries (the deployment does not wait on Slack); the send heartbeats.
export const notifications = proxyActivities<NotificationActivities>({
  startToCloseTimeout: '30 seconds',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumAttempts: 5 },
});
