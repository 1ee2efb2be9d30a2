import type { GatewayClient } from './gateway-client';
import type { Caller, WorkflowOperations, WorkflowOutcome, WorkflowSummary } from './operations';
import type { ListFilter } from './visibility-query';

/**
 * WorkflowOperations through the gateway: the token decides who the caller is, so `caller` is
 * not sent. Given `tokenFor` (a CLI holding the gateway's signing secret), each message goes
 * with a token minted for its `caller`, so `--as` acts as it does on Temporal directly.
 */
export class HttpOperations implements WorkflowOperations {
  constructor(
    private readonly gateway: GatewayClient,
    private readonly tokenFor?: (caller: Caller) => Promise<string>,
  ) {}

  private as(caller: Caller | undefined): GatewayClient {
    const { tokenFor } = this;
    return tokenFor && caller ? this.gateway.withToken(() => tokenFor(caller)) : this.gateway;
  }

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
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(filter)) if (value !== undefined) query.set(key, String(value));
    return (await this.gateway.request<{ workflows: WorkflowSummary[] }>('GET', `/v1/workflows?${query}`)).workflows;
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
