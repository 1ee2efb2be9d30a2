import { ApplicationFailure } from '@temporalio/common';
import { InputError } from '../../domain/validation';
import type { TargetRequest } from './deploy-activity-types';
import { createLocalTarget } from './local/local-target';
import type { DeployTarget, TargetCommandLog } from './targets/deploy-target';
import { KubectlTarget } from './targets/kubectl-target';

export interface TargetDeps {
  /** The worker's data dir: local targets keep releases under `<dataDir>/deploy/<service>/<environment>` by default. */
  dataDir: string;
}

/**
 * The target of a request's environment (`target.type`), built per call: both keep their
 * state outside the process (the local target's folder, the cluster), so a target object
 * built after a worker crash picks up where the last one stopped.
 */
export function targetFor(deps: TargetDeps, request: TargetRequest, log?: TargetCommandLog[]): DeployTarget {
  const target = request.target;
  switch (target.type) {
    case 'kubectl':
      return new KubectlTarget(target, { service: request.service, environment: request.environment }, log);
    case 'local':
      return createLocalTarget({
        service: request.service,
        environment: request.environment,
        config: target,
        configDir: request.configDir,
        dataDir: deps.dataDir,
        ...(log ? { onCommand: (entry) => log.push(entry) } : {}),
      });
  }
}

/** A refused input (a malformed version, an artifact outside its folder) fails for good: a retry is refused the same way. */
export async function refusalsFinal<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof InputError) throw ApplicationFailure.nonRetryable(err.message, 'InvalidInput', err.issues);
    throw err;
  }
}
