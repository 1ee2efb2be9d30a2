import { z } from 'zod';
import { lazySchema } from '../lazy-schema';
import { inputErrorOf } from '../validation';
import { AREA_BASES, OCCUPANCY_GROUPS, SPACE_USES, SPRINKLER_SYSTEMS } from './vocabulary';

/*
 * The building plan format, version 1 (docs/plan-format.md is the contract for callers).
 * Every object is strict, so a misspelt field is refused instead of silently ignored, and
 * every reference between elements must name an element of the right kind.
 *
 * Only this file needs zod: the engine imports its types with `import type`.
 */

const PLAN_SCHEMA_VERSION = 1;

/** Ids end up in workflow ids (`compliance/<planId>`) and in reports: no slashes or spaces. */
const idSchema = lazySchema(() =>
  z.string({ error: 'must be an id (text)' }).regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/, {
    error: 'must be 1-100 letters, digits, ".", "_", ":" or "-", starting with a letter or digit',
  }),
);
const textSchema = lazySchema(() =>
  z.string({ error: 'must be a text' }).trim().min(1, { error: 'must not be empty' }).max(500),
);
const inches = (what: string) =>
  z
    .number({ error: `must be a number (${what}, inches)` })
    .positive({ error: `must be more than 0 (${what}, inches)` })
    .max(10_000);
const feet = (what: string) =>
  z
    .number({ error: `must be a number (${what}, feet)` })
    .nonnegative({ error: `must be 0 or more (${what}, feet)` })
    .max(100_000);

const buildingSchema = lazySchema(() =>
  z
    .object({
      occupancyGroup: z.enum(OCCUPANCY_GROUPS),
      sprinkler: z.enum(SPRINKLER_SYSTEMS),
      voiceAlarm: z.boolean({
        error: 'must be true or false (emergency voice/alarm communication system, IBC 907.5.2.2)',
      }),
      stories: z
        .int({ error: 'must be a whole number of stories' })
        .min(1, { error: 'must be at least 1' })
        .max(300, { error: 'must be at most 300' }),
    })
    .strict(),
);

const levelSchema = lazySchema(() =>
  z
    .object({
      id: idSchema,
      name: textSchema,
      /** The level occupants leave the building from; when no level says so, the first listed is. */
      exitDischarge: z.boolean({ error: 'must be true or false' }).optional(),
    })
    .strict(),
);

const spaceSchema = lazySchema(() =>
  z
    .object({
      id: idSchema,
      level: idSchema,
      name: textSchema,
      use: z.enum(SPACE_USES),
      areaSqft: z
        .number({ error: 'must be a number (square feet)' })
        .nonnegative({ error: 'must be 0 or more (square feet)' })
        .max(100_000_000),
      areaBasis: z.enum(AREA_BASES),
      exitDoors: z.array(idSchema),
      commonPathFt: feet('common path of egress travel'),
      travelDistanceFt: feet('exit access travel distance'),
      /** Defaults to the building's group. */
      occupancyGroup: z.enum(OCCUPANCY_GROUPS).optional(),
    })
    .strict(),
);

const doorSchema = lazySchema(() =>
  z
    .object({
      id: idSchema,
      level: idSchema,
      clearWidthIn: inches('clear width'),
      /** An exit door, or the door into an exit stairway: what counts toward a story's exits. */
      isExit: z.boolean({ error: 'must be true or false' }),
    })
    .strict(),
);

const corridorSchema = lazySchema(() =>
  z
    .object({
      id: idSchema,
      level: idSchema,
      widthIn: inches('width'),
      deadEndFt: feet('dead end length'),
      occupantLoadServed: z
        .int({ error: 'must be a whole number of occupants' })
        .nonnegative({ error: 'must be 0 or more (occupants)' }),
    })
    .strict(),
);

const stairSchema = lazySchema(() =>
  z
    .object({
      id: idSchema,
      fromLevel: idSchema,
      toLevel: idSchema,
      widthIn: inches('width'),
    })
    .strict(),
);

const accessibleRouteSchema = lazySchema(() =>
  z
    .object({
      id: idSchema,
      level: idSchema,
      clearWidthIn: inches('clear width'),
    })
    .strict(),
);

const planSchema = lazySchema(() =>
  z
    .object({
      schemaVersion: z.literal(PLAN_SCHEMA_VERSION, {
        error: `unsupported plan format version: this arxflow reads schemaVersion ${PLAN_SCHEMA_VERSION}`,
      }),
      planId: idSchema,
      name: textSchema,
      jurisdiction: idSchema,
      building: buildingSchema,
      levels: z.array(levelSchema).min(1, { error: 'must list at least one level' }),
      spaces: z.array(spaceSchema).min(1, { error: 'must list at least one space' }),
      doors: z.array(doorSchema).default([]),
      corridors: z.array(corridorSchema).default([]),
      stairs: z.array(stairSchema).default([]),
      accessibleRoutes: z.array(accessibleRouteSchema).default([]),
    })
    .strict()
    .superRefine((plan, ctx) => {
      for (const problem of referenceProblems(plan)) ctx.addIssue({ code: 'custom', ...problem });
    }),
);

export type Plan = z.output<typeof planSchema>;
export type PlanBuilding = Plan['building'];

/** The parts of a plan its references live in (structural, so the schema can use it before Plan exists). */
interface PlanReferences {
  levels: { id: string }[];
  spaces: { id: string; level: string; exitDoors: string[] }[];
  doors: { id: string; level: string }[];
  corridors: { id: string; level: string }[];
  stairs: { id: string; fromLevel: string; toLevel: string }[];
  accessibleRoutes: { id: string; level: string }[];
}

interface Problem {
  path: (string | number)[];
  message: string;
}

/**
 * Ids are unique across the whole plan (a violation names elements by id alone) and every
 * reference names an element of the right kind. One pass over each list with Maps.
 */
function referenceProblems(plan: PlanReferences): Problem[] {
  const problems: Problem[] = [];
  // Ids first, in document order, so a duplicate is reported where it repeats.
  const definedAt = new Map<string, string>();
  const lists = [
    ['levels', plan.levels],
    ['spaces', plan.spaces],
    ['doors', plan.doors],
    ['corridors', plan.corridors],
    ['stairs', plan.stairs],
    ['accessibleRoutes', plan.accessibleRoutes],
  ] as const;
  for (const [name, elements] of lists) {
    elements.forEach((element, i) => {
      const first = definedAt.get(element.id);
      if (first === undefined) definedAt.set(element.id, `${name}.${i}`);
      else problems.push({ path: [name, i, 'id'], message: `duplicate id "${element.id}" (already used by ${first})` });
    });
  }
  const levels = new Set(plan.levels.map((level) => level.id));
  const level = (id: string, path: (string | number)[]) => {
    if (!levels.has(id)) problems.push({ path, message: `unknown level "${id}"` });
  };
  const doorLevels = new Map<string, string>();
  plan.doors.forEach((door, i) => {
    level(door.level, ['doors', i, 'level']);
    doorLevels.set(door.id, door.level);
  });
  plan.spaces.forEach((space, i) => {
    level(space.level, ['spaces', i, 'level']);
    const listed = new Set<string>();
    space.exitDoors.forEach((doorId, j) => {
      const path = ['spaces', i, 'exitDoors', j];
      const doorLevel = doorLevels.get(doorId);
      if (doorLevel === undefined) problems.push({ path, message: `unknown door "${doorId}"` });
      else if (levels.has(space.level) && doorLevel !== space.level)
        problems.push({ path, message: `door "${doorId}" is on level "${doorLevel}", the space on "${space.level}"` });
      if (listed.has(doorId)) problems.push({ path, message: `door "${doorId}" is listed twice` });
      listed.add(doorId);
    });
  });
  plan.corridors.forEach((corridor, i) => level(corridor.level, ['corridors', i, 'level']));
  plan.stairs.forEach((stair, i) => {
    level(stair.fromLevel, ['stairs', i, 'fromLevel']);
    level(stair.toLevel, ['stairs', i, 'toLevel']);
    if (stair.fromLevel === stair.toLevel)
      problems.push({ path: ['stairs', i, 'toLevel'], message: 'must differ from fromLevel' });
  });
  plan.accessibleRoutes.forEach((route, i) => level(route.level, ['accessibleRoutes', i, 'level']));
  return problems;
}

/**
 * What zod reports of a plan. Its issues are zod's own: format them with fieldIssues, which
 * names each unknown field as an issue of its own (`spaces.0.colour: unknown field`).
 */
export type PlanReading = { ok: true; plan: Plan } | { ok: false; issues: z.core.$ZodIssue[] };

/** Reads a plan: the parsed plan, or its issues (for a caller that reports them in its own words). */
export function readPlan(input: unknown): PlanReading {
  const result = planSchema.safeParse(input);
  return result.success ? { ok: true, plan: result.data } : { ok: false, issues: result.error.issues };
}

/**
 * Parses a plan or throws an InputError naming every bad field by its path
 * (`plan: spaces.1.areaSqft: ...`); an unknown field is named itself (`spaces.0.colour: unknown field`).
 */
export function parsePlan(input: unknown): Plan {
  const reading = readPlan(input);
  if (reading.ok) return reading.plan;
  throw inputErrorOf(reading.issues, 'plan');
}
