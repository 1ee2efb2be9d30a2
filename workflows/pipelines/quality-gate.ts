import { ActivityFailure, ApplicationFailure, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { QualityGateInput, QualityGateResult } from '../../activities/quality/quality-gate-input';
import type { QualityActivities } from '../../activities/quality';
import { qualityGateStatusQuery, type QualityGateView } from './pipeline-messages';

export { qualityGateStatusQuery } from './pipeline-messages';

/** `quality/<repoKey>/<sha>/<attempt>`: one gate per pipeline run (a rerun of the sha is a new attempt). */
export function qualityGateId(repoKey: string, sha: string, attempt: number): string {
  return `quality/${repoKey}/${sha}/${attempt}`;
}

// The evaluation reads files, the store and git: a crashed worker or a busy database is
// retried (the activity is idempotent, keyed by run id), but report files that do not parse
// will not parse on a retry either: InvalidReport (and a malformed input) is final, and the
// gate turns it into a failed verdict here.
const { evaluateQualityGate } = proxyActivities<QualityActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: ['InvalidReport', 'InvalidInput'],
  },
});

/**
 * The quality gate of one run: coverage, tests and benchmarks against the thresholds and the
 * branch's baseline. A step of every pipeline that has a `quality` section (a child of
 * pipelineRun), and usable alone: the API may start it with stored report refs. Report files
 * that cannot be read fail the gate with the reason: never a pass.
 */
export async function qualityGate(input: QualityGateInput): Promise<QualityGateResult> {
  const view: QualityGateView = {
    gateId: workflowInfo().workflowId,
    runId: input.runId,
    service: input.service ?? input.repoKey,
    branch: input.branch,
    sha: input.sha,
    attempt: input.attempt,
    status: 'evaluating',
  };
  setHandler(qualityGateStatusQuery, () => view);

  let verdict: QualityGateResult;
  try {
    verdict = await evaluateQualityGate(input);
  } catch (err) {
    const refusal = reportRefusal(err);
    if (refusal === undefined) throw err;
    verdict = {
      verdict: 'fail',
      checks: [{ name: 'reports', passed: false, actual: null, required: 0, detail: refusal }],
    };
  }
  view.verdict = verdict;
  view.status = verdict.verdict === 'pass' ? 'passed' : 'failed';
  return verdict;
}

/** Why the reports (or the gate's input) were refused for good; undefined for any other failure. */
function reportRefusal(err: unknown): string | undefined {
  if (!(err instanceof ActivityFailure && err.cause instanceof ApplicationFailure)) return undefined;
  const { type, message } = err.cause;
  return type === 'InvalidReport' || type === 'InvalidInput' ? message : undefined;
}
