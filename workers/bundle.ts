import path from 'node:path';
import { bundleWorkflowCode, type BundleOptions, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

export const WORKFLOWS_PATH = require.resolve('../workflows');
/**
 * Workflow interceptors of every workflow type. Registered here, not in the worker's
 * `interceptors.workflowModules`: Temporal ignores those when the worker gets a prebuilt bundle.
 */
export const WORKFLOW_INTERCEPTOR_MODULES = [require.resolve('../workflows/identity-interceptor')];

/**
 * What a cached workflow costs depends on what the bundle makes it evaluate. With the SDK's
 * reusable V8 context, every workflow evaluates the bundle's modules it reaches in a module
 * cache of its own (isolation of module state), except the SDK's own. Measured with
 * `npm run bench -- memory` (100 waiting runs per type, KiB of heap per cached run):
 *   - the index re-exports every type, so every workflow evaluated every type's modules:
 *     a workflow that only waits cost 1,057 KiB, a funding gate 1,484 KiB;
 *   - with the index lazy (LAZY_INDEX_LOADER: a workflow evaluates its own type's modules),
 *     the bare one cost 106 KiB, a gate 1,188 KiB: zod and the domain evaluated per workflow;
 *   - with zod and domain/ evaluated once per V8 context (SHARE_LOADER), a gate 145 KiB,
 *     an alert 147 KiB, a compliance review 149 KiB, beside the bare workflow's 104 KiB.
 * Sharing is safe for modules without per-workflow state: zod, and domain/, whose modules
 * are pure by the import rule (no workflow API, no I/O); their module-level maps are caches
 * of pure functions (compiled matchers, formatters). Workflow modules (workflows/) keep
 * their own copy per workflow. The SDK's own way (`preloadModules`) deep-freezes what it
 * shares, which zod cannot take (it writes to its regexes and config): 1677e4b.
 */
const SHARED_MODULE_REGISTRY = require.resolve('./bundling/shared-modules');
const SHARE_LOADER = require.resolve('./bundling/share-loader.cjs');
const LAZY_INDEX_LOADER = require.resolve('./bundling/lazy-index-loader.cjs');
/** Marks the real module behind a shared module's stub (the stub requires it; the loader leaves it alone). */
const OWN_QUERY = '?arxflow-own';
const DOMAIN_DIR = path.resolve(__dirname, '..', 'domain') + path.sep;
const ZOD_DIR = `${path.sep}node_modules${path.sep}zod${path.sep}`;

/** Modules evaluated once per V8 context and shared by every workflow (see above). */
export function isSharedModule(file: string): boolean {
  return file.startsWith(DOMAIN_DIR) || file.includes(ZOD_DIR);
}

export interface WorkflowBundleOptions {
  /** More workflow functions, `{name: absolute module path}`, beside workflows/index.ts's: the memory bench's bare workflow. */
  extraWorkflows?: Record<string, string>;
}

let built: Promise<WorkflowBundleWithSourceMap> | undefined;

/** Builds the workflow bundle once per process (webpack takes seconds); every worker of the process shares it. */
export function buildWorkflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  built ??= bundleWorkflowCode(workflowBundleOptions()).catch((err: unknown) => {
    built = undefined; // a failed build (a syntax error being fixed) is retried by the next caller
    throw err;
  });
  return built;
}

/** The project's bundle options; `extraWorkflows` for a bench's own bundle of the same code (not cached). */
export function workflowBundleOptions(options: WorkflowBundleOptions = {}): BundleOptions {
  return {
    workflowsPath: WORKFLOWS_PATH,
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
    preloadModules: [SHARED_MODULE_REGISTRY],
    logger: quietBundlerLogger,
    webpackConfigHook: (config) => {
      config.module ??= {};
      config.module.rules = [
        ...(config.module.rules ?? []),
        {
          test: (file: string) => file === WORKFLOWS_PATH,
          enforce: 'pre',
          use: { loader: LAZY_INDEX_LOADER, options: { extra: options.extraWorkflows ?? {} } },
        },
        {
          test: isSharedModule,
          resourceQuery: { not: [new RegExp(`^\\${OWN_QUERY}$`)] },
          // zod's files import each other as ES modules (default imports included), which a
          // CommonJS stub would break: zod is shared where our code imports it, as a whole.
          issuer: (importer: string) => !importer.includes(ZOD_DIR),
          // The stub is CommonJS, also for a file of an ES-module package (zod's "type": "module").
          type: 'javascript/auto',
          enforce: 'pre',
          use: { loader: SHARE_LOADER, options: { registry: SHARED_MODULE_REGISTRY, ownQuery: OWN_QUERY } },
        },
      ];
      return config;
    },
  };
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
