import type { Plan } from './plan-schema';
import type { Violation } from './violation';

/*
 * Where a finding is, for a corrections letter: each element of the finding named with its
 * kind and its level, as a plan reviewer would point at it on the drawings. The violation
 * itself names only element ids; the plan has the rest.
 */

export function withLocations(plan: Plan, violations: readonly Violation[]): Violation[] {
  const places = placesOf(plan);
  return violations.map((violation) => ({
    ...violation,
    location: violation.elements.map((id) => places.get(id) ?? id).join('; '),
  }));
}

function placesOf(plan: Plan): Map<string, string> {
  const levelName = new Map(plan.levels.map((level) => [level.id, `${level.name} (${level.id})`]));
  const on = (level: string) => levelName.get(level) ?? level;
  const places = new Map<string, string>();
  for (const level of plan.levels) places.set(level.id, `level ${on(level.id)}`);
  for (const space of plan.spaces)
    places.set(space.id, `space ${space.id} "${space.name}" on level ${on(space.level)}`);
  for (const door of plan.doors) places.set(door.id, `door ${door.id} on level ${on(door.level)}`);
  for (const corridor of plan.corridors)
    places.set(corridor.id, `corridor ${corridor.id} on level ${on(corridor.level)}`);
  for (const stair of plan.stairs)
    places.set(stair.id, `stair ${stair.id} from level ${on(stair.fromLevel)} to ${on(stair.toLevel)}`);
  for (const route of plan.accessibleRoutes)
    places.set(route.id, `accessible route ${route.id} on level ${on(route.level)}`);
  return places;
}
