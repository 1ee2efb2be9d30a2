import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { FundingPrograms, type Payee } from '../../db/funding-programs';
import type { Store } from '../../db/store';
import { fundingProgramDefinitionSchema, type FundingProgram } from '../../domain/funding/program';
import type { SetupChange } from '../../domain/funding/gate';
import { parseInput } from '../../domain/validation';
import { z } from 'zod';
import { setupChangedSignal } from '../../workflows';
import { notFound } from './errors';
import type { GatewayClient } from './gateway-client';

export const payeeBodySchema = z.strictObject({ name: z.string().trim().min(1).max(200) });

/**
 * A project's funding setup (programs and payees) for the gateway's /v1/funding routes and
 * the CLI's `funding program|payee` commands: one implementation on the store, one through
 * the gateway. Who may call is decided before (admin token; on the store, whoever can reach
 * the database). Every change is audited and told to the project's open draws, whose gates
 * then bar its author from deciding them (maker-checker).
 */
export interface FundingSetupOperations {
  publishProgram(
    projectId: string,
    programId: string,
    definition: unknown,
    actor: string,
    makeCurrent: boolean,
  ): Promise<FundingProgram>;
  programs(projectId: string): Promise<{ current?: string; programs: FundingProgram[] }>;
  program(projectId: string, programId: string, version?: number): Promise<FundingProgram>;
  registerPayee(projectId: string, payeeId: string, body: unknown, actor: string): Promise<Payee>;
  removePayee(projectId: string, payeeId: string, actor: string): Promise<void>;
  payees(projectId: string): Promise<Payee[]>;
}

export class StoreFundingSetupOperations implements FundingSetupOperations {
  private readonly programsRepo: FundingPrograms;

  /**
   * `temporal`: the client that tells open draws of a change (unset: nothing is told; tests of
   * the store only). `onTellFailed`: where a draw that could not be told is reported (the
   * draws prepared later read the change from the audit trail anyway).
   */
  constructor(
    store: Store,
    private readonly temporal?: Client,
    private readonly onTellFailed: (what: string, err: unknown) => void = (what, err) =>
      console.warn(`arxflow: could not tell ${what} of a funding setup change: ${(err as Error).message}`),
  ) {
    this.programsRepo = new FundingPrograms(store.db, store.audit);
  }

  async publishProgram(projectId: string, programId: string, definition: unknown, actor: string, makeCurrent: boolean) {
    const parsed = parseInput(fundingProgramDefinitionSchema, definition, 'funding program');
    const program = await this.programsRepo.publish(projectId, programId, parsed, actor, { makeCurrent });
    await this.tellOpenDraws(projectId, { what: 'funding program', actor });
    return program;
  }

  programs(projectId: string) {
    return this.programsRepo.list(projectId);
  }

  async program(projectId: string, programId: string, version?: number) {
    const found = await this.programsRepo.get(projectId, programId, version);
    if (!found)
      throw notFound(`project ${projectId} has no funding program ${programId}${version ? ` version ${version}` : ''}`);
    return found;
  }

  async registerPayee(projectId: string, payeeId: string, body: unknown, actor: string) {
    const { name } = parseInput(payeeBodySchema, body, 'payee');
    const payee = await this.programsRepo.registerPayee(projectId, payeeId, name, actor);
    await this.tellOpenDraws(projectId, { what: 'payees', actor });
    return payee;
  }

  async removePayee(projectId: string, payeeId: string, actor: string) {
    if (!(await this.programsRepo.removePayee(projectId, payeeId, actor)))
      throw notFound(`${payeeId} is not a registered payee of project ${projectId}`);
    await this.tellOpenDraws(projectId, { what: 'payees', actor });
  }

  payees(projectId: string) {
    return this.programsRepo.payees(projectId);
  }

  /**
   * Signals every running draw of the project. A draw that starts meanwhile reads the same
   * change from the audit trail when it is prepared, so neither path alone must be perfect.
   */
  private async tellOpenDraws(projectId: string, change: SetupChange): Promise<void> {
    if (!this.temporal) return;
    const query = `WorkflowType = 'fundingGate' AND ExecutionStatus = 'Running' AND ProjectId = '${projectId.replaceAll("'", '')}'`;
    // The change is stored already: a draw that closed meanwhile, or Temporal being away,
    // must not turn it into an error that invites a second publish. Each draw is told on its own.
    try {
      for await (const execution of this.temporal.workflow.list({ query })) {
        await this.temporal.workflow
          .getHandle(execution.workflowId)
          .signal(setupChangedSignal, change)
          .catch((err: unknown) => {
            if (!(err instanceof WorkflowNotFoundError)) this.onTellFailed(execution.workflowId, err);
          });
      }
    } catch (err) {
      this.onTellFailed(`open draws of ${projectId}`, err);
    }
  }
}

export class HttpFundingSetupOperations implements FundingSetupOperations {
  constructor(private readonly gateway: GatewayClient) {}

  publishProgram(projectId: string, programId: string, definition: unknown, _actor: string, makeCurrent: boolean) {
    return this.gateway.request<FundingProgram>(
      'PUT',
      `${projectPath(projectId)}/programs/${encodeURIComponent(programId)}?makeCurrent=${makeCurrent}`,
      definition,
    );
  }

  programs(projectId: string) {
    return this.gateway.request<{ current?: string; programs: FundingProgram[] }>(
      'GET',
      `${projectPath(projectId)}/programs`,
    );
  }

  program(projectId: string, programId: string, version?: number) {
    const query = version === undefined ? '' : `?version=${version}`;
    return this.gateway.request<FundingProgram>(
      'GET',
      `${projectPath(projectId)}/programs/${encodeURIComponent(programId)}${query}`,
    );
  }

  registerPayee(projectId: string, payeeId: string, body: unknown) {
    return this.gateway.request<Payee>('PUT', `${projectPath(projectId)}/payees/${encodeURIComponent(payeeId)}`, body);
  }

  async removePayee(projectId: string, payeeId: string) {
    await this.gateway.request('DELETE', `${projectPath(projectId)}/payees/${encodeURIComponent(payeeId)}`);
  }

  async payees(projectId: string) {
    return (await this.gateway.request<{ payees: Payee[] }>('GET', `${projectPath(projectId)}/payees`)).payees;
  }
}

const projectPath = (projectId: string) => `/v1/funding/projects/${encodeURIComponent(projectId)}`;
