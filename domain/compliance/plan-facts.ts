import { InputError } from '../validation';
import type { Plan } from './plan-schema';
import type { OccupancyGroup } from './vocabulary';

/*
 * What the rules ask of a plan, computed once in passes over each element list: loads and
 * widths per level, door and stair, the groups each element serves. Per-element facts are
 * arrays aligned with the plan's lists, per-level facts Maps by id, so every rule then
 * looks things up instead of scanning and a check stays linear in the plan's size.
 */

export interface WidthTotal {
  count: number;
  widthIn: number;
  ids: string[];
}

export interface PlanFacts {
  plan: Plan;
  /** Aligned with plan.spaces. */
  spaceLoads: number[];
  spaceGroups: (readonly OccupancyGroup[])[];
  /** Aligned with plan.spaces: the summed clear width of the space's exit doors. */
  spaceExitWidths: Float64Array;
  levelLoads: Map<string, number>;
  /** The distinct groups of a level's spaces (the building's when it has none). */
  levelGroups: Map<string, readonly OccupancyGroup[]>;
  dischargeLevels: Set<string>;
  /** Aligned with plan.doors: the summed load of the spaces listing the door among their exits. */
  doorLoads: Float64Array;
  /** Aligned with plan.doors: the groups of those spaces (a door no space lists: its level's). */
  doorGroups: (readonly OccupancyGroup[])[];
  exitDoorsByLevel: Map<string, WidthTotal>;
  stairsByLevel: Map<string, WidthTotal>;
  /** Aligned with plan.stairs: the largest load of a story the stair serves (1005.3.1: stories considered individually). */
  stairLoads: number[];
  stairGroups: (readonly OccupancyGroup[])[];
}

export function planFacts(plan: Plan, spaceLoads: number[]): PlanFacts {
  const building = plan.building;
  // Shared, never copied: most elements serve only the building's own group.
  const buildingGroups: readonly OccupancyGroup[] = [building.occupancyGroup];
  const marked = plan.levels.filter((level) => level.exitDischarge === true).map((level) => level.id);
  const dischargeLevels = new Set(marked.length ? marked : [plan.levels[0]!.id]);

  const doorIndex = new Map<string, number>();
  const exitDoorsByLevel = new Map<string, WidthTotal>();
  plan.doors.forEach((door, i) => {
    doorIndex.set(door.id, i);
    if (door.isExit) addWidth(exitDoorsByLevel, door.level, door.id, door.clearWidthIn);
  });

  // Doors listed by a space with a group of its own need their own list of groups; every
  // other served door serves the building's group only. Finding them first avoids a list per door.
  const doorsWithOwnGroups = new Set<string>();
  for (const space of plan.spaces)
    if (space.occupancyGroup) for (const doorId of space.exitDoors) doorsWithOwnGroups.add(doorId);

  const levelLoads = new Map<string, number>();
  const levelGroupLists = new Map<string, OccupancyGroup[]>();
  const spaceGroups: (readonly OccupancyGroup[])[] = new Array(plan.spaces.length);
  const spaceExitWidths = new Float64Array(plan.spaces.length);
  const doorLoads = new Float64Array(plan.doors.length);
  const doorServed = new Uint8Array(plan.doors.length);
  const doorGroupLists = new Map<string, OccupancyGroup[]>();
  plan.spaces.forEach((space, i) => {
    const group = space.occupancyGroup ?? building.occupancyGroup;
    const load = spaceLoads[i]!;
    spaceGroups[i] = space.occupancyGroup ? [group] : buildingGroups;
    levelLoads.set(space.level, (levelLoads.get(space.level) ?? 0) + load);
    addGroup(levelGroupLists, space.level, group);
    let exitWidth = 0;
    for (const doorId of space.exitDoors) {
      const at = doorIndex.get(doorId);
      // parsePlan refuses this already; a plan built in code gets the same answer.
      if (at === undefined)
        throw new InputError(`plan: spaces.${i}.exitDoors: unknown door "${doorId}"`, [
          { path: `spaces.${i}.exitDoors`, message: `unknown door "${doorId}"` },
        ]);
      doorLoads[at] = doorLoads[at]! + load;
      doorServed[at] = 1;
      exitWidth += plan.doors[at]!.clearWidthIn;
      if (doorsWithOwnGroups.has(doorId)) addGroup(doorGroupLists, doorId, group);
    }
    spaceExitWidths[i] = exitWidth;
  });
  const levelGroups = new Map<string, readonly OccupancyGroup[]>(
    plan.levels.map((level) => [level.id, levelGroupLists.get(level.id) ?? buildingGroups]),
  );
  const doorGroups = plan.doors.map(
    (door, i) =>
      doorGroupLists.get(door.id) ?? (doorServed[i] ? buildingGroups : (levelGroups.get(door.level) ?? buildingGroups)),
  );

  // A stair serves the stories it connects, except the level of exit discharge: occupants
  // there leave through its exit doors, not down the stair.
  const stairsByLevel = new Map<string, WidthTotal>();
  const stairLoads: number[] = [];
  const stairGroups: (readonly OccupancyGroup[])[] = [];
  for (const stair of plan.stairs) {
    const served = [stair.fromLevel, stair.toLevel].filter((level) => !dischargeLevels.has(level));
    for (const level of served) addWidth(stairsByLevel, level, stair.id, stair.widthIn);
    stairLoads.push(Math.max(0, ...served.map((level) => levelLoads.get(level) ?? 0)));
    const groups = new Set(served.flatMap((level) => levelGroupLists.get(level) ?? []));
    stairGroups.push(groups.size ? [...groups] : buildingGroups);
  }

  return {
    plan,
    spaceLoads,
    spaceGroups,
    spaceExitWidths,
    levelLoads,
    levelGroups,
    dischargeLevels,
    doorLoads,
    doorGroups,
    exitDoorsByLevel,
    stairsByLevel,
    stairLoads,
    stairGroups,
  };
}

function addGroup(lists: Map<string, OccupancyGroup[]>, key: string, group: OccupancyGroup): void {
  const list = lists.get(key);
  if (!list) lists.set(key, [group]);
  else if (!list.includes(group)) list.push(group); // a handful of groups at most: includes stays O(1)
}

function addWidth(totals: Map<string, WidthTotal>, level: string, id: string, widthIn: number): void {
  const total = totals.get(level);
  if (!total) totals.set(level, { count: 1, widthIn, ids: [id] });
  else {
    total.count += 1;
    total.widthIn += widthIn;
    total.ids.push(id);
  }
}
