import { reachable } from '../support/runtime-imports';

/**
 * The pipeline modules pipelineRun loads (the run state, its concurrency group, expressions, cache keys)
 * stay light: no YAML parser, no Node built-in, so they load in the workflow sandbox at a small cost per
 * run. The YAML schema is boundary code (loadPipelineDefinition, the API). Same check as
 * alerts-workflow-imports.test.ts: runtime imports only (type-only imports are erased), transitively.
 */
const WORKFLOW_SIDE = [
  'domain/pipelines/pipeline-run-state.ts',
  'domain/pipelines/concurrency.ts',
  'domain/pipelines/expressions.ts',
  'domain/pipelines/cache-keys.ts',
  'domain/pipelines/repo-key.ts',
];
const ALLOWED_LIBRARIES = ['zod', 'picomatch/posix'];

describe('pipeline modules the workflow loads', () => {
  it.each(WORKFLOW_SIDE)('%s reaches only domain files, zod and picomatch', (file) => {
    const libraries = [...reachable(file).keys()].filter((module) => !module.startsWith('domain/'));
    expect(libraries.filter((library) => !ALLOWED_LIBRARIES.includes(library))).toEqual([]);
  });

  it('the checker sees the YAML parser of the schema (it would catch one)', () => {
    expect(reachable('domain/pipelines/pipeline-schema.ts').has('yaml')).toBe(true);
  });
});
