import type { PipelineRunView, RunStatus } from '../../domain/pipelines/pipeline-types';
import type { GatewayClient } from './gateway-client';
import type { Caller } from './operations';
import type {
  PipelineListFilter,
  PipelineLogChunk,
  PipelineLogsFilter,
  PipelineOperations,
  PipelineRerunRequest,
  PipelineStartRequest,
  PipelineStarted,
} from './pipeline-operations';

/**
 * PipelineOperations through the gateway (/v1/pipelines): the token decides who the caller is.
 * Given `tokenFor` (a CLI holding the gateway's signing secret), writes go with a token minted
 * for their `caller`, as HttpOperations does.
 */
export class HttpPipelineOperations implements PipelineOperations {
  constructor(
    private readonly gateway: GatewayClient,
    private readonly tokenFor?: (caller: Caller) => Promise<string>,
  ) {}

  private as(caller: Caller): GatewayClient {
    const { tokenFor } = this;
    return tokenFor ? this.gateway.withToken(() => tokenFor(caller)) : this.gateway;
  }

  start(request: PipelineStartRequest, caller: Caller) {
    return this.as(caller).request<PipelineStarted>('POST', '/v1/pipelines', request);
  }

  status(runId: string) {
    return this.gateway.request<PipelineRunView>('GET', runPath(runId));
  }

  async list(filter: PipelineListFilter) {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(filter)) if (value !== undefined) query.set(key, String(value));
    return (await this.gateway.request<{ runs: PipelineRunView[] }>('GET', `/v1/pipelines?${query}`)).runs;
  }

  cancel(runId: string, caller: Caller) {
    return this.as(caller).request<{ runId: string; status: RunStatus }>('POST', `${runPath(runId)}/cancel`, {});
  }

  rerun(runId: string, request: PipelineRerunRequest, caller: Caller) {
    return this.as(caller).request<PipelineStarted>('POST', `${runPath(runId)}/rerun`, request);
  }

  /** The logs route answers JSON lines (one chunk a line). */
  async logs(runId: string, filter: PipelineLogsFilter): Promise<PipelineLogChunk[]> {
    const query = new URLSearchParams();
    if (filter.job) query.set('job', filter.job);
    if (filter.afterSeq !== undefined) query.set('afterSeq', String(filter.afterSeq));
    const { body } = await this.gateway.download(`${runPath(runId)}/logs?${query}`);
    return body
      .toString('utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as PipelineLogChunk);
  }
}

/** Run ids hold slashes (pipeline/<repo>/<sha>/<attempt>): one URL-encoded path segment, as alert keys are. */
export const runPath = (runId: string) => `/v1/pipelines/${encodeURIComponent(runId)}`;
