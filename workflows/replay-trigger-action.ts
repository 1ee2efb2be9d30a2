import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import { isDeadLettered, replayTriggerActionInputSchema, type ActionReport } from '../domain/task-triggers';
import type { TaskTriggerActivities } from '../activities/task-triggers';
import { parseWorkflowInput } from './kit/workflow-input';
import { runTriggerAction } from './task-event';

export interface ReplayTriggerActionInput {
  deadLetterKey: string;
  /** 1 for the first replay of this dead letter; part of the workflow id (see triggerReplayWorkflowId). */
  attempt: number;
}

export interface ReplayTriggerActionResult extends ActionReport {
  deadLetterKey: string;
  replayWorkflowId: string;
  /** Set when the action failed again: the new dead letter, keyed by this workflow's id. */
  newDeadLetterKey?: string;
}

const { beginTriggerReplay, finishTriggerReplay } = proxyActivities<TaskTriggerActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', nonRetryableErrorTypes: ['InvalidInput'] },
});

/**
 * An operator's replay of one dead letter, id `trigger-replay/<key>/<attempt>` (started
 * with REJECT_DUPLICATE, so a double click replays once). It re-runs the recorded action
 * through taskEvent's own runner, keeping the original key for its effects (the webhook's
 * delivery id), then marks the dead letter replayed. A failure again is a new dead letter
 * under this workflow's id, which can be replayed in turn.
 */
export async function replayTriggerAction(input: ReplayTriggerActionInput): Promise<ReplayTriggerActionResult> {
  // The two fields the run uses, as they came (the schema transforms nothing).
  const { deadLetterKey, attempt } = parseWorkflowInput(
    replayTriggerActionInputSchema,
    input,
    'replayTriggerAction input',
  );
  const { workflowId } = workflowInfo();
  const { action, originKey } = await beginTriggerReplay({ deadLetterKey, attempt });
  const report = await runTriggerAction(action, workflowId, originKey);
  const newDeadLetterKey = isDeadLettered(report.outcome) ? workflowId : undefined;
  await finishTriggerReplay({
    deadLetterKey,
    outcome: report.outcome,
    ...(newDeadLetterKey ? { newDeadLetterKey } : {}),
  });
  return { ...report, deadLetterKey, replayWorkflowId: workflowId, ...(newDeadLetterKey ? { newDeadLetterKey } : {}) };
}
