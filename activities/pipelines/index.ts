import { PipelineLogs, STEP_LOG_MAX_BYTES } from '../../db/pipeline-logs';
import { PipelineRuns } from '../../db/pipeline-runs';
import type { PipelineDefinition, PipelineRunView } from '../../domain/pipelines/pipeline-types';
import { heartbeating } from '../heartbeat';
import { LocalCacheStore, type CacheStore } from './cache-store';
import { patientDatabase, STORE_OUTAGE_PATIENCE } from '../../db/patient-database';
import { finishJob, prepareJob, removeWorkspace } from './job-workspace';
import { loadPipelineDefinition } from './load-definition';
import type {
  EnterConcurrencyGroupInput,
  FinishedJob,
  FinishJobInput,
  LoadDefinitionInput,
  NoteLogInput,
  PipelineActivityDeps,
  PreparedJob,
  PrepareJobInput,
  RunStepInput,
  StepOutcome,
} from './pipeline-activity-types';
import { runPipelineStep } from './run-step';

export type * from './pipeline-activity-types';
export type { CacheStore } from './cache-store';

const DEFAULT_CACHE_MAX_BYTES = 2 * 1024 ** 3;
const DEFAULT_KILL_GRACE_MS = 5_000;

/**
 * The pipeline run's side effects: git (mirrors and workspaces under `<dataDir>/pipelines`), step
 * processes, logs in the store, caches and the files a job keeps. The workflow (pipelineRun) decides
 * the order; every activity here is safe to retry.
 */
export function createPipelineActivities(
  deps: PipelineActivityDeps & { cacheStore?: CacheStore; stepLogMaxBytes?: number },
) {
  // Job and step activities give up after a few tries (their own failures end a job); a store
  // outage is waited out under their heartbeats instead of failing the job.
  const db = patientDatabase(deps.store.db, STORE_OUTAGE_PATIENCE);
  const runs = new PipelineRuns(db);
  const logs = new PipelineLogs(db);
  const jobDeps = {
    dataDir: deps.dataDir,
    logs,
    cacheStore: deps.cacheStore ?? new LocalCacheStore(db, deps.dataDir),
    cacheMaxBytes: deps.cacheMaxBytes ?? DEFAULT_CACHE_MAX_BYTES,
  };
  const stepDeps = {
    dataDir: deps.dataDir,
    logs,
    secrets: deps.secrets ?? process.env,
    killGraceMs: deps.killGraceMs ?? DEFAULT_KILL_GRACE_MS,
    logMaxBytes: deps.stepLogMaxBytes ?? STEP_LOG_MAX_BYTES,
  };

  return {
    // Clones, fetches, tar and file copies can take a while: they heartbeat (activities/heartbeat.ts),
    // so a workflow may give them a short heartbeat timeout and cancel them.
    loadPipelineDefinition(input: LoadDefinitionInput): Promise<PipelineDefinition> {
      return heartbeating(() => loadPipelineDefinition(deps.dataDir, input));
    },

    /** Older runs of the group still open, which the workflow cancels (none without cancel-in-progress). */
    async enterConcurrencyGroup(input: EnterConcurrencyGroupInput): Promise<{ supersede: string[] }> {
      const older = await runs.enterGroup(input.group, input.runId);
      return { supersede: input.cancelInProgress ? older : [] };
    },

    recordPipelineRun(view: PipelineRunView): Promise<void> {
      return runs.upsert(view);
    },

    preparePipelineJob(input: PrepareJobInput): Promise<PreparedJob> {
      return heartbeating(() => prepareJob(jobDeps, input));
    },

    runPipelineStep(input: RunStepInput): Promise<StepOutcome> {
      return runPipelineStep(stepDeps, input);
    },

    finishPipelineJob(input: FinishJobInput): Promise<FinishedJob> {
      return heartbeating(() => finishJob(jobDeps, input));
    },

    /** arxflow's own lines in a job's log (resumed, cancelled by a newer push, reused from run X). */
    async notePipelineLog(input: NoteLogInput): Promise<void> {
      const text = input.text.endsWith('\n') ? input.text : `${input.text}\n`;
      await logs.append(input.runId, input.jobId, 'arxflow', `[arxflow] ${text}`);
    },

    async removePipelineWorkspace(input: { runId: string; jobId: string }): Promise<void> {
      removeWorkspace(deps.dataDir, input.runId, input.jobId);
    },
  };
}

export type PipelineActivities = ReturnType<typeof createPipelineActivities>;
