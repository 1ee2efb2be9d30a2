import type { TargetRequest } from './deploy-activity-types';
import type { DeployTarget, TargetCommandLog } from './targets/deploy-target';
import { KubectlTarget } from './targets/kubectl-target';

export interface TargetDeps {
  /** The worker's data dir: local targets keep releases under `<dataDir>/deploy/<service>/<environment>` by default. */
  dataDir: string;
}

/** The target of a request's environment (`target.type`), built per call: targets keep their state outside the process. */
export function targetFor(deps: TargetDeps, request: TargetRequest, log?: TargetCommandLog[]): DeployTarget {
  const target = request.target;
  switch (target.type) {
    case 'kubectl':
      return new KubectlTarget(target, { service: request.service, environment: request.environment }, log);
    case 'local':
      throw new Error('the local target is not wired yet');
  }
}
