import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import { DEFAULT_PIPELINE_PATH, parsePipelineYaml } from '../../domain/pipelines/pipeline-schema';
import { repoKeyOf } from '../../domain/pipelines/repo-key';
import { pipelineRunId, type PipelineRunInput, type PipelineTrigger } from '../../domain/pipelines/pipeline-types';
import { InputError } from '../../domain/validation';
import { ensureMirror, GitError, repoLocation, resolveRef, showFile } from '../../platform/git';
import { badInput } from './errors';
import type { Caller } from './operations';
import type { PipelineStartRequest } from './pipeline-operations';
import { translate } from './temporal-errors';
import { withinDeadline } from './temporal-deadline';
import { pipelinePullRequestSignal } from '../../workflows/pipelines/pipeline-messages';

export const PIPELINE_WORKFLOW_TYPE = 'pipelineRun';

/**
 * A manual run (CLI, API) as the workflow takes it: the ref resolved to its sha, and the
 * pipeline file at that sha read and validated HERE, before anything starts, so a missing file
 * or bad YAML is a 400 / exit 2 naming the file and line and no run exists for it. (The
 * workflow loads and validates it again: a webhook-started run has no such check before it.)
 * `dataDir`: where a remote repository is mirrored for the check, the same mirror the worker
 * of `npm start` uses; without one a temporary mirror is made and removed.
 */
export async function planManualRun(
  request: PipelineStartRequest,
  caller: Caller,
  options: { dataDir?: string } = {},
): Promise<PipelineRunInput> {
  const { repo } = request;
  const definitionPath = request.definitionPath ?? DEFAULT_PIPELINE_PATH;
  const { sha, ref } = await gitInput(() => resolveRef(repo, request.ref), repo);
  await checkDefinition(repo, sha, definitionPath, options.dataDir);
  const branch = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;
  const githubRepo = githubRepoOf(repo);
  const trigger: PipelineTrigger = {
    repo,
    repoKey: repoKeyOf(repo),
    ref,
    sha,
    ...(branch ? { branch } : {}),
    event: 'manual',
    actor: caller.subject,
    ...(githubRepo ? { githubRepo } : {}),
  };
  return { trigger, attempt: 1, ...(request.definitionPath ? { definitionPath } : {}) };
}

/**
 * Starts `pipelineRun` under its business id (pipeline/<repoKey>/<sha>/<attempt>) with
 * REJECT_DUPLICATE: the same sha and attempt again (a second `pipeline run`, a redelivered
 * webhook) answers the run that exists, `existing: true`, and starts nothing.
 */
export async function startPipelineRun(
  client: Client,
  taskQueue: string,
  planned: PipelineRunInput,
  publicUrl?: string,
): Promise<{ runId: string; existing: boolean }> {
  const runId = pipelineRunId(planned.trigger.repoKey, planned.trigger.sha, planned.attempt);
  const input = publicUrl ? { ...planned, link: pipelineRunLink(publicUrl, runId) } : planned;
  try {
    await withinDeadline(client, () =>
      client.workflow.start(PIPELINE_WORKFLOW_TYPE, {
        workflowId: runId,
        taskQueue,
        args: [input],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      }),
    );
    return { runId, existing: false };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      await attachPullRequest(client, runId, input.trigger);
      return { runId, existing: true };
    }
    return translate(() => Promise.reject(err)); // unreachable Temporal: 503
  }
}

/**
 * A pull request event for a sha whose run its push already started (GitHub sends both for a
 * push to a PR's branch): the run learns its pull request, so it still comments there. A run
 * that has ended is left as it is.
 */
async function attachPullRequest(client: Client, runId: string, trigger: PipelineTrigger): Promise<void> {
  if (!trigger.pullRequest || !trigger.base) return;
  const { pullRequest, base } = trigger;
  try {
    await withinDeadline(client, () =>
      client.workflow.getHandle(runId).signal(pipelinePullRequestSignal, { pullRequest, base }),
    );
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) return translate(() => Promise.reject(err));
  }
}

/** Where a run is read through the gateway users reach (ARXFLOW_PUBLIC_URL): the link statuses and comments carry. */
export function pipelineRunLink(publicUrl: string, runId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/v1/pipelines/${encodeURIComponent(runId)}`;
}

/** Reads and validates the pipeline file at `sha`; 400 naming the file (and line) when missing or invalid. */
async function checkDefinition(repo: string, sha: string, file: string, dataDir: string | undefined): Promise<void> {
  const local = localDirOf(repo);
  let scratch: string | undefined;
  try {
    const gitDir =
      local ??
      (await gitInput(
        () => ensureMirror(dataDir ?? (scratch = mkdtempSync(path.join(tmpdir(), 'arxflow-check-'))), repo, sha),
        repo,
      ));
    const text = await gitInput(() => showFile(gitDir, sha, file), repo);
    if (text === undefined) {
      throw badInput(`definitionPath: ${file} not found in ${repo} at ${sha.slice(0, 12)}`, [
        { path: 'definitionPath', message: `${file} not found at ${sha.slice(0, 12)}` },
      ]);
    }
    try {
      parsePipelineYaml(text, file);
    } catch (err) {
      if (err instanceof InputError) throw badInput(err.message, err.issues);
      throw err;
    }
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

/** A git failure caused by what the caller named (no such repository, ref or commit): 400 naming the field. */
async function gitInput<T>(call: () => Promise<T>, repo: string): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (!(err instanceof GitError)) throw err;
    const field = /^no branch, tag or commit named /.test(err.message) ? 'ref' : 'repo';
    const message = field === 'ref' ? err.message : `${repo}: ${err.message}`;
    throw badInput(`${field}: ${message}`, [{ path: field, message }]);
  }
}

/** A repository git can read in place (a local path or file:// URL); undefined for remote URLs. */
function localDirOf(repo: string): string | undefined {
  const location = repoLocation(repo);
  if (location.startsWith('file://')) return decodeURIComponent(location.slice('file://'.length));
  return /^[a-z]+:\/\//i.test(location) || /^[\w.-]+@[\w.-]+:/.test(location) ? undefined : location;
}

/**
 * `owner/name` of a github.com repository URL, so a manual run of a GitHub repository reports
 * its commit statuses too. GitHub Enterprise hosts are not guessed: their runs come from webhooks,
 * which carry `repository.full_name`.
 */
export function githubRepoOf(repo: string): string | undefined {
  const match = /^https:\/\/github\.com\/([\w.-]+)\/([\w.-]+?)(?:\.git)?\/?$/.exec(repo);
  return match ? `${match[1]}/${match[2]}` : undefined;
}
