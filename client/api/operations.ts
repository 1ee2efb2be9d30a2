import type { ListFilter } from './visibility-query';

/** Who asks. From the gateway: the verified token. From the CLI on Temporal directly: the local user. */
export interface Caller {
  subject: string;
  roles: string[];
}

export interface WorkflowSummary {
  workflowId: string;
  runId: string;
  type: string;
  status: string;
  taskQueue?: string;
  startTime: string;
  closeTime: string | null;
  searchAttributes: Record<string, unknown>;
}

export type WorkflowOutcome =
  { status: 'RUNNING' } | { status: 'COMPLETED'; result: unknown } | { status: string; failure: string };

/**
 * Everything the gateway's /v1/workflows routes and the CLI's `workflows` commands do.
 * One implementation talks to Temporal (TemporalOperations), one to the gateway
 * (HttpOperations), so both paths behave the same and fail with the same ApiErrors.
 */
export interface WorkflowOperations {
  start(type: string, input: unknown, caller: Caller): Promise<{ workflowId: string; runId: string }>;
  describe(workflowId: string): Promise<WorkflowSummary>;
  list(filter: ListFilter): Promise<WorkflowSummary[]>;
  signal(workflowId: string, name: string, body: unknown, caller: Caller): Promise<void>;
  update(workflowId: string, name: string, body: unknown, caller: Caller): Promise<unknown>;
  query(workflowId: string, name: string, caller: Caller): Promise<unknown>;
  outcome(workflowId: string): Promise<WorkflowOutcome>;
}
