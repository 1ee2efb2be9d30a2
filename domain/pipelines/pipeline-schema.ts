// `.arxflow/pipeline.yml` -> PipelineDefinition, or an InputError naming `<file>:<line>:<col>`, the field
// and why, for every refusal at once (a user fixes the file in one go).
import type { z } from 'zod';
import { durationToMs } from '../durations';
import { expressionRefusal, type ExpressionPlace } from './expressions';
import { needsCycle } from './job-graph';
import {
  KNOWN_KEYS,
  pipelineFileSchema,
  REFUSED_KEY_REASONS,
  type JobFile,
  type PipelineFile,
} from './pipeline-file-schema';
import type { JobDefinition, PipelineDefinition, StepDefinition } from './pipeline-types';
import { readYamlSource, sourceError, type FieldPath, type SourceIssue } from './yaml-source';

export const DEFAULT_PIPELINE_PATH = '.arxflow/pipeline.yml';
export const DEFAULT_MAX_PARALLEL = 4;
export const DEFAULT_JOB_TIMEOUT_MS = 30 * 60_000;

/** Parses and checks a pipeline file; `fileName` is how errors name it (its path in the repository). */
export function parsePipelineYaml(text: string, fileName: string): PipelineDefinition {
  // A file far past any real pipeline (its definition travels in the workflow history) is refused
  // by readYamlSource before it is parsed, as every YAML file arxflow reads is.
  const source = readYamlSource(text, fileName);
  const parsed = pipelineFileSchema.safeParse(source.value ?? {}, { reportInput: true }); // input: "required" or "must be a text"
  // Expressions are checked on the file as written, so their refusals come with zod's.
  const expressions = [...expressionIssues(source.value), ...protoKeyIssues(source.value)];
  if (!parsed.success) throw sourceError(source, [...zodIssues(parsed.error.issues), ...expressions]);
  const file = parsed.data;
  const issues = [...graphIssues(file), ...timeoutIssues(file), ...expressions];
  if (issues.length > 0) throw sourceError(source, issues);
  return definitionOf(file);
}

function definitionOf(file: PipelineFile): PipelineDefinition {
  const jobs: Record<string, JobDefinition> = {};
  for (const [id, job] of Object.entries(file.jobs)) jobs[id] = jobOf(id, job, file.env ?? {});
  const definition: PipelineDefinition = {
    jobs,
    maxParallel: file['max-parallel'] ?? DEFAULT_MAX_PARALLEL,
    owners: file.owners ?? [],
  };
  if (file.name !== undefined) definition.name = file.name.trim();
  if (file.concurrency) {
    definition.concurrency = {
      group: file.concurrency.group,
      cancelInProgress: file.concurrency['cancel-in-progress'],
    };
  }
  const quality = file.quality;
  if (quality?.file !== undefined) definition.quality = { file: quality.file };
  else if (quality) {
    const thresholds: NonNullable<PipelineDefinition['quality']> = { thresholds: {} };
    if (quality.coverage) thresholds.thresholds.coverage = quality.coverage;
    if (quality.tests) thresholds.thresholds.tests = quality.tests;
    if (quality.benchmarks) thresholds.thresholds.benchmarks = quality.benchmarks;
    definition.quality = thresholds;
  }
  return definition;
}

function jobOf(id: string, job: JobFile, pipelineEnv: Record<string, string>): JobDefinition {
  const definition: JobDefinition = {
    id,
    name: job.name?.trim() ?? id,
    needs: [...new Set(job.needs ?? [])],
    env: { ...pipelineEnv, ...job.env },
    timeoutMs: timeoutMsOf(job) ?? DEFAULT_JOB_TIMEOUT_MS,
    steps: job.steps.map((step) => {
      const defined: StepDefinition = {
        name: step.name?.trim() ?? defaultStepName(step.run),
        run: step.run,
        env: step.env ?? {},
      };
      const timeoutMs = timeoutMsOf(step);
      if (timeoutMs !== undefined) defined.timeoutMs = timeoutMs;
      return defined;
    }),
    artifacts: job.artifacts ?? [],
    reports: {
      coverage: job.reports?.coverage ?? [],
      junit: job.reports?.junit ?? [],
      bench: job.reports?.bench ?? [],
    },
  };
  if (job.if) {
    const filter: NonNullable<JobDefinition['if']> = {};
    if (job.if.branches) filter.branches = job.if.branches;
    if (job.if['branches-ignore']) filter.branchesIgnore = job.if['branches-ignore'];
    if (job.if.events) filter.events = [...new Set(job.if.events)];
    if (job.if.paths) filter.paths = job.if.paths;
    if (job.if['paths-ignore']) filter.pathsIgnore = job.if['paths-ignore'];
    definition.if = filter;
  }
  if (job.cache) {
    definition.cache = { key: job.cache.key, restoreKeys: job.cache['restore-keys'] ?? [], paths: job.cache.paths };
  }
  return definition;
}

function timeoutMsOf(holder: { timeout?: string; 'timeout-minutes'?: number }): number | undefined {
  if (holder.timeout !== undefined) return durationToMs(holder.timeout);
  if (holder['timeout-minutes'] !== undefined) return Math.round(holder['timeout-minutes'] * 60_000);
  return undefined;
}

/** GitHub's name for an unnamed step: `Run <first line of the command>`, cut short. */
function defaultStepName(run: string): string {
  const line = run.trim().split('\n')[0] ?? '';
  return `Run ${line.length > 60 ? `${line.slice(0, 57)}...` : line}`;
}

function graphIssues(file: PipelineFile): SourceIssue[] {
  const issues: SourceIssue[] = [];
  const ids = Object.keys(file.jobs);
  for (const [id, job] of Object.entries(file.jobs)) {
    for (const [index, need] of (job.needs ?? []).entries()) {
      if (Object.hasOwn(file.jobs, need)) continue;
      issues.push({ path: ['jobs', id, 'needs', index], message: `unknown job "${need}"${didYouMean(need, ids)}` });
    }
  }
  if (issues.length > 0) return issues;
  const graph = Object.fromEntries(Object.entries(file.jobs).map(([id, job]) => [id, { needs: job.needs ?? [] }]));
  const cycle = needsCycle(graph);
  if (cycle)
    issues.push({ path: ['jobs', cycle[0] as string, 'needs'], message: `needs form a cycle: ${cycle.join(' -> ')}` });
  return issues;
}

function timeoutIssues(file: PipelineFile): SourceIssue[] {
  const both = (holder: { timeout?: string; 'timeout-minutes'?: number }): boolean =>
    holder.timeout !== undefined && holder['timeout-minutes'] !== undefined;
  const issues: SourceIssue[] = [];
  for (const [id, job] of Object.entries(file.jobs)) {
    if (both(job))
      issues.push({
        path: ['jobs', id, 'timeout-minutes'],
        message: 'give timeout or timeout-minutes, not both',
        atKey: true,
      });
    for (const [index, step] of job.steps.entries()) {
      if (both(step)) {
        issues.push({
          path: ['jobs', id, 'steps', index, 'timeout-minutes'],
          message: 'give timeout or timeout-minutes, not both',
          atKey: true,
        });
      }
    }
  }
  return issues;
}

/**
 * Where `${{ ... }}` may be written and what it may hold: secrets only in env values (they reach the
 * step as environment variables, never a command line or a history), hashFiles() only in cache.key,
 * github.* in env, run, cache keys and concurrency.group. Anywhere else it would stay literal: refused.
 */
function placeOf(path: FieldPath): ExpressionPlace | undefined {
  const at = (pattern: readonly (string | null)[]): boolean =>
    (path.length === pattern.length ||
      (path.length === pattern.length + 1 && typeof path[pattern.length] === 'number')) &&
    pattern.every((segment, index) => segment === null || segment === path[index]);
  if (at(['env', null]) || at(['jobs', null, 'env', null]) || at(['jobs', null, 'steps', null, 'env', null])) {
    return { secrets: true };
  }
  if (at(['jobs', null, 'cache', 'key'])) return { hashFiles: true };
  if (at(['jobs', null, 'steps', null, 'run']) || at(['jobs', null, 'cache', 'restore-keys'])) return {};
  if (at(['concurrency']) || at(['concurrency', 'group'])) return {};
  return undefined;
}

function expressionIssues(value: unknown, path: FieldPath = []): SourceIssue[] {
  if (typeof value === 'string') {
    if (!value.includes('${{')) return [];
    const place = placeOf(path);
    const refusal = place
      ? expressionRefusal(value, place)
      : '${{ ... }} is only expanded in env values, run, cache.key, cache.restore-keys and concurrency.group';
    return refusal === undefined ? [] : [{ path, message: refusal }];
  }
  if (Array.isArray(value)) return value.flatMap((item, index) => expressionIssues(item, [...path, index]));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => expressionIssues(item, [...path, key]));
  }
  return [];
}

/** zod passes over `__proto__` keys of records (a job or variable named so would silently vanish): refused. */
function protoKeyIssues(value: unknown, path: FieldPath = []): SourceIssue[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => protoKeyIssues(item, [...path, index]));
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, item]) =>
    key === '__proto__'
      ? [{ path: [...path, key], message: 'not accepted as a name', atKey: true }]
      : protoKeyIssues(item, [...path, key]),
  );
}

/** zod's issues as located ones: an unknown key is named itself, with why or a likely meant key. */
function zodIssues(issues: readonly z.core.$ZodIssue[]): SourceIssue[] {
  return issues.flatMap((issue): SourceIssue[] => {
    const path = issue.path.filter((segment): segment is string | number => typeof segment !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: [...path, key], message: unknownKeyMessage(path, key), atKey: true }));
    }
    if (issue.code === 'invalid_key')
      return [{ path, message: issue.issues[0]?.message ?? issue.message, atKey: true }];
    return [{ path, message: messageOf(issue) }];
  });
}

function unknownKeyMessage(path: FieldPath, key: string): string {
  if (Object.hasOwn(REFUSED_KEY_REASONS, key)) return `unknown field: ${REFUSED_KEY_REASONS[key]}`;
  return `unknown field${didYouMean(key, knownKeysAt(path))}`;
}

function knownKeysAt(path: FieldPath): readonly string[] {
  const last = path[path.length - 1];
  if (path.length === 0) return KNOWN_KEYS.pipeline;
  if (path[0] === 'jobs' && path.length === 2) return KNOWN_KEYS.job;
  if (path[0] === 'jobs' && path[2] === 'steps' && path.length === 4) return KNOWN_KEYS.step;
  if (path[0] === 'jobs' && last === 'if') return KNOWN_KEYS.filter;
  if (typeof last === 'string' && last in KNOWN_KEYS) return KNOWN_KEYS[last as keyof typeof KNOWN_KEYS];
  return [];
}

/** zod's default wording in the file's terms ("must be a text", "required"). */
function messageOf(issue: z.core.$ZodIssue): string {
  if (issue.code !== 'invalid_type' || !issue.message.startsWith('Invalid input')) return issue.message;
  if (issue.input === undefined) return 'required';
  const expected: Record<string, string> = {
    string: 'must be a text',
    number: 'must be a number',
    int: 'must be a whole number',
    boolean: 'must be true or false',
    object: 'must be a mapping',
    array: 'must be a list',
  };
  return expected[issue.expected] ?? issue.message;
}

/** ` (did you mean "needs"?)` for a word close to one of `known`, else ''. */
export function didYouMean(word: string, known: readonly string[]): string {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance <= (candidate.length <= 3 ? 1 : 2) && (!best || distance < best.distance)) {
      best = { candidate, distance };
    }
  }
  return best ? ` (did you mean "${best.candidate}"?)` : '';
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
