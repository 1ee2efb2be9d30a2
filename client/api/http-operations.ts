import { GatewayOperations, queryOf } from './gateway-client';
import type { Caller, WorkflowOperations, WorkflowOutcome, WorkflowSummary } from './operations';
import type { ListFilter } from './visibility-query';

/** WorkflowOperations through the gateway (/v1/workflows); who the caller is: GatewayOperations. */
export class HttpOperations extends GatewayOperations implements WorkflowOperations {
  start(type: string, input: unknown, caller?: Caller) {
    return this.as(caller).request<{ workflowId: string; runId: string }>(
      'POST',
      `/v1/workflows/${encodeURIComponent(type)}`,
      input,
    );
  }

  describe(workflowId: string) {
    return this.gateway.request<WorkflowSummary>('GET', path(workflowId));
  }

  async list(filter: ListFilter) {
    return (await this.gateway.request<{ workflows: WorkflowSummary[] }>('GET', `/v1/workflows${queryOf(filter)}`))
      .workflows;
  }

  async signal(workflowId: string, name: string, body: unknown, caller?: Caller) {
    await this.as(caller).request('POST', `${path(workflowId)}/signals/${encodeURIComponent(name)}`, body);
  }

  async update(workflowId: string, name: string, body: unknown, caller?: Caller) {
    return (
      await this.as(caller).request<{ result: unknown }>(
        'POST',
        `${path(workflowId)}/updates/${encodeURIComponent(name)}`,
        body,
      )
    ).result;
  }

  async query(workflowId: string, name: string, caller?: Caller) {
    return (
      await this.as(caller).request<{ result: unknown }>(
        'GET',
        `${path(workflowId)}/queries/${encodeURIComponent(name)}`,
      )
    ).result;
  }

  outcome(workflowId: string) {
    return this.gateway.request<WorkflowOutcome>('GET', `${path(workflowId)}/result`);
  }
}

const path = (workflowId: string) => `/v1/workflows/${encodeURIComponent(workflowId)}`;
