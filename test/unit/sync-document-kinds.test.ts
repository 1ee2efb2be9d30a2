import {
  checkDocumentContent,
  documentContentIssues,
  idFieldsOf,
  isDocumentKind,
} from '../../domain/sync/document-kinds';
import { jsonContentIssues, MAX_JSON_DEPTH } from '../../domain/sync/json-content';
import { DOCUMENT_KINDS } from '../../domain/sync/sync-types';
import { InputError } from '../../domain/validation';
import { syncBudget, syncExamplePlan, syncPlan, syncSchedule } from '../fixtures/sync-documents';

/** A document as tests edit it: any field, lines and tasks as records. */
type Loose = Record<string, unknown> & { lines: Record<string, unknown>[]; tasks: Record<string, unknown>[] };

const texts = (issues: { path: string; message: string }[]) => issues.map((issue) => `${issue.path}: ${issue.message}`);

describe('document kinds', () => {
  it('registers every kind of the contract, each with its id-keyed arrays', () => {
    expect(DOCUMENT_KINDS.filter(isDocumentKind)).toEqual([...DOCUMENT_KINDS]);
    expect(isDocumentKind('spreadsheet')).toBe(false);
    expect(Object.keys(idFieldsOf('plan')).sort()).toEqual(
      ['accessibleRoutes', 'corridors', 'doors', 'levels', 'spaces', 'stairs'].sort(),
    );
    expect(idFieldsOf('budget')).toEqual({ lines: 'id' });
    expect(idFieldsOf('schedule')).toEqual({ tasks: 'id' });
    expect(idFieldsOf('json')).toEqual({});
  });

  it('accepts valid documents of each kind', () => {
    expect(documentContentIssues('plan', syncPlan())).toEqual([]);
    expect(documentContentIssues('plan', syncExamplePlan())).toEqual([]);
    expect(documentContentIssues('budget', syncBudget())).toEqual([]);
    expect(documentContentIssues('schedule', syncSchedule())).toEqual([]);
    expect(documentContentIssues('json', { anything: [1, 'two', null, { three: true }] })).toEqual([]);
    expect(documentContentIssues('json', 42)).toEqual([]);
  });

  describe('plan', () => {
    it('names the bad field and an unknown one by path', () => {
      const plan = syncPlan();
      (plan.spaces as Record<string, unknown>[])[0]!.areaSqft = -5;
      (plan.doors as Record<string, unknown>[])[1]!.colour = 'red';
      const issues = texts(documentContentIssues('plan', plan));
      expect(issues).toContainEqual(expect.stringMatching(/^spaces\.0\.areaSqft: must be 0 or more/));
      expect(issues).toContainEqual('doors.1.colour: unknown field');
    });

    it('refuses a reference to a level that does not exist', () => {
      const plan = syncPlan();
      (plan.spaces as Record<string, unknown>[])[0]!.level = 'L9';
      expect(texts(documentContentIssues('plan', plan))).toContainEqual('spaces.0.level: unknown level "L9"');
    });
  });

  describe('budget', () => {
    it.each([
      [
        'a negative amount',
        (b: Loose) => (b.lines[1]!.amountCents = -1),
        'lines.1.amountCents: must be 0 or more (cents)',
      ],
      [
        'a fraction of a cent',
        (b: Loose) => (b.lines[0]!.amountCents = 10.5),
        'lines.0.amountCents: must be a whole number of cents',
      ],
      [
        'a duplicate id',
        (b: Loose) => (b.lines[2]!.id = 'L1'),
        'lines.2.id: duplicate id "L1" (already used by lines.0)',
      ],
      ['an unknown field', (b: Loose) => (b.lines[0]!.vendor = 'ACME'), 'lines.0.vendor: unknown field'],
      ['an unknown top-level field', (b: Loose) => (b.owner = 'x'), 'owner: unknown field'],
      [
        'a lower-case currency',
        (b: Loose) => (b.currency = 'usd'),
        'currency: must be an ISO 4217 currency code such as USD',
      ],
      [
        'an empty description',
        (b: Loose) => (b.lines[0]!.description = '  '),
        'lines.0.description: must not be empty',
      ],
      ['a missing budgetId', (b: Loose) => delete b.budgetId, 'budgetId: must be an id (text)'],
    ])('refuses %s, naming the path', (_what, change, expected) => {
      const budget = syncBudget();
      change(budget as unknown as Loose);
      expect(texts(documentContentIssues('budget', budget))).toContain(expected);
    });

    it('accepts an empty budget', () => {
      expect(documentContentIssues('budget', { budgetId: 'B', currency: 'EUR', lines: [] })).toEqual([]);
    });
  });

  describe('schedule', () => {
    it.each([
      [
        'an end before the start',
        (s: Loose) => (s.tasks[0]!.end = '2025-03-01'),
        'tasks.0.end: must be on or after start',
      ],
      [
        'a day that does not exist',
        (s: Loose) => (s.tasks[0]!.start = '2025-02-30'),
        'tasks.0.start: must be a date YYYY-MM-DD',
      ],
      [
        'a date in another format',
        (s: Loose) => (s.tasks[1]!.end = '04/04/2025'),
        'tasks.1.end: must be a date YYYY-MM-DD',
      ],
      [
        'an unknown dependency',
        (s: Loose) => (s.tasks[2]!.dependsOn = ['T9']),
        'tasks.2.dependsOn.0: unknown task "T9"',
      ],
      [
        'a dependency on itself',
        (s: Loose) => (s.tasks[1]!.dependsOn = ['T2']),
        'tasks.1.dependsOn.0: a task cannot depend on itself',
      ],
      [
        'a duplicate id',
        (s: Loose) => (s.tasks[2]!.id = 'T2'),
        'tasks.2.id: duplicate id "T2" (already used by tasks.1)',
      ],
      [
        'a cycle',
        (s: Loose) => (s.tasks[0]!.dependsOn = ['T3']),
        'tasks.0.dependsOn: dependencies form a cycle: T1 -> T3 -> T2 -> T1',
      ],
    ])('refuses %s, naming the path', (_what, change, expected) => {
      const schedule = syncSchedule();
      change(schedule as unknown as Loose);
      expect(texts(documentContentIssues('schedule', schedule))).toContain(expected);
    });

    it('finds no cycle in a long chain and does not overflow the stack', () => {
      const tasks = Array.from({ length: 20_000 }, (_, i) => ({
        id: `T${i}`,
        name: `Task ${i}`,
        start: '2025-01-01',
        end: '2025-01-02',
        ...(i > 0 ? { dependsOn: [`T${i - 1}`] } : {}),
      }));
      expect(documentContentIssues('schedule', { scheduleId: 'S', tasks })).toEqual([]);
      tasks[0]!.dependsOn = ['T19999'];
      expect(texts(documentContentIssues('schedule', { scheduleId: 'S', tasks }))[0]).toMatch(
        /^tasks\.0\.dependsOn: dependencies form a cycle: T0 -> T19999 -> T19998/,
      );
    });
  });

  describe('plain JSON, for every kind', () => {
    it('refuses a __proto__ key, a non-finite number and what JSON cannot hold', () => {
      const withProto = JSON.parse('{"a": {"__proto__": {"polluted": true}}}');
      expect(texts(jsonContentIssues(withProto))).toEqual(['a.__proto__: the key "__proto__" is not allowed']);
      expect(texts(jsonContentIssues({ x: [1, Number.NaN] }))).toEqual(['x.1: must be a finite number']);
      expect(texts(jsonContentIssues({ when: new Date(0) }))).toEqual(['when: must be a plain JSON object']);
      expect(texts(jsonContentIssues(undefined))).toEqual(['(root): must be JSON (not undefined)']);
    });

    it('refuses content nested deeper than the limit, at the level it goes too deep', () => {
      let deep: unknown = 1;
      for (let i = 0; i < MAX_JSON_DEPTH + 5; i++) deep = [deep];
      const issues = jsonContentIssues(deep);
      expect(issues).toHaveLength(1);
      expect(issues[0]!.path.split('.')).toHaveLength(MAX_JSON_DEPTH);
      expect(issues[0]!.message).toMatch(/nested too deep/);
      expect(documentContentIssues('json', deep)).toEqual(issues);
    });
  });

  it('checkDocumentContent throws an InputError naming each field under content.', () => {
    const budget = syncBudget();
    (budget.lines[0] as Record<string, unknown>).amountCents = 'ten';
    let error: unknown;
    try {
      checkDocumentContent('budget', budget);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).issues).toEqual([
      { path: 'content.lines.0.amountCents', message: 'must be a whole number of cents' },
    ]);
    expect((error as Error).message).toBe(
      'budget document: content.lines.0.amountCents: must be a whole number of cents',
    );
    expect(checkDocumentContent('budget', syncBudget())).toEqual(syncBudget());
    expect(() => checkDocumentContent('json', undefined)).toThrow(
      'json document: content: must be JSON (not undefined)',
    );
  });
});
