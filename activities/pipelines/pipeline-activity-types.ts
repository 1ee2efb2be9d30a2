// The pipeline activities' inputs and outputs: what pipelineRun (workflows/pipelines) sends and gets back.
// Plain data only: they enter workflow histories. Large payloads (reports, artifacts) go by reference.
import type { Store } from '../../db/store';
import type {
  CacheDefinition,
  PipelineRunView,
  PipelineTrigger,
  ReportPaths,
  StepDefinition,
} from '../../domain/pipelines/pipeline-types';

export interface PipelineActivityDeps {
  store: Store;
  /** Workspaces, mirrors, caches and stored files live under `<dataDir>/pipelines/`. */
  dataDir: string;
  /** Where `${{ secrets.X }}` come from (the worker's environment); default process.env. Never in histories. */
  secrets?: NodeJS.ProcessEnv;
  /** The cache store's size limit; least recently used entries are evicted past it (default 2 GiB). */
  cacheMaxBytes?: number;
  /** SIGTERM -> SIGKILL grace when a step times out or is cancelled (default 5 s). */
  killGraceMs?: number;
}

/** A file kept from a job: its path in the repository and the absolute file under `<dataDir>/pipelines/files`. */
export interface StoredFile {
  path: string;
  ref: string;
  bytes: number;
}

export interface LoadDefinitionInput {
  repo: string;
  sha: string;
  /** Default `.arxflow/pipeline.yml`. */
  path?: string;
}

export interface EnterConcurrencyGroupInput {
  group: string;
  runId: string;
  cancelInProgress: boolean;
}

export interface PrepareJobInput {
  runId: string;
  jobId: string;
  trigger: PipelineTrigger;
  /** The job's `cache` as defined (key template, restore-key prefixes, paths). */
  cache?: CacheDefinition;
}

export interface PreparedJob {
  workspace: string;
  /** The rendered key (hashFiles computed in the workspace) and what was restored. */
  cache?: { key: string; restored: 'exact' | 'prefix' | null; restoredKey?: string };
}

export interface RunStepInput {
  runId: string;
  jobId: string;
  stepIndex: number;
  step: StepDefinition;
  jobEnv: Record<string, string>;
  trigger: PipelineTrigger;
  workspace: string;
  timeoutMs: number;
}

export interface StepOutcome {
  status: 'succeeded' | 'failed' | 'timed-out';
  exitCode: number | null;
  durationMs: number;
  /** The activity attempt that ran the step to its end (2+ after a worker was lost during it). */
  attempt: number;
}

export interface FinishJobInput {
  runId: string;
  jobId: string;
  workspace: string;
  succeeded: boolean;
  /** The key preparePipelineJob rendered (saved only on a miss) and the paths to save. */
  cache?: { key: string; paths: string[]; restored?: 'exact' | 'prefix' | null };
  artifacts: string[];
  reports: ReportPaths;
}

export interface FinishedJob {
  reports: { coverage: StoredFile[]; junit: StoredFile[]; bench: StoredFile[] };
  artifacts: StoredFile[];
  cacheSaved: boolean;
}

export interface NoteLogInput {
  runId: string;
  jobId: string;
  text: string;
}

export type { PipelineRunView };
