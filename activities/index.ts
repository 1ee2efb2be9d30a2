import { createHealthActivities, type HealthDeps } from './health';

export type ActivityDeps = HealthDeps;

/** All activities of the arxflow task queue, bound to their dependencies (real ones in tests too). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createHealthActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
