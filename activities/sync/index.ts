import type { Store } from '../../db/store';
import { SyncStore } from '../../db/sync-store';
import { DEFAULT_SYNC_CONFIG } from '../../domain/sync/sync-config';
import { SYNC_LIMITS, type SyncConfig } from '../../domain/sync/sync-types';
import { heartbeating } from '../heartbeat';
import { createNotificationActivities, type DeliveryRequest } from '../notifications/deliver';
import { createSyncBranch, deleteSyncBranch, fastForwardSync, prepareSyncMerge } from './branches';
import { notifySyncSubscribers } from './notify-sync-subscribers';
import { prepareSyncCommit } from './prepare-sync-commit';
import { runSyncHooks } from './run-sync-hooks';
import type { SyncActivities } from './sync-activity-types';
import { writeSyncCommit } from './write-sync-commit';

export type {
  PrepareCommitInput,
  PreparedCommit,
  PrepareMergeInput,
  PreparedMerge,
  RunHooksInput,
  SyncActivities,
  SyncCommitSummary,
} from './sync-activity-types';

export interface SyncActivityDeps {
  store: Store;
  /** The config file's `sync:` section; unset: no subscribers, SYNC_LIMITS. */
  config?: SyncConfig;
  /**
   * How subscribers are told: the worker's `deliverNotification` (Slack, email, webhook, once
   * per key). Default: the notification activities without channels, i.e. the outbox.
   */
  notify?: (request: DeliveryRequest) => Promise<unknown>;
  /** External hooks are called with it (tests may hand in their own; default the global fetch). */
  fetchImpl?: typeof fetch;
}

/** The documentSync workflow's side of the worker (activities/sync/sync-activity-types.ts says what each does). */
export function createSyncActivities(deps: SyncActivityDeps): SyncActivities {
  const store = new SyncStore(deps.store.db);
  const config = deps.config ?? DEFAULT_SYNC_CONFIG;
  const notify = deps.notify ?? createNotificationActivities({ store: deps.store }).deliverNotification;
  const fetchImpl = deps.fetchImpl ?? fetch;
  // The store's preparing and writing steps beat while they run (their pieces of CPU work take
  // well under a second, even a 5 MB merge): a worker that dies in one is noticed by the
  // heartbeat timeout, not after the minute of its start-to-close, with the document's writers
  // waiting behind it (workflows/sync/sync-activities.ts).
  return {
    prepareSyncCommit: (input) =>
      heartbeating(() =>
        prepareSyncCommit(
          { store, maxContentBytes: Math.min(config.maxContentBytes, SYNC_LIMITS.maxContentBytes) },
          input,
        ),
      ),
    runSyncHooks: (input) => runSyncHooks({ store, fetchImpl }, input),
    writeSyncCommit: (input) => heartbeating(() => writeSyncCommit(store, input)),
    notifySyncSubscribers: (input) => notifySyncSubscribers({ store, config, notify }, input),
    createSyncBranch: (input) => heartbeating(() => createSyncBranch(store, input)),
    deleteSyncBranch: (input) => heartbeating(() => deleteSyncBranch(store, input)),
    prepareSyncMerge: (input) => heartbeating(() => prepareSyncMerge(store, input)),
    fastForwardSync: (input) => heartbeating(() => fastForwardSync(store, input)),
  };
}
