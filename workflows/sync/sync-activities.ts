import { ActivityCancellationType, proxyActivities } from '@temporalio/workflow';
import type { SyncActivities } from '../../activities/sync/sync-activity-types';

// The documentSync workflow's activities, one proxy per failure policy. A refused input
// (`SyncInputError`: a parent outside the history, missing or oversized content, a schema the
// content fails) cannot be fixed by a retry, so it is final everywhere.

const SYNC_INPUT_ERROR = 'SyncInputError';

// Preparing a change reads the store and stages a merged content (idempotent by hash; the
// commit id comes from workflow time, so a retry prepares the same commit). A store that
// blinks is retried with backoff; one that stays down fails the writer's Update after a few
// tries rather than holding every later change of the document behind it. It heartbeats
// (activities/sync/index.ts): a worker killed mid-way is noticed within 10 s, not a minute
// (the worker-crash chaos scenario found writers waiting out the minute).
export const preparation = proxyActivities<SyncActivities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '10 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 5,
    nonRetryableErrorTypes: [SYNC_INPUT_ERROR],
  },
});

// Validation hooks: each external hook is bounded by its own `timeoutMs` inside the activity,
// and a hook that times out or answers garbage is a deny (an answer, not an error). So the
// start-to-close only has to cover the sum of those (the store bounds each hook's timeout) and
// the compliance check. The activity heartbeats while a hook thinks, so a worker lost
// mid-hook is noticed in seconds (the schema and compliance checks before the first hook fit
// well inside the heartbeat timeout). A retry asks every hook again under the same delivery
// id. Bounded like preparing.
export const hooks = proxyActivities<SyncActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 5,
    nonRetryableErrorTypes: [SYNC_INPUT_ERROR],
  },
});

// The commit row and the head's compare-and-set: once the workflow decided to commit, it must
// land. A write whose answer was lost may have moved the head already, and giving up then
// would leave the workflow's head behind the store's; so it is retried until it lands
// (idempotent on commitId: a retry that finds the head at the commit succeeds). It heartbeats
// like preparing, so a lost worker's write is retried within 10 s.
export const writes = proxyActivities<SyncActivities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '10 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: [SYNC_INPUT_ERROR],
  },
});

// Subscribers' notifications go out after the writer was answered, in the workflow's own loop,
// never in a writer's way. Nothing may be lost, so they are retried until they land (delivery
// keys per commit and target: a retry sends nothing twice); the send heartbeats while it waits
// on Slack, SMTP or a webhook, so a worker that died mid-send is noticed within seconds. A send
// cancelled for a continue-as-new is waited for until it stopped, so the next run's send of
// the same commit never runs beside it.
export const notifications = proxyActivities<SyncActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '10 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: [SYNC_INPUT_ERROR],
  },
});
