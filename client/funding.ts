import {
  WorkflowIdConflictPolicy,
  type Client,
  type WorkflowHandle,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import type { DepositInput } from '../domain/funding/deposit';
import { depositWorkflowId } from '../domain/funding/deposit';
import type { EvidenceRequest, GateStatusView, HoldRequest, ReverseRequest, VoteRequest } from '../domain/funding/gate';
import { fundingGateId, type FundingGateInput } from '../domain/funding/gate-input';
import {
  decideUpdate,
  evidenceUpdate,
  fundingDeposit,
  fundingGate,
  holdUpdate,
  resumeUpdate,
  reverseUpdate,
  statusQuery,
} from '../workflows';

type Draw = { projectId: string; milestoneId: string };

/**
 * Typed helpers for services that run draws with the Temporal client directly. Starts
 * are idempotent by business key: starting a running draw again returns its handle.
 * Identities (`actor`, `roles`) are the caller's to vouch for here; the gateway takes
 * them from tokens instead.
 */
export class FundingGates {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  async start(input: FundingGateInput): Promise<WorkflowHandleWithFirstExecutionRunId<typeof fundingGate>> {
    return this.client.workflow.start(fundingGate, {
      taskQueue: this.taskQueue,
      workflowId: fundingGateId(input),
      args: [input],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    });
  }

  handle(draw: Draw): WorkflowHandle<typeof fundingGate> {
    return this.client.workflow.getHandle<typeof fundingGate>(fundingGateId(draw));
  }

  status(draw: Draw): Promise<GateStatusView> {
    return this.handle(draw).query(statusQuery);
  }

  /** Throws WorkflowUpdateFailedError with the gate's reason when refused (four eyes, duplicate vote...). */
  decide(draw: Draw, vote: VoteRequest): Promise<GateStatusView> {
    return this.handle(draw).executeUpdate(decideUpdate, { args: [vote] });
  }

  submitEvidence(draw: Draw, evidence: EvidenceRequest): Promise<GateStatusView> {
    return this.handle(draw).executeUpdate(evidenceUpdate, { args: [evidence] });
  }

  /** Throws WorkflowUpdateFailedError with the reason when refused (already on hold, closed, no role). */
  hold(draw: Draw, request: HoldRequest): Promise<GateStatusView> {
    return this.handle(draw).executeUpdate(holdUpdate, { args: [request] });
  }

  /** Throws WorkflowUpdateFailedError with the reason when refused (not on hold, no role). */
  resume(draw: Draw, request: HoldRequest): Promise<GateStatusView> {
    return this.handle(draw).executeUpdate(resumeUpdate, { args: [request] });
  }

  reverse(draw: Draw, request: ReverseRequest): Promise<GateStatusView> {
    return this.handle(draw).executeUpdate(reverseUpdate, { args: [request] });
  }

  /** A lender's deposit, posted once per reference; resolves with the funding balance after it. */
  async deposit(input: DepositInput) {
    return this.client.workflow.execute(fundingDeposit, {
      taskQueue: this.taskQueue,
      workflowId: depositWorkflowId(input),
      args: [input],
    });
  }
}
