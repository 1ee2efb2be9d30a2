/*
 * The words a plan and a rule pack share: plain constants, which the plan schema
 * (plan-schema.ts) turns into enums and the engine and the packs use as they are.
 */

/** Building-wide automatic sprinkler system: NFPA 13 (IBC 903.3.1.1), 13R (903.3.1.2), 13D (903.3.1.3). */
export const SPRINKLER_SYSTEMS = ['none', 'nfpa13', 'nfpa13r', 'nfpa13d'] as const;
export type SprinklerSystem = (typeof SPRINKLER_SYSTEMS)[number];

/** Occupancy classifications of IBC 2021 Section 302.1. */
export const OCCUPANCY_GROUPS = [
  'A-1',
  'A-2',
  'A-3',
  'A-4',
  'A-5',
  'B',
  'E',
  'F-1',
  'F-2',
  'H-1',
  'H-2',
  'H-3',
  'H-4',
  'H-5',
  'I-1',
  'I-2',
  'I-3',
  'I-4',
  'M',
  'R-1',
  'R-2',
  'R-3',
  'R-4',
  'S-1',
  'S-2',
  'U',
] as const;
export type OccupancyGroup = (typeof OCCUPANCY_GROUPS)[number];

/** Function of space, one per row of IBC 2021 Table 1004.5 that plans may name (format version 1). */
export const SPACE_USES = [
  'business',
  'assembly-unconcentrated',
  'assembly-concentrated',
  'assembly-standing',
  'exhibit',
  'classroom',
  'shop',
  'day-care',
  'exercise',
  'mercantile',
  'residential',
  'kitchen-commercial',
  'industrial',
  'library-reading',
  'library-stacks',
  'parking',
  'storage-accessory',
  'warehouse',
] as const;
export type SpaceUse = (typeof SPACE_USES)[number];

/** Table 1004.5 states per row whether its factor applies to the gross or the net floor area. */
export const AREA_BASES = ['gross', 'net'] as const;
export type AreaBasis = (typeof AREA_BASES)[number];

/** 'F-1' -> 'F', 'B' -> 'B': code tables often name a whole family ("Group F") rather than one group. */
function groupFamily(group: string): string {
  const dash = group.indexOf('-');
  return dash < 0 ? group : group.slice(0, dash);
}

/** True when `group` is listed itself or through its family ('S' lists S-1 and S-2; 'I-1' lists only I-1). */
export function groupListed(list: readonly string[], group: string): boolean {
  return list.includes(group) || list.includes(groupFamily(group));
}

/** The row of a table keyed by group or family; an exact group row wins over its family's row. */
export function rowForGroup<T>(table: Readonly<Record<string, T>>, group: string): T | undefined {
  if (Object.hasOwn(table, group)) return table[group];
  const family = groupFamily(group);
  return Object.hasOwn(table, family) ? table[family] : undefined;
}
