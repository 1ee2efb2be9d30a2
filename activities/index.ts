import { createHealthActivities, type HealthDeps } from './health';
import { createAuditActivities } from './audit';

export type ActivityDeps = HealthDeps;

/** All activities of the arxflow task queue, bound to their dependencies (real ones in tests too). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createHealthActivities(deps),
    ...createAuditActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
