import { reachable } from '../support/runtime-imports';

/**
 * What the deployment workflows load in the sandbox stays light: domain files, zod and the
 * Temporal SDK (workflow API, search attribute keys), no Node built-in and no YAML parser (the config file is parsed at the
 * boundary; the workflow re-checks the copied service with the same zod schema). Same check as
 * pipeline-workflow-imports.test.ts: runtime imports only, transitively.
 */
const WORKFLOWS = ['workflows/deploy/deployment.ts', 'workflows/deploy/deploy-queue.ts'];
const ALLOWED_LIBRARIES = ['zod', '@temporalio/workflow', '@temporalio/common'];

describe('modules the deployment workflows load', () => {
  it.each(WORKFLOWS)('%s reaches only domain and workflow files, zod and the Temporal SDK', (file) => {
    const libraries = [...reachable(file).keys()].filter(
      (module) => !module.startsWith('domain/') && !module.startsWith('workflows/'),
    );
    expect(libraries.filter((library) => !ALLOWED_LIBRARIES.includes(library))).toEqual([]);
  });
});
