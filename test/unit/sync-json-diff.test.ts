import fc from 'fast-check';
import { compare } from 'fast-json-patch';
import { documentContentIssues, idFieldsOf } from '../../domain/sync/document-kinds';
import {
  applyJsonPatch,
  diffDocuments,
  jsonPatch,
  PatchApplyError,
  readableChanges,
  statsOf,
} from '../../domain/sync/json-diff';
import { isJsonContent } from '../../domain/sync/json-content';
import { jsonEqual } from '../../domain/sync/json-equal';
import { structuralChanges } from '../../domain/sync/structural-diff';
import type { DocumentKind, JsonValue } from '../../domain/sync/sync-types';
import { syncBudget, syncBudgetVersion, syncExamplePlan, syncPlan } from '../fixtures/sync-documents';

type Doc = Record<string, JsonValue> & { lines: Record<string, JsonValue>[] };
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value));

// ---- generators --------------------------------------------------------------------------

/** Any JSON content (a `__proto__` key is refused at the boundary, so not generated). */
const anyJson = (): fc.Arbitrary<JsonValue> =>
  fc.jsonValue({ maxDepth: 4 }).filter(isJsonContent) as fc.Arbitrary<JsonValue>;

/** Budgets drawing line ids from a small pool, so versions share, add, drop and reorder lines. */
const budgetVersion = (): fc.Arbitrary<JsonValue> => syncBudgetVersion(6);

/** Plan-shaped documents (several id-keyed lists, a nested object, positional arrays inside items). */
const planVersion = (): fc.Arbitrary<JsonValue> =>
  fc.record({
    name: fc.constantFrom('Tower', 'Annex'),
    building: fc.record({ stories: fc.integer({ min: 1, max: 3 }), sprinkler: fc.constantFrom('none', 'nfpa13') }),
    spaces: fc.uniqueArray(
      fc.record({
        id: fc.constantFrom('S1', 'S2', 'S3', 'S4'),
        areaSqft: fc.nat(2000),
        exitDoors: fc.subarray(['D1', 'D2', 'D3']),
      }),
      { selector: (space) => space.id },
    ),
    doors: fc.uniqueArray(fc.record({ id: fc.constantFrom('D1', 'D2', 'D3'), clearWidthIn: fc.nat(60) }), {
      selector: (door) => door.id,
    }),
  });

const TASK_IDS = ['T1', 'T2', 'T3', 'T4', 'T5'];
const FIRST_DAY = Date.UTC(2024, 1, 20); // dates run across 29 February and month ends
const dayOf = (offset: number) => new Date(FIRST_DAY + offset * 86_400_000).toISOString().slice(0, 10);

/**
 * Valid schedules (domain/sync/schedule-schema.ts): task ids from a small pool, in any order, so
 * versions share, add, drop, reorder and edit tasks (the `tasks` array is id-keyed); real dates
 * with end on or after start; dependsOn (absent, empty or a list in any order: a positional array
 * inside an item) naming only lower-numbered tasks present, so there is never a cycle.
 */
const scheduleVersion = (): fc.Arbitrary<JsonValue> =>
  fc
    .uniqueArray(
      fc.record({
        id: fc.constantFrom(...TASK_IDS),
        name: fc.constantFrom('Excavation', 'Foundations', 'Framing'),
        startDay: fc.nat(30),
        days: fc.nat(10),
        dependsOn: fc.option(fc.shuffledSubarray(TASK_IDS), { nil: undefined }),
      }),
      { selector: (task) => task.id },
    )
    .map((tasks) => {
      const present = new Set(tasks.map((task) => task.id));
      return {
        scheduleId: 'SCH-1',
        tasks: tasks.map(({ id, name, startDay, days, dependsOn }) => ({
          id,
          name,
          start: dayOf(startDay),
          end: dayOf(startDay + days),
          ...(dependsOn === undefined
            ? {}
            : {
                dependsOn: dependsOn.filter(
                  (other) => present.has(other) && TASK_IDS.indexOf(other) < TASK_IDS.indexOf(id),
                ),
              }),
        })),
      };
    });

/** Every kind: a kind added to DocumentKind without a generator here does not compile. */
const versionsOf: Record<DocumentKind, () => fc.Arbitrary<JsonValue>> = {
  json: anyJson,
  budget: budgetVersion,
  plan: planVersion,
  schedule: scheduleVersion,
};

// ---- examples ----------------------------------------------------------------------------

describe('readable diff', () => {
  it('names plan elements by id', () => {
    const before = syncExamplePlan();
    const after = copy(before) as Record<string, Record<string, JsonValue>[]>;
    const space = after.spaces![1]!;
    const area = space.areaSqft;
    space.areaSqft = 650;
    after.doors!.splice(2, 1);
    const removedDoor = (before.doors as Record<string, JsonValue>[])[2]!.id;
    expect(readableChanges(before, after as JsonValue, 'plan')).toEqual([
      `spaces[id=${space.id}].areaSqft: ${area} -> 650`,
      `doors[id=${removedDoor}]: removed`,
    ]);
  });

  it('shows budget lines added, removed, edited and moved, and a changed currency', () => {
    const before = syncBudget(3) as Doc;
    const after = copy(before);
    after.currency = 'EUR';
    after.lines = [after.lines[2]!, { id: 'L4', description: 'Glass', amountCents: 500 }, after.lines[0]!];
    after.lines[0]!.amountCents = 1;
    delete after.lines[2]!.category;
    expect(readableChanges(before, after, 'budget')).toEqual([
      'currency: "USD" -> "EUR"',
      'lines[id=L1].category: removed (was "site")',
      'lines[id=L2]: removed',
      'lines[id=L3].amountCents: 30000 -> 1',
      'lines[id=L4]: added',
      'lines: order changed (L1, L3 -> L3, L1)',
    ]);
  });

  it('shows positions for the json kind, quotes odd keys, and a change of type', () => {
    const before: JsonValue = { items: [{ x: 1 }, { x: 2 }, { x: 3 }], 'a b': true, tags: ['p'] };
    const after: JsonValue = { items: [{ x: 1 }, { x: 2 }, { x: 4 }, { x: 5 }], 'a b': false, tags: { p: 1 } };
    expect(readableChanges(before, after, 'json')).toEqual([
      'items[2].x: 3 -> 4',
      'items[3]: added',
      '["a b"]: true -> false',
      'tags: ["p"] -> {"p":1}',
    ]);
    expect(readableChanges(1, 'one', 'json')).toEqual(['(root): 1 -> "one"']);
    expect(readableChanges({ a: [1] }, { a: [1] }, 'json')).toEqual([]);
  });

  it('cuts long values short', () => {
    const [line] = readableChanges({ note: 'x'.repeat(200) }, { note: 'y' }, 'json');
    expect(line!.length).toBeLessThan(100);
    expect(line).toMatch(/^note: "x+… -> "y"$/);
  });

  it('compares an array of a kind that is not id-keyed (ids missing or repeated) by position', () => {
    const before = { budgetId: 'B', currency: 'USD', lines: [{ id: 'L1' }, { id: 'L1' }] };
    const after = { budgetId: 'B', currency: 'USD', lines: [{ id: 'L1' }, { id: 'L2' }] };
    expect(readableChanges(before, after, 'budget')).toEqual(['lines[1].id: "L1" -> "L2"']);
  });
});

describe('stats', () => {
  it('counts leaves: an edited field once, an added line once per field, a reorder once', () => {
    const before = syncBudget(2) as Doc;
    const after = copy(before);
    after.lines[1]!.amountCents = 5;
    after.lines.push({ id: 'L9', description: 'New', amountCents: 1, category: 'x' });
    expect(diffDocuments(before, after, 'budget').stats).toEqual({ added: 4, removed: 0, changed: 1 });
    after.lines.reverse();
    after.lines.shift();
    expect(diffDocuments(before, after, 'budget').stats).toEqual({ added: 0, removed: 0, changed: 2 });
    expect(diffDocuments(undefined, before, 'budget')).toEqual({
      patch: [],
      stats: { added: 2 + 4 + 3, removed: 0, changed: 0 },
      changes: ['(root): added'],
    });
  });
});

describe('RFC 6902 patch', () => {
  it('patches id-keyed arrays by id: an inserted line is one add, not a rewrite of every later line', () => {
    const before = syncBudget(20) as Doc;
    const after = copy(before);
    after.lines.unshift({ id: 'L0', description: 'Permit', amountCents: 100 });
    after.lines[5]!.amountCents = 7;
    expect(jsonPatch(before, after, idFieldsOf('budget'))).toEqual([
      { op: 'add', path: '/lines/0', value: { id: 'L0', description: 'Permit', amountCents: 100 } },
      { op: 'replace', path: '/lines/5/amountCents', value: 7 },
    ]);
    // By position (fast-json-patch's own compare) the same change rewrites every line.
    expect(compare(before, after).length).toBeGreaterThan(20);
  });

  it('moves a line that changed place', () => {
    const before = syncBudget(3) as Doc;
    const after = copy(before);
    after.lines.push(after.lines.shift()!);
    const patch = jsonPatch(before, after, idFieldsOf('budget'));
    expect(patch).toEqual([
      { op: 'move', from: '/lines/1', path: '/lines/0' },
      { op: 'move', from: '/lines/2', path: '/lines/1' },
    ]);
    expect(applyJsonPatch(before, patch)).toEqual(after);
  });

  it('replaces the root when the two sides are not both objects or both arrays', () => {
    expect(jsonPatch([1], { a: 1 })).toEqual([{ op: 'replace', path: '', value: { a: 1 } }]);
    expect(jsonPatch('a', 'a')).toEqual([]);
    expect(applyJsonPatch([1], jsonPatch([1], 7))).toBe(7);
  });

  it('applies without changing the document or the patch', () => {
    const before = syncPlan();
    const frozen = copy(before);
    const patch = [{ op: 'add' as const, path: '/levels/-', value: { id: 'L2', name: 'Upper' } }];
    const after = applyJsonPatch(before, patch) as Record<string, JsonValue[]>;
    expect(before).toEqual(frozen);
    expect(after.levels).toHaveLength(2);
    (after.levels![1] as Record<string, JsonValue>).name = 'changed';
    expect(patch[0]!.value.name).toBe('Upper');
  });

  it('names the operation that does not apply', () => {
    const run = () =>
      applyJsonPatch({ a: 1 }, [
        { op: 'replace', path: '/a', value: 2 },
        { op: 'remove', path: '/missing/x' },
      ]);
    expect(run).toThrow(PatchApplyError);
    expect(run).toThrow(/^operation 1 \(remove \/missing\/x\) does not apply: /);
    expect(() => applyJsonPatch({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }])).toThrow(/operation 0 \(test \/a\)/);
    expect(() => applyJsonPatch({}, [{ op: 'add', path: '/__proto__/x', value: 1 }])).toThrow(
      /^operation 0 \(add \/__proto__\/x\) does not apply: JSON-Patch: modifying `__proto__`/,
    );
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});

// ---- properties --------------------------------------------------------------------------

describe('generators', () => {
  // The properties below are about documents a kind can hold: a generator that drifted from its
  // schema would test the diff on content no commit could have. (The plan generator is only
  // plan-shaped, for the diff of several id-keyed lists; syncExamplePlan covers valid plans.)
  it.each(['budget', 'schedule'] as const)('the %s generator makes only valid documents of the kind', (kind) => {
    fc.assert(
      fc.property(versionsOf[kind](), (content) => {
        expect(documentContentIssues(kind, content)).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('the schedule generator reaches reordered tasks, several dependencies of a task and 29 February', () => {
    const samples = fc.sample(scheduleVersion(), { numRuns: 300, seed: 1 }) as unknown as {
      tasks: { id: string; start: string; end: string; dependsOn?: string[] }[];
    }[];
    const ids = (sample: (typeof samples)[number]) => sample.tasks.map((task) => task.id);
    expect(samples.some((sample) => ids(sample).join() !== [...ids(sample)].sort().join())).toBe(true);
    expect(samples.some((sample) => sample.tasks.some((task) => (task.dependsOn ?? []).length > 1))).toBe(true);
    expect(samples.some((sample) => sample.tasks.some((task) => task.end === '2024-02-29'))).toBe(true);
  });
});

describe.each(Object.keys(versionsOf) as (keyof typeof versionsOf)[])('properties (%s)', (kind) => {
  const version = versionsOf[kind];

  it('applying the stored patches from the first commit reproduces every version', () => {
    fc.assert(
      fc.property(fc.array(version(), { minLength: 1, maxLength: 8 }), (versions) => {
        const patches = versions.slice(1).map((next, i) => diffDocuments(versions[i]!, next, kind).patch);
        let content = versions[0] as JsonValue;
        patches.forEach((patch, i) => {
          content = applyJsonPatch(content, patch);
          expect(jsonEqual(content, versions[i + 1]!)).toBe(true);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('revert then revert restores the content, and the stats of a revert mirror the change', () => {
    fc.assert(
      fc.property(version(), version(), (a, b) => {
        const change = diffDocuments(a, b, kind);
        const revert = diffDocuments(b, a, kind);
        const reverted = applyJsonPatch(applyJsonPatch(a, change.patch), revert.patch);
        expect(jsonEqual(reverted, a)).toBe(true);
        expect(jsonEqual(applyJsonPatch(reverted, diffDocuments(reverted, b, kind).patch), b)).toBe(true);
        expect(revert.stats).toEqual({
          added: change.stats.removed,
          removed: change.stats.added,
          changed: change.stats.changed,
        });
      }),
      { numRuns: 200 },
    );
  });

  it('a diff is empty exactly when the versions are equal', () => {
    fc.assert(
      fc.property(version(), version(), (a, b) => {
        const changes = structuralChanges(a, b, idFieldsOf(kind));
        expect(changes.length === 0).toBe(jsonEqual(a, b));
        expect(diffDocuments(a, b, kind).patch.length === 0).toBe(jsonEqual(a, b));
        expect(statsOf(changes)).toEqual(diffDocuments(a, b, kind).stats);
      }),
      { numRuns: 200 },
    );
  });
});
