import { proxyActivities } from '@temporalio/workflow';
import type { HealthReport } from '../domain/probes';
import type { HealthActivities } from '../activities/health';

// Short and not retried for long: a slow answer is itself "unhealthy" (arxflow health waits on this).
const { probeStore } = proxyActivities<HealthActivities>({
  startToCloseTimeout: '5 seconds',
  retry: { maximumAttempts: 2, initialInterval: '200 ms', nonRetryableErrorTypes: [] },
});

/** Proves the whole path: Temporal server -> worker -> activity -> store. Run by the health-check-hourly schedule and arxflow health. */
export async function healthCheck(): Promise<HealthReport> {
  return probeStore();
}
