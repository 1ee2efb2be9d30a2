// The deploy bench's baseline: as many activity calls as a deployment made, one after the
// other, each doing nothing, with none of the deployment's state, queue, audit or messages.
import { proxyActivities } from '@temporalio/workflow';

const { noop } = proxyActivities<{ noop(step: number): Promise<void> }>({ startToCloseTimeout: '30 seconds' });

export async function baselineActivities(activityCalls: number): Promise<void> {
  for (let step = 0; step < activityCalls; step++) await noop(step);
}
