// The shapes every part of the pipelines area agrees on (definition, trigger, run view). Rules live
// beside them in domain/pipelines/; the zod schemas that produce these shapes in pipeline-schema.ts.
import type { QualityThresholds, QualityVerdict } from '../quality/quality-types';

/** `.arxflow/pipeline.yml` after validation: defaults filled in, durations in milliseconds. */
export interface PipelineDefinition {
  /** The file's `name:` (as GitHub shows a workflow's name), for views. */
  name?: string;
  jobs: Record<string, JobDefinition>;
  /** At most this many jobs run at once (default 4). */
  maxParallel: number;
  concurrency?: { group: string; cancelInProgress: boolean };
  /** Thresholds inline, or `file` (a thresholds YAML in the repository, read by the gate). */
  quality?: { thresholds: QualityThresholds } | { file: string };
  /** Who is told when the gate fails (remediation owners), e.g. `slack:#builds`, `email:a@b.c`. */
  owners: string[];
}

export interface JobDefinition {
  id: string;
  name: string;
  needs: string[];
  if?: JobFilter;
  /** Values may hold `${{ secrets.NAME }}` and `${{ github.<field> }}`, resolved by the step activity. */
  env: Record<string, string>;
  timeoutMs: number;
  steps: StepDefinition[];
  cache?: CacheDefinition;
  /** Paths (globs) kept after the run. */
  artifacts: string[];
  reports: ReportPaths;
}

export interface StepDefinition {
  name: string;
  run: string;
  env: Record<string, string>;
  /** A step's own timeout; the job's remaining time otherwise. */
  timeoutMs?: number;
}

/** GitHub Actions' `on` filters, per job: every given list must match (branches/events), paths any. */
export interface JobFilter {
  branches?: string[];
  branchesIgnore?: string[];
  events?: PipelineEvent[];
  paths?: string[];
  pathsIgnore?: string[];
}

export interface CacheDefinition {
  /** A key template, e.g. `deps-${{ hashFiles('package-lock.json') }}`, computed in the workspace. */
  key: string;
  /** Prefixes tried in order when the exact key is missing. */
  restoreKeys: string[];
  paths: string[];
}

export interface ReportPaths {
  coverage: string[]; // istanbul coverage-summary.json, lcov.info or Cobertura XML (told apart by content)
  junit: string[];
  bench: string[];
}

export type PipelineEvent = 'push' | 'pull_request' | 'manual';

/** What started the run: everything `if`, expressions and statuses need. */
export interface PipelineTrigger {
  /** As given: a local path, file:// or https URL. */
  repo: string;
  /** `repoKeyOf(repo)`: owner/name for GitHub URLs, the path without its leading slash otherwise. */
  repoKey: string;
  /** Full ref, e.g. refs/heads/main or refs/pull/7/head. */
  ref: string;
  /** The exact commit built (40 hex). */
  sha: string;
  branch?: string;
  event: PipelineEvent;
  /** For pull requests: base branch and sha (patch coverage and the baseline use them). */
  base?: { branch: string; sha?: string };
  pullRequest?: { number: number; url?: string };
  /** Paths changed by the push or pull request, when known (path filters; unknown: every job runs). */
  changedPaths?: string[];
  /** Who: the webhook sender, or the CLI/API caller's subject. */
  actor: string;
  /** GitHub `owner/name` commit statuses and the PR comment go to; absent for repositories not on GitHub. */
  githubRepo?: string;
}

export interface PipelineRunInput {
  trigger: PipelineTrigger;
  /** 1 for the first run of a sha; reruns count up. */
  attempt: number;
  /** Where the definition is in the repository (default `.arxflow/pipeline.yml`). */
  definitionPath?: string;
  /** The run's page (ARXFLOW_PUBLIC_URL + the run's API path): the link of commit statuses, the PR comment, remediations. */
  link?: string;
  /** A rerun: jobs that succeeded in `of` are reused (not run again) when `onlyFailed`. */
  rerun?: { of: string; onlyFailed: boolean; succeededJobs: string[] };
}

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export type JobStatus = RunStatus | 'skipped';
export type StepStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'timed-out' | 'cancelled' | 'skipped';

export interface StepView {
  name: string;
  status: StepStatus;
  exitCode?: number;
  /** Activity attempts this step took (more than 1 after a worker died during it). */
  attempts?: number;
  durationMs?: number;
}

export interface JobView {
  id: string;
  status: JobStatus;
  /** Why skipped / failed / reused, in words. */
  reason?: string;
  startedAt?: string;
  endedAt?: string;
  steps: StepView[];
}

/** What `pipeline status --json`, the API and the `pipelineStatus` query return. */
export interface PipelineRunView {
  runId: string; // the workflow id, pipeline/<repoKey>/<sha>/<attempt>
  status: RunStatus;
  repo: string;
  repoKey: string;
  ref: string;
  sha: string;
  attempt: number;
  event: PipelineEvent;
  createdAt: string;
  endedAt?: string;
  jobs: JobView[];
  quality?: QualityVerdict;
  /** Why the run failed or was cancelled, when not a job's own failure (bad definition, newer push). */
  error?: string;
  /** The trigger and definition path as started (optional, added for reruns: `pipeline rerun` starts from them). */
  trigger?: PipelineTrigger;
  definitionPath?: string;
}

/** `pipeline/<repoKey>/<sha>/<attempt>`: the workflow id, so a duplicate webhook starts nothing new. */
export function pipelineRunId(repoKey: string, sha: string, attempt: number): string {
  return `pipeline/${repoKey}/${sha}/${attempt}`;
}
