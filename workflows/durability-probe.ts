import { ApplicationFailure, proxyActivities, sleep } from '@temporalio/workflow';
import { durabilityProbeInputSchema, type DurabilityProbeInput, type DurabilityProbeResult } from '../domain/probes';
import type { HealthActivities } from '../activities/health';

const { recordProbeEvent } = proxyActivities<HealthActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', nonRetryableErrorTypes: ['InvalidInput'] },
});

/**
 * An operator's canary for durability: records that it started, sleeps on a durable
 * timer, records that it woke up. Start one before a restart or upgrade of workers or
 * server; it must still complete afterwards, and each record exists exactly once.
 */
export async function durabilityProbe(input: DurabilityProbeInput): Promise<DurabilityProbeResult> {
  const parsed = durabilityProbeInputSchema.safeParse(input);
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(`durabilityProbe input: ${parsed.error.message}`, 'InvalidInput');
  }
  const { sleep: duration, label } = parsed.data;
  const startedAt = new Date().toISOString();
  await recordProbeEvent({ step: 'started', label });
  await sleep(duration);
  await recordProbeEvent({ step: 'completed', label });
  return { label, sleep: duration, startedAt, completedAt: new Date().toISOString() };
}
