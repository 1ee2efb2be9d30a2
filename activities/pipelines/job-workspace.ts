import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import type { PipelineLogs } from '../../db/pipeline-logs';
import { renderCacheKey } from '../../domain/pipelines/cache-keys';
import { expandExpressions, githubContextOf } from '../../domain/pipelines/expressions';
import { checkoutWorkspace, ensureMirror } from '../../platform/git';
import { extractArchive, type CacheStore } from './cache-store';
import type { FinishedJob, FinishJobInput, PreparedJob, PrepareJobInput, StoredFile } from './pipeline-activity-types';
import { hashWorkspaceFiles, matchWorkspace } from './workspace-files';

export interface JobWorkspaceDeps {
  dataDir: string;
  logs: PipelineLogs;
  cacheStore: CacheStore;
  cacheMaxBytes: number;
}

/** A run id as one directory name: readable, and a short hash so two ids never share one. */
export function runDirName(runId: string): string {
  const readable = runId.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 100);
  return `${readable}-${createHash('sha256').update(runId).digest('hex').slice(0, 8)}`;
}

function safeName(jobId: string): string {
  return jobId.replace(/[^A-Za-z0-9._-]+/g, '_');
}

export function workspaceOf(dataDir: string, runId: string, jobId: string): string {
  return path.join(dataDir, 'pipelines', 'workspaces', runDirName(runId), safeName(jobId));
}

/**
 * The job's workspace at the trigger's exact sha (kept as it is when already there: a retried step
 * finds the earlier steps' files), and its cache restored: the exact key, else each restore-key prefix
 * in order, the most recently used entry first.
 */
export async function prepareJob(deps: JobWorkspaceDeps, input: PrepareJobInput): Promise<PreparedJob> {
  const { trigger } = input;
  const workspace = workspaceOf(deps.dataDir, input.runId, input.jobId);
  const mirror = await ensureMirror(deps.dataDir, trigger.repo, trigger.sha);
  const { reused } = await checkoutWorkspace(mirror, trigger.sha, workspace);
  const note = (text: string) => deps.logs.append(input.runId, input.jobId, 'arxflow', `[arxflow] ${text}\n`);
  await note(
    reused
      ? `workspace already at ${trigger.sha.slice(0, 12)}: kept with the earlier steps' files`
      : `checked out ${trigger.sha.slice(0, 12)} (${trigger.ref})`,
  );
  if (!input.cache) return { workspace };

  const github = githubContextOf(trigger, { runId: input.runId });
  const key = renderCacheKey(input.cache.key, (patterns) => hashWorkspaceFiles(workspace, patterns), github);
  let hit = await deps.cacheStore.get(key);
  let restored: 'exact' | 'prefix' | null = hit ? 'exact' : null;
  for (const template of hit ? [] : input.cache.restoreKeys) {
    hit = await deps.cacheStore.get(expandExpressions(template, { github }), { prefix: true });
    if (hit) {
      restored = 'prefix';
      break;
    }
  }
  if (!hit) {
    await note(`cache miss for ${key}`);
    return { workspace, cache: { key, restored: null } };
  }
  await extractArchive(hit.archive, workspace);
  await deps.cacheStore.touch(hit.key);
  await note(`cache restored from ${hit.key}${restored === 'exact' ? '' : ` (prefix match for ${key})`}`);
  return { workspace, cache: { key, restored, restoredKey: hit.key } };
}

/**
 * After the job's steps: reports and artifacts copied out of the workspace (by reference from here
 * on), and the cache saved when the job succeeded and its key was not restored exactly. A report the
 * job declared but did not write fails a successful job (non-retryable `MissingReport`): a gate must
 * never pass for want of the file that would have failed it.
 */
export async function finishJob(deps: JobWorkspaceDeps, input: FinishJobInput): Promise<FinishedJob> {
  const { workspace } = input;
  const note = (text: string) => deps.logs.append(input.runId, input.jobId, 'arxflow', `[arxflow] ${text}\n`);
  const filesDir = path.join(deps.dataDir, 'pipelines', 'files', runDirName(input.runId), safeName(input.jobId));
  const present = existsSync(workspace);
  const keep = (kind: string, patterns: string[]): { stored: StoredFile[]; missing: string[] } => {
    const stored: StoredFile[] = [];
    const missing: string[] = [];
    for (const pattern of patterns) {
      const matched = present ? matchWorkspace(workspace, [pattern]) : [];
      if (matched.length === 0) missing.push(pattern);
      for (const file of matched) {
        const ref = path.join(filesDir, kind, file);
        mkdirSync(path.dirname(ref), { recursive: true });
        copyFileSync(path.join(workspace, file), ref);
        stored.push({ path: file, ref, bytes: statSync(ref).size });
      }
    }
    return { stored, missing };
  };
  const coverage = keep('coverage', input.reports.coverage);
  const junit = keep('junit', input.reports.junit);
  const bench = keep('bench', input.reports.bench);
  const artifacts = keep('artifacts', input.artifacts);
  if (artifacts.missing.length) await note(`no files matched artifact paths: ${artifacts.missing.join(', ')}`);

  const missingReports = [...coverage.missing, ...junit.missing, ...bench.missing];
  if (input.succeeded && missingReports.length) {
    const message = `declared report files missing after the job: ${missingReports.join(', ')}`;
    await note(message);
    throw ApplicationFailure.nonRetryable(`job ${input.jobId}: ${message}`, 'MissingReport');
  }

  let cacheSaved = false;
  if (input.succeeded && input.cache && input.cache.restored !== 'exact' && present) {
    const paths = topmost(matchWorkspace(workspace, input.cache.paths, { dirs: true }));
    if (paths.length === 0) await note(`cache not saved: nothing at ${input.cache.paths.join(', ')}`);
    else {
      cacheSaved = await deps.cacheStore.put(input.cache.key, workspace, paths);
      const evicted = await deps.cacheStore.evict(deps.cacheMaxBytes);
      if (evicted.includes(input.cache.key)) cacheSaved = false;
      await note(
        cacheSaved
          ? `cache saved as ${input.cache.key}`
          : `cache ${input.cache.key} not saved (${evicted.includes(input.cache.key) ? 'larger than the cache limit' : 'already saved by another job'})`,
      );
      if (evicted.length) await note(`cache evicted (least recently used): ${evicted.join(', ')}`);
    }
  }
  return {
    reports: { coverage: coverage.stored, junit: junit.stored, bench: bench.stored },
    artifacts: artifacts.stored,
    cacheSaved,
  };
}

/** Keeps `node_modules` but not also every `node_modules/...` below it, so tar gets each tree once. */
function topmost(paths: string[]): string[] {
  const kept: string[] = [];
  for (const candidate of [...paths].sort()) {
    if (!kept.some((parent) => candidate.startsWith(`${parent}/`))) kept.push(candidate);
  }
  return kept;
}

export function removeWorkspace(dataDir: string, runId: string, jobId: string): void {
  const workspace = workspaceOf(dataDir, runId, jobId);
  rmSync(workspace, { recursive: true, force: true });
  try {
    rmdirSync(path.dirname(workspace)); // the run's directory goes with its last job
  } catch {
    // other jobs' workspaces are still there, or it is gone already
  }
}
