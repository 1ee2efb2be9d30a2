import type { DeploymentView } from '../../domain/deploy/deploy-types';
import type {
  DeployAction,
  DeployListFilter,
  DeploymentRef,
  DeploymentStarted,
  DeploymentSummary,
  DeployOperations,
  DeployStartRequest,
} from './deploy-operations';
import { GatewayOperations, queryOf } from './gateway-client';
import type { Caller } from './operations';

/** DeployOperations through the gateway (/v1/deployments); who the caller is: GatewayOperations. */
export class HttpDeployOperations extends GatewayOperations implements DeployOperations {
  start(request: DeployStartRequest, caller: Caller) {
    return this.as(caller).request<DeploymentStarted>('POST', '/v1/deployments', request);
  }

  status(ref: DeploymentRef) {
    const query = queryOf({ version: ref.version || undefined });
    return this.gateway.request<DeploymentView>('GET', `${deploymentPath(ref.service, ref.environment)}${query}`);
  }

  async list(filter: DeployListFilter) {
    return (
      await this.gateway.request<{ deployments: DeploymentSummary[] }>('GET', `/v1/deployments${queryOf(filter)}`)
    ).deployments;
  }

  /** Without an environment: the one of the version's newest deployment (GET first), as on Temporal directly. */
  async act(ref: DeploymentRef & { version: string }, action: DeployAction, body: unknown, caller: Caller) {
    const environment = ref.environment ?? (await this.status(ref)).environment;
    const target = `${deploymentPath(ref.service, environment)}/${encodeURIComponent(ref.version)}`;
    return this.as(caller).request<DeploymentView>('POST', `${target}/${action}`, body ?? {});
  }
}

/** `/v1/deployments/<service>[/<environment>]`, each segment URL-encoded. */
export const deploymentPath = (service: string, environment?: string) =>
  `/v1/deployments/${encodeURIComponent(service)}${environment ? `/${encodeURIComponent(environment)}` : ''}`;
