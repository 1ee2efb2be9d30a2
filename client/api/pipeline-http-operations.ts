import type { PipelineRunView, RunStatus } from '../../domain/pipelines/pipeline-types';
import { GatewayOperations, queryOf } from './gateway-client';
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

/** PipelineOperations through the gateway (/v1/pipelines); who the caller is: GatewayOperations. */
export class HttpPipelineOperations extends GatewayOperations implements PipelineOperations {
  start(request: PipelineStartRequest, caller: Caller) {
    return this.as(caller).request<PipelineStarted>('POST', '/v1/pipelines', request);
  }

  status(runId: string) {
    return this.gateway.request<PipelineRunView>('GET', runPath(runId));
  }

  async list(filter: PipelineListFilter) {
    return (await this.gateway.request<{ runs: PipelineRunView[] }>('GET', `/v1/pipelines${queryOf(filter)}`)).runs;
  }

  cancel(runId: string, caller: Caller) {
    return this.as(caller).request<{ runId: string; status: RunStatus }>('POST', `${runPath(runId)}/cancel`, {});
  }

  rerun(runId: string, request: PipelineRerunRequest, caller: Caller) {
    return this.as(caller).request<PipelineStarted>('POST', `${runPath(runId)}/rerun`, request);
  }

  /** The logs route answers JSON lines (one chunk a line). */
  async logs(runId: string, filter: PipelineLogsFilter): Promise<PipelineLogChunk[]> {
    const query = queryOf({ job: filter.job || undefined, afterSeq: filter.afterSeq });
    const { body } = await this.gateway.download(`${runPath(runId)}/logs${query}`);
    return body
      .toString('utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as PipelineLogChunk);
  }
}

/** Run ids hold slashes (pipeline/<repo>/<sha>/<attempt>): one URL-encoded path segment, as alert keys are. */
export const runPath = (runId: string) => `/v1/pipelines/${encodeURIComponent(runId)}`;
