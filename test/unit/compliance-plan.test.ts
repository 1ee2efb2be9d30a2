import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parsePlan } from '../../domain/compliance/plan-schema';
import { InputError } from '../../domain/validation';
import { examplePlanJson } from '../fixtures/compliance-plans';

/** The paths an InputError names, or a failure when the plan was accepted. */
function refusedPaths(input: unknown): string[] {
  try {
    parsePlan(input);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as InputError).issues.map((issue) => issue.path);
  }
  throw new Error('plan was accepted');
}

function messageFor(input: unknown): string {
  try {
    parsePlan(input);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('plan was accepted');
}

const example = () => examplePlanJson() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('plan format version 1', () => {
  it('parses the shared example plan as is, leaving its values unchanged', () => {
    const input = example();
    const plan = parsePlan(input);
    expect(plan).toEqual(input);
    expect(plan.spaces.map((s) => s.id)).toEqual(['S101', 'S102', 'S201', 'S202']);
  });

  it('lets doors, corridors, stairs and accessible routes be left out', () => {
    const input = example();
    input.spaces = [{ ...input.spaces[0], exitDoors: [] }];
    for (const key of ['doors', 'corridors', 'stairs', 'accessibleRoutes']) delete input[key];
    const plan = parsePlan(input);
    expect(plan.doors).toEqual([]);
    expect(plan.accessibleRoutes).toEqual([]);
  });

  it('refuses unknown fields, naming each by its path', () => {
    const input = example();
    input.spaces[1].colour = 'blue';
    input.building.height = 30;
    input.extra = true;
    expect(refusedPaths(input).sort()).toEqual(['building.height', 'extra', 'spaces.1.colour']);
    expect(messageFor(input)).toContain('spaces.1.colour: unknown field');
  });

  it('refuses wrong types with the path', () => {
    const input = example();
    input.spaces[0].areaSqft = '4500';
    input.doors[2].isExit = 'no';
    input.building.stories = 1.5;
    input.corridors[0].occupantLoadServed = 70.5;
    expect(refusedPaths(input).sort()).toEqual([
      'building.stories',
      'corridors.0.occupantLoadServed',
      'doors.2.isExit',
      'spaces.0.areaSqft',
    ]);
  });

  it('refuses negative areas and lengths and non-positive widths', () => {
    const input = example();
    input.spaces[2].areaSqft = -1;
    input.spaces[3].travelDistanceFt = -0.5;
    input.doors[0].clearWidthIn = 0;
    input.stairs[1].widthIn = -44;
    const paths = refusedPaths(input);
    expect(paths.sort()).toEqual([
      'doors.0.clearWidthIn',
      'spaces.2.areaSqft',
      'spaces.3.travelDistanceFt',
      'stairs.1.widthIn',
    ]);
    expect(messageFor(input)).toMatch(/spaces\.2\.areaSqft: must be 0 or more/);
  });

  it('accepts a zero area (a shaft or closet has no occupants)', () => {
    const input = example();
    input.spaces[3].areaSqft = 0;
    expect(parsePlan(input).spaces[3]!.areaSqft).toBe(0);
  });

  it('refuses references to unknown ids, naming the path and the id', () => {
    const input = example();
    input.spaces[0].level = 'L9';
    input.spaces[1].exitDoors = ['D3', 'D99'];
    input.doors[0].level = 'L7';
    input.corridors[1].level = 'LX';
    input.stairs[0].fromLevel = 'B1';
    input.stairs[1].toLevel = 'L3';
    input.accessibleRoutes[0].level = 'nowhere';
    expect(refusedPaths(input).sort()).toEqual([
      'accessibleRoutes.0.level',
      'corridors.1.level',
      'doors.0.level',
      'spaces.0.level',
      'spaces.1.exitDoors.1',
      'stairs.0.fromLevel',
      'stairs.1.toLevel',
    ]);
    const message = messageFor(input);
    expect(message).toContain('spaces.0.level: unknown level "L9"');
    expect(message).toContain('spaces.1.exitDoors.1: unknown door "D99"');
    expect(message).toContain('stairs.1.toLevel: unknown level "L3"');
  });

  it('refuses an exit door that is another element, on another level, or listed twice', () => {
    const input = example();
    input.spaces[0].exitDoors = ['D1', 'C1', 'D1', 'D4'];
    const message = messageFor(input);
    expect(message).toContain('spaces.0.exitDoors.1: unknown door "C1"');
    expect(message).toContain('spaces.0.exitDoors.2: door "D1" is listed twice');
    expect(message).toContain('spaces.0.exitDoors.3: door "D4" is on level "L2", the space on "L1"');
  });

  it('refuses duplicate ids across element kinds and a stair that goes nowhere', () => {
    const input = example();
    input.doors[5].id = 'S101';
    input.stairs[0].toLevel = 'L1';
    const message = messageFor(input);
    expect(message).toContain('doors.5.id: duplicate id "S101"');
    expect(message).toContain('stairs.0.toLevel: must differ from fromLevel');
  });

  it('refuses another schema version, an unknown group, use or sprinkler system', () => {
    const input = example();
    input.schemaVersion = 2;
    input.building.occupancyGroup = 'Z';
    input.building.sprinkler = 'nfpa14';
    input.spaces[0].use = 'ballroom';
    expect(refusedPaths(input).sort()).toEqual([
      'building.occupancyGroup',
      'building.sprinkler',
      'schemaVersion',
      'spaces.0.use',
    ]);
    expect(messageFor(input)).toContain('schemaVersion: unsupported plan format version');
  });

  it('refuses a plan that is not an object, or has no levels or spaces', () => {
    expect(refusedPaths('plan')).toEqual(['(root)']);
    const input = example();
    input.levels = [];
    input.spaces = [];
    expect(refusedPaths(input)).toEqual(expect.arrayContaining(['levels', 'spaces']));
  });

  it('refuses ids that would break a workflow id', () => {
    const input = example();
    input.planId = 'tower/1';
    expect(refusedPaths(input)).toEqual(['planId']);
  });
});

describe('schemas live in two modules; the engine takes parsed plans', () => {
  // zod may load in workflows now (schemas built on first use); what this keeps is one place
  // per schema: the plan format (plan-schema.ts, parsed by the check activity, CLI and MCP)
  // and the review's input and messages (review-schemas.ts, parsed by the edge and the
  // workflow, whose state review.ts checks messages with them). The engine, the rule packs
  // and the reports import them as types only: they never parse.
  it('only the schema modules and the review state import zod or a schema module at run time', () => {
    const root = path.resolve(__dirname, '../../domain/compliance');
    const schemaModules = ['plan-schema.ts', 'review-schemas.ts', 'review.ts'];
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter(
      (file) => file.endsWith('.ts') && !schemaModules.includes(file),
    );
    expect(files).toEqual(expect.arrayContaining(['engine.ts', 'resolve.ts', 'packs/ibc-2021.ts']));
    for (const file of files) {
      const runtimeImports = readFileSync(path.join(root, file), 'utf8')
        .split('\n')
        .filter((line) => /^(import|export) (?!type ).*from '(zod|(\.\.?\/)+(plan|review)-schemas?)'/.test(line));
      expect({ file, runtimeImports }).toEqual({ file, runtimeImports: [] });
    }
  });
});
