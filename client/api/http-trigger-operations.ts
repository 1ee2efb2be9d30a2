import type { TaskTrigger } from '../../domain/task-triggers';
import { queryOf, type GatewayClient } from './gateway-client';
import type { DeadLetterView, ReplayStarted, TriggerFilter, TriggerOperations } from './trigger-operations';

/** TriggerOperations through the gateway's /v1/task-triggers routes (admin or operator token). */
export class HttpTriggerOperations implements TriggerOperations {
  constructor(private readonly gateway: GatewayClient) {}

  put(id: string, body: unknown) {
    return this.gateway.request<TaskTrigger>('PUT', triggerPath(id), body);
  }

  async list(filter: TriggerFilter) {
    return (await this.gateway.request<{ triggers: TaskTrigger[] }>('GET', `/v1/task-triggers${queryOf(filter)}`))
      .triggers;
  }

  get(id: string) {
    return this.gateway.request<TaskTrigger>('GET', triggerPath(id));
  }

  async remove(id: string) {
    await this.gateway.request('DELETE', triggerPath(id));
  }

  async deadLetters(filter: { triggerId?: string }) {
    return (
      await this.gateway.request<{ deadLetters: DeadLetterView[] }>(
        'GET',
        `/v1/task-triggers/dead-letters${queryOf(filter)}`,
      )
    ).deadLetters;
  }

  replay(key: string) {
    return this.gateway.request<ReplayStarted>(
      'POST',
      `/v1/task-triggers/dead-letters/${encodeURIComponent(key)}/replay`,
      {},
    );
  }
}

const triggerPath = (id: string) => `/v1/task-triggers/${encodeURIComponent(id)}`;
