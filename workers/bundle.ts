import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

export const WORKFLOWS_PATH = require.resolve('../workflows');
/**
 * Workflow interceptors of every workflow type. Registered here, not in the worker's
 * `interceptors.workflowModules`: Temporal ignores those when the worker gets a prebuilt bundle.
 */
export const WORKFLOW_INTERCEPTOR_MODULES = [require.resolve('../workflows/identity-interceptor')];
/**
 * Evaluated once per worker and shared by every workflow it runs (the SDK evaluates the
 * bundle's other modules once per workflow): zod, whose schemas the workflows build lazily
 * (domain/lazy-schema.ts), so a waiting workflow pays for the schemas it has parsed with,
 * never for the library.
 */
export const SHARED_LIBRARY_MODULES = [require.resolve('../workflows/kit/shared-libraries')];

let built: Promise<WorkflowBundleWithSourceMap> | undefined;

/** Builds the workflow bundle once per process (webpack takes seconds); every worker of the process shares it. */
export function buildWorkflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  built ??= bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
    preloadModules: SHARED_LIBRARY_MODULES,
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
