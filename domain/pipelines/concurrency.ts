// The concurrency group of a run: runs of one group never overlap (cancel-in-progress ends the older).
import { expandExpressions, githubContextOf } from './expressions';
import type { PipelineDefinition, PipelineTrigger } from './pipeline-types';

/**
 * The definition's `concurrency.group` with `${{ github.* }}` expanded, scoped to the repository as
 * GitHub scopes it (`<repoKey>:<group>`), or undefined when the pipeline has no group.
 */
export function concurrencyGroupOf(def: PipelineDefinition, trigger: PipelineTrigger): string | undefined {
  if (!def.concurrency) return undefined;
  return `${trigger.repoKey}:${expandExpressions(def.concurrency.group, { github: githubContextOf(trigger) })}`;
}
