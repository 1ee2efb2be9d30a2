// The funding bench's baseline: the same shape of work as a gate run (2 updates in, then
// the same number of activity calls) with none of the gate's logic or side effects.
import { condition, defineQuery, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';

export const baselineDecide = defineUpdate<number, [unknown]>('decide');
const { noop } = proxyActivities<{ noop(step: number): Promise<void> }>({ startToCloseTimeout: '30 seconds' });

export async function baselineGate(activityCalls: number): Promise<void> {
  let decisions = 0;
  setHandler(baselineDecide, () => ++decisions);
  await noop(0);
  await condition(() => decisions === 2);
  for (let step = 1; step < activityCalls; step++) await noop(step);
}

/**
 * The memory bench's baseline (bench/memory.ts): a workflow of the project's bundle that
 * does nothing but wait, with a query to say so. What one cached waiting run of it costs is
 * the SDK's own price per workflow; each real type is measured against it.
 */
export const bareStatusQuery = defineQuery<'waiting'>('status');

export async function bareWaiting(): Promise<void> {
  setHandler(bareStatusQuery, () => 'waiting');
  await condition(() => false);
}
