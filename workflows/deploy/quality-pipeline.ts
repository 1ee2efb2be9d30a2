import { ChildWorkflowFailure, executeChild, ParentClosePolicy, WorkflowIdReusePolicy } from '@temporalio/workflow';
import type { DeploymentInput, ServiceConfig } from '../../domain/deploy/deploy-types';
import { pipelineRunId } from '../../domain/pipelines/pipeline-types';
import type { pipelineRun } from '../pipelines/pipeline-run';

/**
 * A deployment's commit without a quality verdict: its pipeline runs now, as a child of the
 * deployment (the file at the commit says what to build and which gate to pass), and the
 * run's gate is the verdict. Attempt 1 of the commit: a run of it that exists already (the
 * CI's push got there first, or an earlier deployment) is not started twice; the deployment
 * then says to wait for that run.
 */
export async function runQualityPipeline(
  quality: NonNullable<ServiceConfig['quality']> & { source: string },
  input: Pick<DeploymentInput, 'service' | 'version' | 'requestedBy'> & { commit: string },
): Promise<{ verdict: { verdict: 'pass' | 'fail'; gateId: string } } | { refusal: string }> {
  const runId = pipelineRunId(quality.repo, input.commit, 1);
  try {
    const view = await executeChild<typeof pipelineRun>('pipelineRun', {
      workflowId: runId,
      args: [
        {
          trigger: {
            repo: quality.source,
            repoKey: quality.repo,
            ref: `refs/deploy/${input.service}/${input.version}`,
            sha: input.commit,
            event: 'manual',
            actor: input.requestedBy,
          },
          attempt: 1,
        },
      ],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      // The run's verdict is kept in the store either way: a deployment that ends early
      // (rolled back, cancelled) does not cut the build off halfway.
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
    if (!view.quality)
      return { refusal: `pipeline ${runId} has no quality section: no verdict for ${quality.repo}@${input.commit}` };
    return { verdict: { verdict: view.quality.verdict, gateId: `${runId} (quality gate)` } };
  } catch (err) {
    if (err instanceof ChildWorkflowFailure)
      return { refusal: `pipeline ${runId} failed before its quality gate: ${err.cause?.message ?? err.message}` };
    if (err instanceof Error && err.name === 'WorkflowExecutionAlreadyStartedError')
      return {
        refusal: `pipeline ${runId} already exists without a quality verdict: wait for it to end, then deploy again`,
      };
    throw err;
  }
}
