import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

export const WORKFLOWS_PATH = require.resolve('../workflows');
/**
 * Workflow interceptors of every workflow type. Registered here, not in the worker's
 * `interceptors.workflowModules`: Temporal ignores those when the worker gets a prebuilt bundle.
 */
export const WORKFLOW_INTERCEPTOR_MODULES = [require.resolve('../workflows/identity-interceptor')];
let built: Promise<WorkflowBundleWithSourceMap> | undefined;

/** Builds the workflow bundle once per process (webpack takes seconds); every worker of the process shares it. */
export function buildWorkflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  built ??= bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
    logger: quietBundlerLogger,
  }).catch((err: unknown) => {
    built = undefined; // a failed build (a syntax error being fixed) is retried by the next caller
    throw err;
  });
  return built;
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
