import { InputError } from '../validation';
import type { DeploymentsConfig, EnvironmentConfig, ServiceConfig } from './deploy-types';

/**
 * Which service and environment a deployment start names, and the environments the version
 * passes through on the way (`after` chain): `production` after `staging` gives
 * [staging, production]. Refusals are InputErrors naming the field and the known names, so
 * the API answers 400 and the CLI exits 2 before anything starts.
 */
export interface DeploymentTarget {
  service: ServiceConfig;
  environment: EnvironmentConfig;
  /** The `after` chain, first environment first, ending with `environment`. */
  chain: EnvironmentConfig[];
}

function refused(field: 'service' | 'environment', message: string): InputError {
  return new InputError(`${field}: ${message}`, [{ path: field, message }]);
}

const known = (names: string[]) => (names.length ? `known: ${names.join(', ')}` : 'none configured');

/** The service's environment (default its first), with its `after` chain. */
export function resolveDeploymentTarget(
  config: DeploymentsConfig,
  service: string,
  environment?: string,
): DeploymentTarget {
  const serviceConfig = config.services.find((candidate) => candidate.name === service);
  if (!serviceConfig)
    throw refused('service', `unknown service "${service}" (${known(config.services.map((s) => s.name))})`);
  const names = serviceConfig.environments.map((env) => env.name);
  const target =
    environment === undefined
      ? serviceConfig.environments[0]
      : serviceConfig.environments.find((candidate) => candidate.name === environment);
  if (!target)
    throw refused(
      'environment',
      environment === undefined
        ? `service "${service}" has no environments`
        : `unknown environment "${environment}" of ${service} (${known(names)})`,
    );
  return { service: serviceConfig, environment: target, chain: afterChain(serviceConfig, target) };
}

/** `environment` and the environments it comes after, first first. The config check refused cycles; the guard keeps a hand-made config from looping. */
export function afterChain(service: ServiceConfig, environment: EnvironmentConfig): EnvironmentConfig[] {
  const chain = [environment];
  for (let before = environment.after; before !== undefined;) {
    const next = service.environments.find((candidate) => candidate.name === before);
    if (!next || chain.includes(next)) break;
    chain.unshift(next);
    before = next.after;
  }
  return chain;
}
