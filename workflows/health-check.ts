import { proxyActivities } from '@temporalio/workflow';
import type { HealthReport } from '../domain/probes';
import type { HealthActivities } from '../activities/health';

// Short and not retried for long: readyz waits on this, and a slow answer is itself "not ready".
const { probeStore } = proxyActivities<HealthActivities>({
  startToCloseTimeout: '5 seconds',
  retry: { maximumAttempts: 2, initialInterval: '200 ms', nonRetryableErrorTypes: [] },
});

/** Proves the whole path: Temporal server -> worker -> activity -> store. Behind GET /readyz. */
export async function healthCheck(): Promise<HealthReport> {
  return probeStore();
}
