import { checkPlan } from '../../domain/compliance/engine';
import { explainRule } from '../../domain/compliance/explain';
import { IBC_2021_AS_PUBLISHED, JURISDICTIONS } from '../../domain/compliance/jurisdictions';
import { IBC_2021 } from '../../domain/compliance/packs/ibc-2021';
import { parsePlan, type Plan } from '../../domain/compliance/plan-schema';
import { resolveCode } from '../../domain/compliance/resolve';
import type {
  Amendment,
  Change,
  Jurisdiction,
  LimitRule,
  OccupantLoadRule,
  SingleExitRule,
} from '../../domain/compliance/rules';
import { OCCUPANCY_GROUPS, rowForGroup, SPACE_USES } from '../../domain/compliance/vocabulary';
import { InputError } from '../../domain/validation';
import { compliantPlan, examplePlanJson } from '../fixtures/compliance-plans';

const amendment = (id: string, effective: string, ...changes: Change[]): Amendment => ({
  id,
  title: id,
  effective,
  source: `test ${id}`,
  changes,
});

/** BASE (IBC-2021) -> STATE -> CITY, each with the amendments given. */
function registry(state: Amendment[], city: Amendment[] = []): Jurisdiction[] {
  return [
    { ...IBC_2021_AS_PUBLISHED, id: 'BASE' },
    { id: 'STATE', name: 'Test state', parent: 'BASE', amendments: state },
    { id: 'CITY', name: 'Test city', parent: 'STATE', amendments: city },
  ];
}

const doorLimit = (jurisdictions: Jurisdiction[], jurisdiction: string, asOf: string) =>
  explainRule('IBC-1010.1.1', jurisdiction, asOf, jurisdictions).values.limit;

const rulesOf = (plan: Plan, jurisdictions: Jurisdiction[], jurisdiction: string, asOf = '2025-01-01') =>
  checkPlan(plan, { jurisdiction, asOf, registry: jurisdictions }).violations.map(
    (v) => `${v.rule} ${v.elements.join(',')}`,
  );

const narrowDoor = (width: number) =>
  compliantPlan((p) => {
    p.doors[0]!.clearWidthIn = width;
  });

describe('overlays: replace a value', () => {
  const jurisdictions = registry([
    amendment('ST-1', '2024-01-01', { op: 'replace', rule: 'IBC-1010.1.1', path: 'limit', value: 34 }),
  ]);

  it('applies from its effective date on, not the day before', () => {
    expect(rulesOf(narrowDoor(33), jurisdictions, 'STATE', '2023-12-31')).toEqual([]);
    expect(rulesOf(narrowDoor(33), jurisdictions, 'STATE', '2024-01-01')).toEqual(['IBC-1010.1.1 D1']);
    expect(rulesOf(narrowDoor(34), jurisdictions, 'STATE', '2024-01-01')).toEqual([]);
  });

  it('leaves the parent untouched', () => {
    expect(rulesOf(narrowDoor(33), jurisdictions, 'BASE')).toEqual([]);
    expect(doorLimit(jurisdictions, 'BASE', '2025-01-01')).toBe(32);
  });

  it('replaces a table cell, records who changed it, and never mutates the pack', () => {
    const table = registry([
      amendment('ST-2', '2020-01-01', {
        op: 'replace',
        rule: 'IBC-1017.2',
        path: 'limit.byGroup.B.unsprinklered',
        value: 150,
      }),
    ]);
    const plan = compliantPlan((p) => {
      p.spaces[0]!.travelDistanceFt = 151;
    });
    expect(rulesOf(plan, table, 'STATE')).toEqual(['IBC-1017.2 S1']);
    expect(explainRule('IBC-1017.2', 'STATE', '2025-01-01', table).amendedBy).toEqual([
      {
        jurisdiction: 'STATE',
        amendment: 'ST-2',
        effective: '2020-01-01',
        change: 'limit.byGroup.B.unsprinklered: 200 -> 150',
      },
    ]);
    const travel = IBC_2021.rules.find((rule) => rule.id === 'IBC-1017.2') as LimitRule;
    expect(typeof travel.limit === 'object' && travel.limit.byGroup.B!.unsprinklered).toBe(200);
  });

  it('replaces an exception value addressed by its id, and a severity', () => {
    const jurisdictionsWithSeverity = registry([
      amendment(
        'ST-3',
        '2020-01-01',
        { op: 'replace', rule: 'IBC-1020.3', path: 'exceptions.load-under-50.value', value: 40 },
        { op: 'replace', rule: 'ADA-403.5.1', path: 'severity', value: 'warning' },
      ),
    ]);
    const plan = compliantPlan((p) => {
      p.corridors.push({ id: 'C1', level: 'L1', widthIn: 38, deadEndFt: 0, occupantLoadServed: 10 });
      p.accessibleRoutes.push({ id: 'AR1', level: 'L1', clearWidthIn: 30 });
    });
    const result = checkPlan(plan, { jurisdiction: 'STATE', asOf: '2025-01-01', registry: jurisdictionsWithSeverity });
    expect(result.violations.map((v) => [v.rule, v.required, v.severity])).toEqual([
      ['IBC-1020.3', 40, 'error'],
      ['ADA-403.5.1', 36, 'warning'],
    ]);
  });
});

describe('overlays: resolution order base -> state -> local', () => {
  it('the city value wins over the state value, which wins over the base', () => {
    const jurisdictions = registry(
      [amendment('ST-1', '2024-01-01', { op: 'replace', rule: 'IBC-1010.1.1', path: 'limit', value: 34 })],
      [amendment('CT-1', '2024-06-01', { op: 'replace', rule: 'IBC-1010.1.1', path: 'limit', value: 36 })],
    );
    expect(doorLimit(jurisdictions, 'BASE', '2025-01-01')).toBe(32);
    expect(doorLimit(jurisdictions, 'STATE', '2025-01-01')).toBe(34);
    expect(doorLimit(jurisdictions, 'CITY', '2025-01-01')).toBe(36);
    expect(doorLimit(jurisdictions, 'CITY', '2024-03-01')).toBe(34); // the city's own amendment not yet in force
    expect(explainRule('IBC-1010.1.1', 'CITY', '2025-01-01', jurisdictions).amendedBy.map((a) => a.amendment)).toEqual([
      'ST-1',
      'CT-1',
    ]);
  });

  it('a local amendment applies after the state one even when the state one is newer', () => {
    const jurisdictions = registry(
      [amendment('ST-1', '2024-01-01', { op: 'replace', rule: 'IBC-1010.1.1', path: 'limit', value: 34 })],
      [amendment('CT-1', '2020-01-01', { op: 'replace', rule: 'IBC-1010.1.1', path: 'limit', value: 36 })],
    );
    expect(doorLimit(jurisdictions, 'CITY', '2025-01-01')).toBe(36);
  });

  it('within one jurisdiction, amendments apply in order of effective date, not of listing', () => {
    const jurisdictions = registry([
      amendment('ST-2', '2024-01-01', { op: 'replace', rule: 'IBC-1010.1.1', path: 'limit', value: 36 }),
      amendment('ST-1', '2023-01-01', { op: 'replace', rule: 'IBC-1010.1.1', path: 'limit', value: 34 }),
    ]);
    expect(doorLimit(jurisdictions, 'STATE', '2023-06-01')).toBe(34);
    expect(doorLimit(jurisdictions, 'STATE', '2024-06-01')).toBe(36);
  });

  it('a city may delete a rule its state amended', () => {
    const jurisdictions = registry(
      [amendment('ST-1', '2024-01-01', { op: 'replace', rule: 'IBC-1010.1.1', path: 'limit', value: 34 })],
      [amendment('CT-1', '2024-02-01', { op: 'delete-rule', rule: 'IBC-1010.1.1' })],
    );
    expect(rulesOf(narrowDoor(20), jurisdictions, 'CITY')).toEqual([]);
  });
});

describe('overlays: rules and exceptions added and deleted', () => {
  it('deletes a rule from its effective date, and explains that it was deleted', () => {
    const jurisdictions = registry([amendment('ST-1', '2024-01-01', { op: 'delete-rule', rule: 'ADA-403.5.1' })]);
    const plan = compliantPlan((p) => {
      p.accessibleRoutes.push({ id: 'AR1', level: 'L1', clearWidthIn: 30 });
    });
    expect(rulesOf(plan, jurisdictions, 'STATE', '2023-12-31')).toEqual(['ADA-403.5.1 AR1']);
    expect(rulesOf(plan, jurisdictions, 'STATE', '2024-01-01')).toEqual([]);
    expect(() => explainRule('ADA-403.5.1', 'STATE', '2024-01-01', jurisdictions)).toThrow(
      /deleted by STATE amendment ST-1 \(effective 2024-01-01\)/,
    );
  });

  it('adds a rule with its own id and section', () => {
    const jurisdictions = registry(
      [],
      [
        amendment('CT-1', '2024-01-01', {
          op: 'add-rule',
          rule: {
            id: 'CT-101',
            kind: 'limit',
            section: 'CT 101',
            title: 'Wide doors',
            summary: 'Doors at least 40 in.',
            source: 'test',
            severity: 'error',
            target: 'door',
            measure: 'clearWidthIn',
            label: 'clear width',
            bound: 'min',
            unit: 'in',
            limit: 40,
            exceptions: [],
          },
        }),
      ],
    );
    expect(rulesOf(compliantPlan(), jurisdictions, 'CITY', '2023-12-31')).toEqual([]);
    expect(
      checkPlan(compliantPlan(), { jurisdiction: 'CITY', asOf: '2024-01-01', registry: jurisdictions }).violations,
    ).toEqual([
      expect.objectContaining({ rule: 'CT-101', section: 'CT 101', elements: ['D1'], required: 40, actual: 36 }),
      expect.objectContaining({ rule: 'CT-101', elements: ['D2'] }),
    ]);
    expect(explainRule('CT-101', 'CITY', '2024-01-01', jurisdictions).definedBy).toBe('CITY');
  });

  it('an added rule with a condition applies only where it holds', () => {
    const jurisdictions = registry([
      amendment('ST-1', '2020-01-01', {
        op: 'add-rule',
        rule: {
          id: 'ST-TALL',
          kind: 'limit',
          section: 'ST 1',
          title: 'Tall buildings',
          summary: '',
          source: 'test',
          severity: 'error',
          appliesWhen: { storiesAtLeast: 3 },
          target: 'door',
          measure: 'clearWidthIn',
          label: 'clear width',
          bound: 'min',
          unit: 'in',
          limit: 40,
          exceptions: [],
        },
      }),
    ]);
    expect(rulesOf(compliantPlan(), jurisdictions, 'STATE')).toEqual([]);
    expect(
      rulesOf(
        compliantPlan((p) => {
          p.building.stories = 3;
        }),
        jurisdictions,
        'STATE',
      ),
    ).toEqual(['ST-TALL D1', 'ST-TALL D2']);
  });

  it('adds an exception, which wins over the base ones', () => {
    const jurisdictions = registry([
      amendment('ST-1', '2020-01-01', {
        op: 'add-exception',
        rule: 'IBC-1020.3',
        exception: {
          id: 'ST-small',
          description: 'fewer than 10 occupants: 30 in',
          when: { loadServedBelow: 10 },
          value: 30,
        },
      }),
    ]);
    const corridor = (served: number) =>
      compliantPlan((p) => {
        p.corridors.push({ id: 'C1', level: 'L1', widthIn: 30, deadEndFt: 0, occupantLoadServed: served });
      });
    expect(rulesOf(corridor(9), jurisdictions, 'STATE')).toEqual([]);
    expect(rulesOf(corridor(9), jurisdictions, 'BASE')).toEqual(['IBC-1020.3 C1']);
    expect(rulesOf(corridor(10), jurisdictions, 'STATE')).toEqual(['IBC-1020.3 C1']);
  });

  it('deletes an exception', () => {
    const jurisdictions = registry([
      amendment('ST-1', '2020-01-01', {
        op: 'delete-exception',
        rule: 'IBC-1005.3.2',
        exception: 'sprinkler-and-voice',
      }),
    ]);
    const plan = compliantPlan((p) => {
      p.building.sprinkler = 'nfpa13';
      p.building.voiceAlarm = true;
      p.corridors.push({ id: 'C1', level: 'L1', widthIn: 44, deadEndFt: 0, occupantLoadServed: 250 }); // 250 x 0.15 = 37.5; x 0.2 = 50
    });
    expect(rulesOf(plan, jurisdictions, 'BASE')).toEqual([]);
    expect(rulesOf(plan, jurisdictions, 'STATE')).toEqual(['IBC-1005.3.2 C1']);
  });
});

describe('overlays: mistakes in overlay data are refused, naming the amendment', () => {
  const refused = (change: Change) => () =>
    resolveCode('STATE', '2025-01-01', registry([amendment('ST-9', '2020-01-01', change)]));

  it.each([
    [
      { op: 'replace', rule: 'IBC-1017.2', path: 'limit.byGroup.Q.sprinklered', value: 1 },
      /STATE amendment ST-9: replace IBC-1017.2: no value at limit\.byGroup\.Q/,
    ],
    [{ op: 'replace', rule: 'IBC-1010.1.1', path: 'title', value: 3 }, /title is not a number/],
    [{ op: 'replace', rule: 'IBC-1010.1.1', path: 'limit', value: null }, /needs a number/],
    [{ op: 'replace', rule: 'IBC-1010.1.1', path: 'limit', value: -1 }, /needs a number of 0 or more/],
    [{ op: 'replace', rule: 'IBC-1010.1.1', path: 'severity', value: 'fatal' }, /severity must be/],
    [{ op: 'replace', rule: 'IBC-9999', path: 'limit', value: 1 }, /no such rule in force/],
    [{ op: 'delete-rule', rule: 'IBC-9999' }, /no such rule in force/],
    [{ op: 'delete-exception', rule: 'IBC-1020.3', exception: 'nope' }, /no exception nope/],
    [
      { op: 'add-exception', rule: 'IBC-1006.3.3', exception: { id: 'x', description: '', when: {}, value: 1 } },
      /has no exceptions/,
    ],
    [{ op: 'add-rule', rule: { ...(IBC_2021.rules[5] as LimitRule) } }, /already in force/],
    [{ op: 'delete-rule', rule: 'IBC-1004.5' }, /exactly one occupant-load rule/],
  ] as [Change, RegExp][])('%j', (change, message) => {
    expect(refused(change)).toThrow(message);
  });

  it('an NP cell may be set with null', () => {
    const jurisdictions = registry([
      amendment('ST-1', '2020-01-01', {
        op: 'replace',
        rule: 'IBC-1017.2',
        path: 'limit.byGroup.B.unsprinklered',
        value: null,
      }),
    ]);
    expect(
      checkPlan(compliantPlan(), { jurisdiction: 'STATE', asOf: '2025-01-01', registry: jurisdictions }).violations,
    ).toEqual([expect.objectContaining({ rule: 'IBC-1017.2', required: 'sprinklered (nfpa13)' })]);
  });

  it('an unknown jurisdiction or a bad date is bad input', () => {
    expect(() => resolveCode('ATLANTIS', '2025-01-01')).toThrow(InputError);
    expect(() => resolveCode('ATLANTIS', '2025-01-01')).toThrow(
      /unknown jurisdiction "ATLANTIS"; known: IBC-2021, EXAMPLE-STATE, EXAMPLE-CITY/,
    );
    expect(() => resolveCode('IBC-2021', '2025-13-01')).toThrow(InputError);
    expect(() => checkPlan(compliantPlan(), { jurisdiction: 'ATLANTIS', asOf: '2025-01-01' })).toThrow(InputError);
  });

  it('a cycle of parents is refused', () => {
    const cyclic: Jurisdiction[] = [
      { id: 'A', name: 'a', parent: 'B', amendments: [] },
      { id: 'B', name: 'b', parent: 'A', amendments: [] },
    ];
    expect(() => resolveCode('A', '2025-01-01', cyclic)).toThrow(/cycle/);
  });
});

describe('the shipped rule pack and example overlays', () => {
  const example = () => parsePlan(examplePlanJson());
  const check = (jurisdiction: string, asOf: string) => checkPlan(example(), { jurisdiction, asOf });

  it('every jurisdiction resolves on every date around its amendments', () => {
    for (const jurisdiction of JURISDICTIONS) {
      for (const asOf of ['2000-01-01', '2022-07-01', '2023-04-01', '2024-01-01', '2025-07-01', '2100-01-01']) {
        expect(resolveCode(jurisdiction.id, asOf).rules.length).toBeGreaterThanOrEqual(11);
      }
    }
    expect(JURISDICTIONS.filter((j) => j.example).map((j) => j.id)).toEqual(['EXAMPLE-STATE', 'EXAMPLE-CITY']);
  });

  it('covers every space use and every occupancy group in its tables', () => {
    const loads = IBC_2021.rules.find((rule) => rule.kind === 'occupant-load') as OccupantLoadRule;
    for (const use of SPACE_USES) expect(loads.factors[use].sqftPerOccupant).toBeGreaterThan(0);
    const singleExit = IBC_2021.rules.find((rule) => rule.kind === 'single-exit-space') as SingleExitRule;
    const travel = IBC_2021.rules.find((rule) => rule.id === 'IBC-1017.2') as LimitRule;
    for (const group of OCCUPANCY_GROUPS) {
      expect(rowForGroup(singleExit.byGroup, group)).toBeDefined();
      expect(typeof travel.limit === 'object' && rowForGroup(travel.limit.byGroup, group)).toBeTruthy();
    }
  });

  it('Example State: dead ends drop from 50 to 30 ft on 2024-01-01', () => {
    expect(check('EXAMPLE-STATE', '2023-12-31').violations.map((v) => v.rule)).toEqual(['IBC-1010.1.1']);
    expect(check('EXAMPLE-STATE', '2024-01-01').violations.map((v) => `${v.rule} ${v.elements} ${v.required}`)).toEqual(
      ['IBC-1010.1.1 D3 32', 'IBC-1020.5 C2 30'],
    );
  });

  it('Example City: more business occupants, 200 ft travel, and its own dead-end section from 2025-07-01', () => {
    const before = check('EXAMPLE-CITY', '2025-06-30');
    expect(before.occupantLoad.bySpace).toMatchObject({ S101: 45, S201: 45 });
    expect(before.violations.map((v) => `${v.rule} ${v.elements}`)).toEqual([
      'IBC-1010.1.1 D3',
      'IBC-1020.5 C2',
      'IBC-1017.2 S201',
    ]);
    expect(check('EXAMPLE-CITY', '2025-07-01').violations.map((v) => `${v.rule} ${v.elements} ${v.required}`)).toEqual([
      'IBC-1010.1.1 D3 32',
      'IBC-1017.2 S201 200',
      'EXC-1020.5 C2 25',
    ]);
    expect(check('EXAMPLE-CITY', '2023-03-31').occupantLoad.total).toBe(101);
  });
});

describe('explainRule', () => {
  it('states the requirement, the values and exceptions in force, and the source', () => {
    const explanation = explainRule('IBC-1020.5', 'IBC-2021', '2025-01-01');
    expect(explanation).toMatchObject({
      rule: 'IBC-1020.5',
      section: 'IBC 1020.5',
      jurisdiction: 'IBC-2021',
      edition: 'IBC-2021',
      kind: 'limit',
      values: { target: 'corridor', measure: 'deadEndFt', bound: 'max', unit: 'ft', limit: 20 },
      source: 'IBC 2021 Section 1020.5 and Exception 2',
      definedBy: 'IBC-2021',
      amendedBy: [],
    });
    expect(explanation.exceptions.map((e) => e.value)).toEqual([50]);
    expect(explanation.text).toContain('at most 20 ft');
    expect(explanation.text).toContain('Exception sprinklered-groups');
  });

  it('shows the city amendments of a rule', () => {
    const explanation = explainRule('IBC-1004.5', 'EXAMPLE-CITY', '2025-01-01');
    expect((explanation.values.factors as OccupantLoadRule['factors']).business.sqftPerOccupant).toBe(100);
    expect(explanation.text).toContain(
      'Amended by EXAMPLE-CITY EXC-2023-01 (effective 2023-04-01): factors.business.sqftPerOccupant: 150 -> 100.',
    );
  });

  it('an unknown rule is bad input listing the rules in force', () => {
    expect(() => explainRule('IBC-0000', 'IBC-2021', '2025-01-01')).toThrow(InputError);
    expect(() => explainRule('IBC-0000', 'IBC-2021', '2025-01-01')).toThrow(/rules in force: IBC-1004.5, /);
  });
});
