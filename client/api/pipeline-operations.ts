import { z } from 'zod';
import type { PipelineRunView, RunStatus } from '../../domain/pipelines/pipeline-types';
import type { Role } from '../../domain/roles';
import type { Caller } from './operations';

/**
 * Starting, cancelling and rerunning a pipeline run is operational work: `operator` (and
 * `admin`, who may do everything). Reading runs, logs and quality history: any role.
 */
export const PIPELINE_WRITE_ROLES: readonly Role[] = ['operator'];

/** PostgreSQL text cannot hold U+0000: refused here as bad input rather than failing in the store or git. */
const text = (max: number) =>
  z
    .string()
    .min(1, 'must not be empty')
    .max(max)
    .refine((value) => !value.includes('\0'), 'must not contain NUL characters');

/**
 * `repo`: an absolute local path, a file:// URL or an https URL (the CLI makes a relative
 * path absolute before sending it: the service's working directory is not the caller's).
 */
export const repoSchema = text(2000).refine(
  (repo) => repo.startsWith('/') || /^file:\/\/\//.test(repo) || /^https:\/\/[^/\s]+\/\S+$/.test(repo),
  'must be an absolute local path, a file:///... URL or an https:// URL of a git repository',
);

/** A path inside the repository: relative, no `..`. */
export const definitionPathSchema = text(500).refine(
  (file) => !file.startsWith('/') && !file.split('/').includes('..'),
  'must be a path inside the repository (relative, without "..")',
);

/** POST /v1/pipelines and `arxflow pipeline run`. */
export const pipelineStartSchema = z
  .object({
    repo: repoSchema,
    ref: text(500)
      .refine((ref) => !ref.startsWith('-'), 'must be a branch, tag, full ref or commit sha')
      .describe('a branch, tag, full ref (refs/heads/main) or commit sha'),
    definitionPath: definitionPathSchema.optional().describe('default .arxflow/pipeline.yml'),
  })
  .strict();
export type PipelineStartRequest = z.infer<typeof pipelineStartSchema>;

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;

/** GET /v1/pipelines and `arxflow pipeline list`. `repo`: as given to run (path or URL), or its repo key (repoKeyOf makes them one). */
export const pipelineListSchema = z
  .object({
    repo: text(2000).optional(),
    status: z.enum(RUN_STATUSES).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .strict();
export type PipelineListFilter = z.infer<typeof pipelineListSchema>;

/** POST /v1/pipelines/:run/rerun and `arxflow pipeline rerun`. */
export const pipelineRerunSchema = z
  .object({ failed: z.boolean().default(false).describe('only the jobs that did not succeed; the others are reused') })
  .strict();
export type PipelineRerunRequest = z.input<typeof pipelineRerunSchema>;

/** `pipeline/<repoKey>/<sha>/<attempt>` (domain/pipelines/pipeline-types.ts pipelineRunId). */
export const runIdSchema = text(1000).refine(
  (runId) => /^pipeline\/.+\/[0-9a-f]{40,64}\/[1-9][0-9]*$/.test(runId),
  'must be a pipeline run id: pipeline/<repo>/<sha>/<attempt>',
);

/** GET /v1/pipelines/:run/logs and `arxflow pipeline logs`. */
export const pipelineLogsSchema = z
  .object({
    job: text(200).optional().describe('only this job'),
    afterSeq: z.coerce.number().int().min(0).optional().describe('only chunks after this sequence number'),
  })
  .strict();
export type PipelineLogsFilter = z.infer<typeof pipelineLogsSchema>;

/** One stored piece of a job's log (db/pipeline-logs.ts), in order of `seq` within the run. */
export interface PipelineLogChunk {
  seq: number;
  jobId: string;
  stepIndex: number | null;
  /** stdout, stderr, or arxflow's own lines (resumed, cancelled, reused). */
  stream: string;
  text: string;
  at: string;
}

export interface PipelineStarted {
  runId: string;
  status: RunStatus;
  /** The run of this sha and attempt existed already: nothing new was started. */
  existing: boolean;
}

/**
 * What the gateway's /v1/pipelines routes and the CLI's `pipeline` commands do. One
 * implementation talks to Temporal and the store (TemporalPipelineOperations), one to the
 * gateway (HttpPipelineOperations), so both paths behave the same and fail with the same ApiErrors.
 */
export interface PipelineOperations {
  /** Resolves the ref, checks the pipeline file at that sha (400 naming file and line), starts attempt 1 (idempotent). */
  start(request: PipelineStartRequest, caller: Caller): Promise<PipelineStarted>;
  /** The run's view: live from the workflow while it runs, the stored record once it has ended. 404 when unknown. */
  status(runId: string): Promise<PipelineRunView>;
  list(filter: PipelineListFilter): Promise<PipelineRunView[]>;
  /** Asks the run to stop (Temporal cancellation): 409 when it has ended. */
  cancel(runId: string, caller: Caller): Promise<{ runId: string; status: RunStatus }>;
  /** The next attempt at the same sha; `failed`: the succeeded jobs of this run are reused. 409 while it runs. */
  rerun(runId: string, request: PipelineRerunRequest, caller: Caller): Promise<PipelineStarted>;
  logs(runId: string, filter: PipelineLogsFilter): Promise<PipelineLogChunk[]>;
}

export const FINAL_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled'];
export const isFinal = (status: RunStatus) => FINAL_STATUSES.includes(status);
