import fc from 'fast-check';
import { documentContentIssues } from '../../domain/sync/document-kinds';
import { isJsonContent } from '../../domain/sync/json-content';
import { jsonEqual } from '../../domain/sync/json-equal';
import { threeWayMerge, type MergeResult } from '../../domain/sync/three-way-merge';
import type { DocumentKind, JsonValue } from '../../domain/sync/sync-types';
import { syncBudget, syncExamplePlan } from '../fixtures/sync-documents';

type Item = Record<string, JsonValue>;
type Doc = Record<string, JsonValue> & { lines: Item[]; spaces: Item[] };
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value));
const edited = <T>(value: T, change: (doc: Doc) => void): T => {
  const doc = copy(value) as unknown as Doc;
  change(doc);
  return doc as unknown as T;
};
const mergedOf = (result: MergeResult): JsonValue => {
  if (!('merged' in result)) throw new Error(`expected a merge, got a conflict at ${result.conflict.join(', ')}`);
  return result.merged;
};
const line = (doc: Doc, id: string) => doc.lines.find((item) => item.id === id)!;

describe('three-way merge: examples', () => {
  const plan = syncExamplePlan();
  const [s1] = (plan.spaces as Item[]).map((space) => space.id as string);

  it('merges edits to two different spaces of one plan', () => {
    const ours = edited(plan, (doc) => (doc.spaces[0]!.areaSqft = 650));
    const theirs = edited(plan, (doc) => (doc.spaces[1]!.name = 'Meeting room'));
    const merged = mergedOf(threeWayMerge(plan, ours, theirs, 'plan')) as Doc;
    expect(merged.spaces[0]!.areaSqft).toBe(650);
    expect(merged.spaces[1]!.name).toBe('Meeting room');
    expect(merged).toEqual(
      edited(plan, (doc) => {
        doc.spaces[0]!.areaSqft = 650;
        doc.spaces[1]!.name = 'Meeting room';
      }),
    );
    expect(documentContentIssues('plan', merged)).toEqual([]);
  });

  it('refuses the same field changed differently on both sides, naming it', () => {
    const ours = edited(plan, (doc) => (doc.spaces[0]!.areaSqft = 650));
    const theirs = edited(plan, (doc) => {
      doc.spaces[0]!.areaSqft = 700;
      doc.spaces[1]!.name = 'Meeting room';
    });
    expect(threeWayMerge(plan, ours, theirs, 'plan')).toEqual({ conflict: [`spaces[id=${s1}].areaSqft`] });
  });

  it('takes the very same change made on both sides once', () => {
    const both = edited(plan, (doc) => (doc.spaces[1]!.areaSqft = 111));
    const theirs = edited(both, (doc) => (doc.name = 'Renamed'));
    expect(mergedOf(threeWayMerge(plan, both, theirs, 'plan'))).toEqual(theirs);
    expect(mergedOf(threeWayMerge(plan, both, both, 'plan'))).toEqual(both);
  });

  it('refuses an item deleted on one side and edited on the other, either way round', () => {
    const budget = syncBudget(3);
    const deleted = edited(budget, (doc) => doc.lines.splice(1, 1));
    const changed = edited(budget, (doc) => (line(doc, 'L2').amountCents = 1));
    expect(threeWayMerge(budget, deleted, changed, 'budget')).toEqual({ conflict: ['lines[id=L2]'] });
    expect(threeWayMerge(budget, changed, deleted, 'budget')).toEqual({ conflict: ['lines[id=L2]'] });
    // Both deleting it is the same change.
    expect(mergedOf(threeWayMerge(budget, deleted, deleted, 'budget'))).toEqual(deleted);
  });

  it('lands additions of different ids from both sides, the head first', () => {
    const budget = syncBudget(2);
    const ours = edited(budget, (doc) => doc.lines.push({ id: 'L8', description: 'Ours', amountCents: 8 }));
    const theirs = edited(budget, (doc) => {
      doc.lines.push({ id: 'L9', description: 'Theirs', amountCents: 9 });
      doc.lines.unshift({ id: 'L0', description: 'First', amountCents: 0 });
    });
    const merged = mergedOf(threeWayMerge(budget, ours, theirs, 'budget')) as Doc;
    expect(merged.lines.map((item) => item.id)).toEqual(['L0', 'L1', 'L2', 'L8', 'L9']);
    const clash = edited(budget, (doc) => doc.lines.push({ id: 'L8', description: 'Other', amountCents: 80 }));
    expect(threeWayMerge(budget, ours, clash, 'budget')).toEqual({ conflict: ['lines[id=L8]'] });
  });

  it('merges fields added to an object by each side, and refuses one side reordering what the other edits', () => {
    const budget = syncBudget(3);
    const reordered = edited(budget, (doc) => doc.lines.reverse());
    const changed = edited(budget, (doc) => (line(doc, 'L1').amountCents = 5));
    expect(threeWayMerge(budget, reordered, changed, 'budget')).toEqual({ conflict: ['lines'] });
    const base: JsonValue = { meta: { a: 1 } };
    expect(mergedOf(threeWayMerge(base, { meta: { a: 1, b: 2 } }, { meta: { a: 1, c: 3 } }, 'json'))).toEqual({
      meta: { a: 1, b: 2, c: 3 },
    });
  });

  it('merges positions of a json array that kept its length, and refuses an edit in an array the other side resized', () => {
    const base: JsonValue = { items: [{ x: 1 }, { x: 2 }] };
    const ours: JsonValue = { items: [{ x: 10 }, { x: 2 }] };
    expect(mergedOf(threeWayMerge(base, ours, { items: [{ x: 1 }, { x: 20 }] }, 'json'))).toEqual({
      items: [{ x: 10 }, { x: 20 }],
    });
    expect(threeWayMerge(base, ours, { items: [{ x: 1 }, { x: 2 }, { x: 3 }] }, 'json')).toEqual({
      conflict: ['items'],
    });
    expect(threeWayMerge(base, ours, [1], 'json')).toEqual({ conflict: ['(root)'] });
  });

  it('compares by position a list whose ids are repeated on one side (content no schema checked)', () => {
    const budget = syncBudget(2);
    const twice = edited(budget, (doc) => (doc.lines[1]!.id = 'L1'));
    const changed = edited(budget, (doc) => (line(doc, 'L1').amountCents = 7));
    expect(mergedOf(threeWayMerge(budget, twice, changed, 'budget'))).toEqual(
      edited(twice, (doc) => (doc.lines[0]!.amountCents = 7)),
    );
  });
});

// ---- properties --------------------------------------------------------------------------

const anyJson = (): fc.Arbitrary<JsonValue> =>
  fc.jsonValue({ maxDepth: 3 }).filter(isJsonContent) as fc.Arbitrary<JsonValue>;
const budgetVersion = (): fc.Arbitrary<JsonValue> =>
  fc.record({
    currency: fc.constantFrom('USD', 'EUR'),
    lines: fc.uniqueArray(
      fc.record(
        { id: fc.constantFrom('L1', 'L2', 'L3', 'L4', 'L5'), amountCents: fc.nat(3) },
        { requiredKeys: ['id'] },
      ),
      { selector: (item) => item.id },
    ),
  });

describe.each([
  ['json', anyJson],
  ['budget', budgetVersion],
] as [DocumentKind, () => fc.Arbitrary<JsonValue>][])('three-way merge properties (%s)', (kind, version) => {
  it('a side that did not change takes the other side; the same content on both sides is that content', () => {
    fc.assert(
      fc.property(version(), version(), (base, other) => {
        expect(jsonEqual(mergedOf(threeWayMerge(base, other, base, kind)), other)).toBe(true);
        expect(jsonEqual(mergedOf(threeWayMerge(base, base, other, kind)), other)).toBe(true);
        expect(jsonEqual(mergedOf(threeWayMerge(base, other, other, kind)), other)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('conflicts are the same paths whichever side is the head', () => {
    fc.assert(
      fc.property(version(), version(), version(), (base, a, b) => {
        const ab = threeWayMerge(base, a, b, kind);
        const ba = threeWayMerge(base, b, a, kind);
        expect('conflict' in ab).toBe('conflict' in ba);
        if ('conflict' in ab && 'conflict' in ba) expect([...ab.conflict].sort()).toEqual([...ba.conflict].sort());
      }),
      { numRuns: 300 },
    );
  });
});

/** One edit of a budget: on a line of the base, a new line at the end, or the currency. */
type Edit =
  | { op: 'amount'; id: string; value: number }
  | { op: 'describe'; id: string; value: string }
  | { op: 'category'; id: string; value: string | null }
  | { op: 'delete'; id: string }
  | { op: 'add'; id: string; value: number }
  | { op: 'currency'; value: string };

function applyEdits(budget: JsonValue, edits: readonly Edit[]): JsonValue {
  return edited(budget, (doc) => {
    for (const edit of edits) {
      if (edit.op === 'currency') doc.currency = edit.value;
      else if (edit.op === 'add') doc.lines.push({ id: edit.id, description: 'Added', amountCents: edit.value });
      else if (edit.op === 'delete')
        doc.lines.splice(
          doc.lines.findIndex((item) => item.id === edit.id),
          1,
        );
      else if (edit.op === 'amount') line(doc, edit.id).amountCents = edit.value;
      else if (edit.op === 'describe') line(doc, edit.id).description = edit.value;
      else if (edit.value === null) delete line(doc, edit.id).category;
      else line(doc, edit.id).category = edit.value;
    }
  });
}

const lineEdit = (id: string): fc.Arbitrary<Edit> =>
  fc.oneof(
    fc.record({ op: fc.constant('amount' as const), id: fc.constant(id), value: fc.nat(1_000_000) }),
    fc.record({ op: fc.constant('describe' as const), id: fc.constant(id), value: fc.constantFrom('Steel', 'Glass') }),
    fc.record({ op: fc.constant('category' as const), id: fc.constant(id), value: fc.constantFrom('site', 'x', null) }),
    fc.constant<Edit>({ op: 'delete', id }),
  );

/** A base budget and two lists of edits that touch disjoint lines (and the currency on one side at most). */
const disjointEdits = fc
  .record({
    lines: fc.integer({ min: 0, max: 8 }),
    owners: fc.array(fc.constantFrom('ours', 'theirs', 'nobody'), { minLength: 8, maxLength: 8 }),
    currency: fc.constantFrom('ours', 'theirs', 'nobody'),
    oursAdds: fc.nat(3),
    theirsAdds: fc.nat(3),
  })
  .chain(({ lines, owners, currency, oursAdds, theirsAdds }) => {
    const ids = (owner: string) =>
      Array.from({ length: lines }, (_, i) => `L${i + 1}`).filter((_, i) => owners[i] === owner);
    const side = (owner: 'ours' | 'theirs', adds: number, prefix: string) =>
      fc
        .tuple(
          fc.tuple(...ids(owner).map(lineEdit)),
          fc.array(fc.nat(100), { minLength: adds, maxLength: adds }),
          fc.constantFrom('EUR', 'GBP'),
        )
        .map(([edits, added, code]): Edit[] => [
          ...edits,
          ...added.map((value, i): Edit => ({ op: 'add', id: `${prefix}${i}`, value })),
          ...(currency === owner ? [{ op: 'currency', value: code } as Edit] : []),
        ]);
    return fc.record({
      base: fc.constant(syncBudget(lines) as JsonValue),
      ours: side('ours', oursAdds, 'A'),
      theirs: side('theirs', theirsAdds, 'B'),
    });
  });

/** One edit of a plan: on a space of the base (by id), a new space at the end, or the plan's name. */
type PlanEdit =
  | { op: 'area'; id: string; value: number }
  | { op: 'rename'; id: string; value: string }
  | { op: 'use'; id: string; value: string }
  | { op: 'exits'; id: string; value: string[] }
  | { op: 'delete'; id: string }
  | { op: 'add'; id: string; level: string }
  | { op: 'name'; value: string };

const space = (doc: Doc, id: string) => doc.spaces.find((item) => item.id === id)!;

function applyPlanEdits(plan: JsonValue, edits: readonly PlanEdit[]): JsonValue {
  return edited(plan, (doc) => {
    for (const edit of edits) {
      if (edit.op === 'name') doc.name = edit.value;
      else if (edit.op === 'add')
        doc.spaces.push({
          id: edit.id,
          level: edit.level,
          name: 'Added',
          use: 'storage-accessory',
          areaSqft: 100,
          areaBasis: 'gross',
          exitDoors: [],
          commonPathFt: 10,
          travelDistanceFt: 20,
        });
      else if (edit.op === 'delete')
        doc.spaces.splice(
          doc.spaces.findIndex((item) => item.id === edit.id),
          1,
        );
      else if (edit.op === 'area') space(doc, edit.id).areaSqft = edit.value;
      else if (edit.op === 'rename') space(doc, edit.id).name = edit.value;
      else if (edit.op === 'use') space(doc, edit.id).use = edit.value;
      else space(doc, edit.id).exitDoors = edit.value;
    }
  });
}

const examplePlan = syncExamplePlan() as JsonValue;
const planSpaces = (examplePlan as Doc).spaces;
const planDoors = (examplePlan as unknown as { doors: Item[] }).doors;
/** The doors of a space's level, in the plan's order: the only doors its exitDoors may name. */
const doorsOn = (level: JsonValue) => planDoors.filter((door) => door.level === level).map((door) => door.id as string);

const spaceEdit = (base: Item): fc.Arbitrary<PlanEdit> => {
  const id = base.id as string;
  return fc.oneof(
    fc.record({ op: fc.constant('area' as const), id: fc.constant(id), value: fc.nat(10_000) }),
    fc.record({ op: fc.constant('rename' as const), id: fc.constant(id), value: fc.constantFrom('Lab', 'Archive') }),
    fc.record({
      op: fc.constant('use' as const),
      id: fc.constant(id),
      value: fc.constantFrom('business', 'library-stacks'),
    }),
    // A positional array inside the item: a change of it is the whole array, still inside this space.
    fc.record({
      op: fc.constant('exits' as const),
      id: fc.constant(id),
      value: fc.shuffledSubarray(doorsOn(base.level!)),
    }),
    fc.constant<PlanEdit>({ op: 'delete', id }),
  );
};

/**
 * The example plan and two lists of edits to disjoint spaces (by id: a side's deletion moves the
 * positions of the spaces the other side edits), spaces added at the end by each side, and the
 * plan's name on one side at most. A plan must keep a space, so both sides deleting all four and
 * adding none is not generated.
 */
const disjointPlanEdits = fc
  .record({
    owners: fc.array(fc.constantFrom('ours', 'theirs', 'nobody'), {
      minLength: planSpaces.length,
      maxLength: planSpaces.length,
    }),
    name: fc.constantFrom('ours', 'theirs', 'nobody'),
    oursAdds: fc.nat(2),
    theirsAdds: fc.nat(2),
  })
  .chain(({ owners, name, oursAdds, theirsAdds }) => {
    const side = (owner: 'ours' | 'theirs', adds: number, prefix: string) =>
      fc
        .tuple(
          fc.tuple(...planSpaces.filter((_, i) => owners[i] === owner).map(spaceEdit)),
          fc.array(fc.constantFrom('L1', 'L2'), { minLength: adds, maxLength: adds }),
          fc.constantFrom('Renamed by ours', 'Renamed by theirs'),
        )
        .map(([edits, levels, value]): PlanEdit[] => [
          ...edits,
          ...levels.map((level, i): PlanEdit => ({ op: 'add', id: `${prefix}${i}`, level })),
          ...(name === owner ? [{ op: 'name', value } as PlanEdit] : []),
        ]);
    return fc.record({ ours: side('ours', oursAdds, 'A'), theirs: side('theirs', theirsAdds, 'B') });
  })
  .filter(({ ours, theirs }) => {
    const deleted = [...ours, ...theirs].filter((edit) => edit.op === 'delete').length;
    const added = [...ours, ...theirs].filter((edit) => edit.op === 'add').length;
    return deleted < planSpaces.length || added > 0;
  });

describe('three-way merge of disjoint edits', () => {
  it('equals applying both sides edits one after the other', () => {
    fc.assert(
      fc.property(disjointEdits, ({ base, ours, theirs }) => {
        const expected = applyEdits(base, [...ours, ...theirs]);
        const merged = mergedOf(threeWayMerge(base, applyEdits(base, ours), applyEdits(base, theirs), 'budget'));
        expect(merged).toEqual(expected);
        expect(documentContentIssues('budget', merged)).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  // Spaces are matched by id (PLAN_ID_FIELDS): edits to different spaces are different paths even
  // when the other side's deletion or addition moved every position after it.
  it('of a plan, to different spaces by id, equals applying both sides edits one after the other', () => {
    fc.assert(
      fc.property(disjointPlanEdits, ({ ours, theirs }) => {
        const expected = applyPlanEdits(examplePlan, [...ours, ...theirs]);
        const merged = mergedOf(
          threeWayMerge(examplePlan, applyPlanEdits(examplePlan, ours), applyPlanEdits(examplePlan, theirs), 'plan'),
        );
        expect(merged).toEqual(expected);
        expect(documentContentIssues('plan', merged)).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });
});
