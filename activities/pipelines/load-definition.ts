import { existsSync } from 'node:fs';
import { ApplicationFailure } from '@temporalio/activity';
import { DEFAULT_PIPELINE_PATH, parsePipelineYaml } from '../../domain/pipelines/pipeline-schema';
import type { PipelineDefinition } from '../../domain/pipelines/pipeline-types';
import { InputError } from '../../domain/validation';
import { ensureMirror, GitError, repoLocation, showFile } from '../../platform/git';
import type { LoadDefinitionInput } from './pipeline-activity-types';

/**
 * The pipeline file as committed at the sha (never the work tree's copy), parsed and validated.
 * Refusals are for good (non-retryable): `InvalidPipeline` with the file, line and field;
 * `PipelineNotFound` for a missing file, commit or local repository. A git failure that may pass
 * (an unreachable server) is retried like any other.
 */
export async function loadPipelineDefinition(dataDir: string, input: LoadDefinitionInput): Promise<PipelineDefinition> {
  const file = input.path ?? DEFAULT_PIPELINE_PATH;
  const location = repoLocation(input.repo);
  if (location.startsWith('/') && !existsSync(location)) {
    throw ApplicationFailure.nonRetryable(`repository ${input.repo} does not exist`, 'PipelineNotFound');
  }
  let mirror: string;
  try {
    mirror = await ensureMirror(dataDir, input.repo, input.sha);
  } catch (err) {
    if (err instanceof GitError && /is not in /.test(err.message)) {
      throw ApplicationFailure.nonRetryable(err.message, 'PipelineNotFound');
    }
    throw err;
  }
  const text = await showFile(mirror, input.sha, file);
  if (text === undefined) {
    throw ApplicationFailure.nonRetryable(
      `${file} not found at ${input.sha.slice(0, 12)} in ${input.repo}: add a pipeline file (docs/pipelines.md)`,
      'PipelineNotFound',
    );
  }
  try {
    return parsePipelineYaml(text, file);
  } catch (err) {
    if (err instanceof InputError) throw ApplicationFailure.nonRetryable(err.message, 'InvalidPipeline', err.issues);
    throw err;
  }
}
