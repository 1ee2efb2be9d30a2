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
import type { PipelineDefinition, PipelineRunView } from '../../domain/pipelines/pipeline-types';

export type * from './pipeline-activity-types';

/**
 * The pipeline run's side effects: git, workspaces, child processes, logs, caches and stored files.
 * (Signatures first; bodies land in the next commits.)
 */
export function createPipelineActivities(deps: PipelineActivityDeps) {
  void deps;
  const notYet = (): never => {
    throw new Error('not implemented yet');
  };
  return {
    async loadPipelineDefinition(input: LoadDefinitionInput): Promise<PipelineDefinition> {
      return notYet.call(input);
    },
    async enterConcurrencyGroup(input: EnterConcurrencyGroupInput): Promise<{ supersede: string[] }> {
      return notYet.call(input);
    },
    async recordPipelineRun(view: PipelineRunView): Promise<void> {
      return notYet.call(view);
    },
    async preparePipelineJob(input: PrepareJobInput): Promise<PreparedJob> {
      return notYet.call(input);
    },
    async runPipelineStep(input: RunStepInput): Promise<StepOutcome> {
      return notYet.call(input);
    },
    async finishPipelineJob(input: FinishJobInput): Promise<FinishedJob> {
      return notYet.call(input);
    },
    async notePipelineLog(input: NoteLogInput): Promise<void> {
      return notYet.call(input);
    },
    async removePipelineWorkspace(input: { runId: string; jobId: string }): Promise<void> {
      return notYet.call(input);
    },
  };
}

export type PipelineActivities = ReturnType<typeof createPipelineActivities>;
