import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

export const WORKFLOWS_PATH = require.resolve('../workflows');
/**
 * Workflow interceptors of every workflow type. Registered here, not in the worker's
 * `interceptors.workflowModules`: Temporal ignores those when the worker gets a prebuilt bundle.
 */
export const WORKFLOW_INTERCEPTOR_MODULES = [require.resolve('../workflows/identity-interceptor')];

/** Builds the workflow bundle once per process; workers and tests share the result. */
export function buildWorkflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
    logger: quietBundlerLogger,
  });
}

const ignore = () => undefined;
const quietBundlerLogger = {
  log: ignore,
  trace: ignore,
  debug: ignore,
  info: ignore,
  warn: ignore,
  error: console.error,
};
