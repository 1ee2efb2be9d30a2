// The sync bench's baseline: an entity workflow that answers an Update and does nothing else
// (no validator, no activities, no state beyond a counter), so `commits per second` can be read
// beside what the same dev server, worker and client do for a bare Update in the same run.
import { condition, defineUpdate, setHandler } from '@temporalio/workflow';

export const baselineCommit = defineUpdate<number, [unknown]>('commit');

export async function baselineEntity(): Promise<void> {
  let updates = 0;
  setHandler(baselineCommit, () => ++updates);
  // Runs until the bench's dev server goes away, like a document's workflow between changes.
  await condition(() => false);
}
