// The alerts bench's floor (bench/alerts.ts): the least Temporal program with an alert's side
// effect. signalWithStart starts it; it runs one activity that posts to Slack, and ends. What
// arxflow's alert path does beyond this (intake, dedup, policy, audit, escalation timers) is
// the gap the bench reports.
import { defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';

export const floorTrigger = defineSignal<[unknown]>('trigger');
const { postFloorAlert } = proxyActivities<{ postFloorAlert(key: string): Promise<void> }>({
  startToCloseTimeout: '30 seconds',
});

export async function floorAlert(key: string): Promise<void> {
  setHandler(floorTrigger, () => undefined);
  await postFloorAlert(key);
}
