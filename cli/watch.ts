import type { WorkflowOperations } from '../client/api/operations';

/** Prints a line each time the workflow's status changes; returns its final status. */
export async function watchWorkflow(
  operations: WorkflowOperations,
  workflowId: string,
  intervalMs: number,
  json: boolean,
): Promise<string> {
  let last = '';
  for (;;) {
    const summary = await operations.describe(workflowId);
    if (summary.status !== last) {
      last = summary.status;
      const at = new Date().toISOString();
      console.log(
        json ? JSON.stringify({ at, workflowId, status: summary.status }) : `${at}  ${workflowId}  ${summary.status}`,
      );
    }
    if (summary.status !== 'RUNNING') return summary.status;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Polls until the workflow closes and returns its outcome. */
export async function waitForOutcome(operations: WorkflowOperations, workflowId: string, intervalMs = 500) {
  for (;;) {
    const outcome = await operations.outcome(workflowId);
    if (outcome.status !== 'RUNNING') return outcome;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
