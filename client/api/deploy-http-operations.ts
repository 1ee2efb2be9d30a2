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
import type { GatewayClient } from './gateway-client';
import type { Caller } from './operations';

/**
 * DeployOperations through the gateway (/v1/deployments): the token decides who the caller is.
 * Given `tokenFor` (a CLI holding the gateway's signing secret), writes go with a token minted
 * for their `caller`, so `--as` acts as it does on Temporal directly.
 */
export class HttpDeployOperations implements DeployOperations {
  constructor(
    private readonly gateway: GatewayClient,
    private readonly tokenFor?: (caller: Caller) => Promise<string>,
  ) {}

  private as(caller: Caller): GatewayClient {
    const { tokenFor } = this;
    return tokenFor ? this.gateway.withToken(() => tokenFor(caller)) : this.gateway;
  }

  start(request: DeployStartRequest, caller: Caller) {
    return this.as(caller).request<DeploymentStarted>('POST', '/v1/deployments', request);
  }

  status(ref: DeploymentRef) {
    const query = ref.version ? `?${new URLSearchParams({ version: ref.version })}` : '';
    return this.gateway.request<DeploymentView>('GET', `${deploymentPath(ref.service, ref.environment)}${query}`);
  }

  async list(filter: DeployListFilter) {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(filter)) if (value !== undefined) query.set(key, String(value));
    return (await this.gateway.request<{ deployments: DeploymentSummary[] }>('GET', `/v1/deployments?${query}`))
      .deployments;
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
