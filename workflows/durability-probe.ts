import { condition, defineQuery, defineSignal, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';
import {
  durabilityProbeInputSchema,
  ProbeState,
  type DurabilityProbeInput,
  type DurabilityProbeResult,
  type ProbeStatus,
  type WakeUpRequest,
} from '../domain/probes';
import type { HealthActivities } from '../activities/health';
import { wireOperatorMessages } from './kit/operator-messages';
import { nowIso } from './kit/time';
import { parseWorkflowInput } from './kit/workflow-input';

// wakeUp: an Update (the caller learns at once whether it was accepted) and a Signal of the
// same payload for the Web UI, which can only signal; a refused signal is kept in probeStatus.
export const wakeUpUpdate = defineUpdate<ProbeStatus, [WakeUpRequest]>('wakeUp');
export const wakeUpSignal = defineSignal<[WakeUpRequest]>('wakeUp');
export const probeStatusQuery = defineQuery<ProbeStatus>('probeStatus');

const { recordProbeEvent } = proxyActivities<HealthActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', nonRetryableErrorTypes: ['InvalidInput'] },
});

/**
 * An operator's canary for durability: records that it started, sleeps on a durable
 * timer, records that it woke up. Start one before a restart or upgrade of workers or
 * server; it must still complete afterwards, and each record exists exactly once.
 * An operator may wake it early (wakeUp).
 */
export async function durabilityProbe(input: DurabilityProbeInput): Promise<DurabilityProbeResult> {
  const { sleep: duration, label } = parseWorkflowInput(durabilityProbeInputSchema, input, 'durabilityProbe input');
  const probe = new ProbeState();

  setHandler(probeStatusQuery, () => probe.view());
  wireOperatorMessages(probe, {
    wakeUp: {
      update: wakeUpUpdate,
      signal: wakeUpSignal,
      refusal: (request) => probe.refusalOfWakeUp(request),
      apply: (request) => probe.wakeUp(request),
    },
  });

  const startedAt = nowIso();
  await recordProbeEvent({ step: 'started', label });
  await condition(() => probe.phase === 'awake', duration);
  probe.phase = 'awake';
  await recordProbeEvent({ step: 'completed', label });
  return { label, sleep: duration, startedAt, completedAt: nowIso(), wokenBy: probe.wokenBy };
}
