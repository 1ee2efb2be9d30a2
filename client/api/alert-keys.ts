import type { AlertStatusView } from '../../domain/alerts/alert-state';
import {
  chooseAlert,
  idMatchesSenderKey,
  needsSenderKeyOf,
  parseAlertReference,
  type AlertCandidate,
} from '../../domain/alerts/alert-keys';
import { ALERT_WORKFLOW_TYPE } from './alert-intake';
import { ApiError, badInput, notFound } from './errors';
import type { Caller, WorkflowOperations, WorkflowSummary } from './operations';

/** How many alert workflows (newest first) a lookup by a sender's key searches: the API's list limit. */
const SEARCH_LIMIT = 1000;
/** How many alerts' views are read at once when only the view knows the sender's key. */
const READ_CONCURRENCY = 8;

/**
 * The workflow id of the alert an operator named: by its alert id (or workflow id), or by
 * the dedup key its sender gave (domain/alerts/alert-keys.ts has the rules). The one place
 * the CLI and the gateway's /v1/alerts routes turn what they were given into a workflow id;
 * through either WorkflowOperations, so the gateway and direct mode answer alike.
 *
 * An alert id is looked up directly (describe). A sender's key is searched in visibility,
 * which lags a start by up to a second or so. Throws ApiError 400 for input that can name no
 * alert or names several, 404 when none matches.
 */
export async function findAlertWorkflow(operations: WorkflowOperations, text: string, caller: Caller): Promise<string> {
  const reference = parseAlertReference(text);
  if ('issue' in reference) throw badInput(`alert "${text}": ${reference.issue.message}`, [reference.issue]);
  if (reference.workflowId) {
    try {
      await operations.describe(reference.workflowId);
      return reference.workflowId;
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) throw err;
    }
  }
  const listed = await operations.list({ type: ALERT_WORKFLOW_TYPE, status: 'all', limit: SEARCH_LIMIT });
  const candidates: AlertCandidate[] = [];
  const toRead: WorkflowSummary[] = [];
  for (const summary of latestRuns(listed)) {
    if (idMatchesSenderKey(summary.workflowId, reference.given))
      candidates.push({ workflowId: summary.workflowId, status: summary.status });
    else if (needsSenderKeyOf(summary.workflowId, reference.given)) toRead.push(summary);
  }
  for (let i = 0; i < toRead.length; i += READ_CONCURRENCY) {
    const views = await Promise.all(toRead.slice(i, i + READ_CONCURRENCY).map((s) => alertView(operations, s, caller)));
    views.forEach((view, j) => {
      if (view?.sourceKey === reference.given)
        candidates.push({ workflowId: toRead[i + j]!.workflowId, status: toRead[i + j]!.status });
    });
  }
  const choice = chooseAlert(reference, candidates);
  if (choice.kind === 'missing') throw notFound(choice.message);
  if (choice.kind === 'ambiguous') throw badInput(choice.message, [{ path: 'alert', message: choice.message }]);
  return choice.workflowId;
}

/** Continue-as-new leaves one closed run per retrigger: the newest run of each alert (visibility lists newest first). */
export function latestRuns(listed: readonly WorkflowSummary[]): WorkflowSummary[] {
  const seen = new Set<string>();
  return listed.filter((summary) => !seen.has(summary.workflowId) && seen.add(summary.workflowId));
}

/**
 * An alert's view: an open one answers its `status` query, a closed one by its result (the
 * workflow returns its final view), so a closed alert is never replayed on a worker just to
 * be read. Undefined when it cannot be read (failed or terminated run, no worker).
 */
export async function alertView(
  operations: WorkflowOperations,
  summary: Pick<WorkflowSummary, 'workflowId' | 'status'>,
  caller: Caller,
): Promise<AlertStatusView | undefined> {
  try {
    if (summary.status === 'RUNNING')
      return (await operations.query(summary.workflowId, 'status', caller)) as AlertStatusView;
    const outcome = await operations.outcome(summary.workflowId);
    return outcome.status === 'COMPLETED' && 'result' in outcome ? (outcome.result as AlertStatusView) : undefined;
  } catch {
    return undefined;
  }
}
