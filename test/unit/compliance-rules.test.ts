import fc from 'fast-check';
import { checkPlan } from '../../domain/compliance/engine';
import { occupantLoad } from '../../domain/compliance/occupant-load';
import { IBC_2021 } from '../../domain/compliance/packs/ibc-2021';
import { parsePlan, type Plan } from '../../domain/compliance/plan-schema';
import type { OccupantLoadRule } from '../../domain/compliance/rules';
import { SPACE_USES, type OccupancyGroup, type SprinklerSystem } from '../../domain/compliance/vocabulary';
import { AS_OF, compliantPlan, examplePlanJson, violationsOf, withUpperStory } from '../fixtures/compliance-plans';

const factors = (IBC_2021.rules.find((rule) => rule.kind === 'occupant-load') as OccupantLoadRule).factors;

const sprinklered = (plan: Plan, sprinkler: SprinklerSystem, voiceAlarm = false) => {
  plan.building.sprinkler = sprinkler;
  plan.building.voiceAlarm = voiceAlarm;
};
/** Gives S1 exactly `load` business occupants. */
const loadOf = (plan: Plan, load: number) => {
  plan.spaces[0]!.areaSqft = load * 150;
};

describe('the example plan', () => {
  it('has exactly one violation: IBC-1010.1.1 on door D3', () => {
    const result = checkPlan(parsePlan(examplePlanJson()), { asOf: AS_OF });
    expect(result.violations).toEqual([
      {
        rule: 'IBC-1010.1.1',
        section: 'IBC 1010.1.1',
        elements: ['D3'],
        required: 32,
        actual: 30,
        unit: 'in',
        severity: 'error',
        message: 'Door D3: clear width 30 in is less than the 32 in minimum (IBC 1010.1.1)',
      },
    ]);
    expect(result).toMatchObject({
      compliant: false,
      planId: 'PLAN-EXAMPLE-1',
      jurisdiction: 'IBC-2021',
      edition: 'IBC-2021',
      asOf: AS_OF,
    });
    expect(result.occupantLoad).toEqual({
      total: 101,
      bySpace: { S101: 30, S102: 40, S201: 30, S202: 1 },
      byLevel: { L1: 70, L2: 31 },
    });
  });

  it('complies once D3 is 32 in wide', () => {
    const plan = parsePlan(examplePlanJson());
    plan.doors.find((door) => door.id === 'D3')!.clearWidthIn = 32;
    expect(checkPlan(plan, { asOf: AS_OF })).toMatchObject({ compliant: true, violations: [] });
  });

  it('the small test plan complies', () => {
    expect(checkPlan(compliantPlan(), { asOf: AS_OF }).violations).toEqual([]);
  });
});

describe('IBC-1004.5 occupant load', () => {
  it.each(SPACE_USES.map((use) => [use, factors[use].sqftPerOccupant] as const))(
    '%s: area at 7 x %d sq ft gives 7, one sq ft more gives 8',
    (use, factor) => {
      const plan = compliantPlan((p) => {
        p.spaces[0]!.use = use;
        p.spaces[0]!.areaBasis = factors[use].basis;
        p.spaces[0]!.areaSqft = 7 * factor;
      });
      expect(checkPlan(plan, { asOf: AS_OF }).occupantLoad.bySpace.S1).toBe(7);
      plan.spaces[0]!.areaSqft += 1;
      expect(checkPlan(plan, { asOf: AS_OF }).occupantLoad.bySpace.S1).toBe(8);
    },
  );

  it('a space with no area has no occupants', () => {
    expect(occupantLoad(0, 150)).toBe(0);
  });

  it('rounds up and never under-counts (whole areas: the smallest such count)', () => {
    const factorArb = fc.constantFrom(...Object.values(factors).map((f) => f.sqftPerOccupant));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), factorArb, (area, factor) => {
        const load = occupantLoad(area, factor);
        expect(load * factor).toBeGreaterThanOrEqual(area);
        expect(Math.max(0, load - 1) * factor).toBeLessThan(Math.max(area, Number.MIN_VALUE));
      }),
    );
  });

  it('never under-counts fractional areas or factors', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e7, noNaN: true }),
        fc.double({ min: 0.5, max: 1000, noNaN: true }),
        (area, factor) => {
          expect(occupantLoad(area, factor) * factor).toBeGreaterThanOrEqual(area);
        },
      ),
    );
  });

  it('a net area measured against a gross factor is a warning, not a failure', () => {
    const plan = compliantPlan((p) => {
      p.spaces[0]!.areaBasis = 'net';
    });
    const result = checkPlan(plan, { asOf: AS_OF });
    expect(result.compliant).toBe(true);
    expect(result.violations).toEqual([
      expect.objectContaining({
        rule: 'IBC-1004.5',
        elements: ['S1'],
        severity: 'warning',
        required: 'gross',
        actual: 'net',
      }),
    ]);
  });

  it('a gross area against a net factor (counts more) is not flagged', () => {
    const plan = compliantPlan((p) => {
      p.spaces[0]!.use = 'classroom';
    });
    expect(violationsOf(plan, 'IBC-1004.5')).toEqual([]);
  });
});

describe('IBC-1006.2.1 spaces with one exit', () => {
  const oneExit = (change: (plan: Plan) => void = () => {}) =>
    compliantPlan((plan) => {
      plan.spaces[0]!.exitDoors = ['D1'];
      change(plan);
    });

  it('Group B: 49 occupants pass, 50 fail', () => {
    expect(
      violationsOf(
        oneExit((p) => loadOf(p, 49)),
        'IBC-1006.2.1',
      ),
    ).toEqual([]);
    expect(
      violationsOf(
        oneExit((p) => loadOf(p, 50)),
        'IBC-1006.2.1',
      ),
    ).toEqual([expect.objectContaining({ elements: ['S1'], required: 49, actual: 50, unit: 'occupants' })]);
  });

  it('Group B unsprinklered: common path 100 ft up to 30 occupants, 75 ft above', () => {
    const path = (load: number, ft: number) =>
      violationsOf(
        oneExit((p) => {
          loadOf(p, load);
          p.spaces[0]!.commonPathFt = ft;
        }),
        'IBC-1006.2.1',
      );
    expect(path(30, 100)).toEqual([]);
    expect(path(30, 101)).toEqual([expect.objectContaining({ required: 100, actual: 101, unit: 'ft' })]);
    expect(path(31, 75)).toEqual([]);
    expect(path(31, 76)).toEqual([expect.objectContaining({ required: 75, actual: 76, unit: 'ft' })]);
  });

  it.each([
    ['nfpa13', 100],
    ['nfpa13r', 100],
    ['nfpa13d', 75],
  ] as const)('Group B with %s: 40 occupants may walk %d ft', (system, limit) => {
    const path = (ft: number) =>
      violationsOf(
        oneExit((p) => {
          sprinklered(p, system);
          loadOf(p, 40);
          p.spaces[0]!.commonPathFt = ft;
        }),
        'IBC-1006.2.1',
      );
    expect(path(limit)).toEqual([]);
    expect(path(limit + 1)).toEqual([expect.objectContaining({ required: limit, actual: limit + 1 })]);
  });

  it('Group I-1 unsprinklered may not have one exit at all; sprinklered it may, up to 75 ft', () => {
    const plan = oneExit((p) => {
      p.spaces[0]!.occupancyGroup = 'I-1';
      loadOf(p, 5);
    });
    expect(violationsOf(plan, 'IBC-1006.2.1')).toEqual([
      expect.objectContaining({ required: 2, actual: 1, unit: 'exits' }),
    ]);
    sprinklered(plan, 'nfpa13');
    plan.spaces[0]!.commonPathFt = 75;
    expect(violationsOf(plan, 'IBC-1006.2.1')).toEqual([]);
  });

  it('Group H-1 counts only NFPA 13 as sprinklered (footnote b)', () => {
    const plan = oneExit((p) => {
      p.spaces[0]!.occupancyGroup = 'H-1';
      p.spaces[0]!.areaSqft = 100;
      p.spaces[0]!.commonPathFt = 25;
      sprinklered(p, 'nfpa13r');
    });
    expect(violationsOf(plan, 'IBC-1006.2.1')).toEqual([expect.objectContaining({ unit: 'exits' })]);
    sprinklered(plan, 'nfpa13');
    expect(violationsOf(plan, 'IBC-1006.2.1')).toEqual([]);
  });

  it('does not judge a space without occupants (no area)', () => {
    expect(
      violationsOf(
        oneExit((p) => {
          p.spaces[0]!.occupancyGroup = 'I-1';
          p.spaces[0]!.areaSqft = 0;
        }),
        'IBC-1006.2.1',
      ),
    ).toEqual([]);
  });

  it('does not judge spaces with two exits', () => {
    const plan = compliantPlan((p) => {
      loadOf(p, 60);
      p.spaces[0]!.commonPathFt = 500;
    });
    expect(violationsOf(plan, 'IBC-1006.2.1')).toEqual([]);
  });
});

describe('IBC-1006.3.3 exits by occupant load', () => {
  const threeDoors = (plan: Plan) => {
    plan.doors.push(
      { id: 'D3', level: 'L1', clearWidthIn: 120, isExit: true },
      { id: 'D4', level: 'L1', clearWidthIn: 120, isExit: true },
    );
  };
  const spaceWith = (load: number, exits: string[]) =>
    violationsOf(
      compliantPlan((p) => {
        threeDoors(p);
        loadOf(p, load);
        p.spaces[0]!.exitDoors = exits;
      }),
      'IBC-1006.3.3',
    ).filter((v) => v.elements[0] === 'S1');

  it('a space of 500 needs 2 exits, 501 needs 3', () => {
    expect(spaceWith(500, ['D1', 'D2'])).toEqual([]);
    expect(spaceWith(501, ['D1', 'D2'])).toEqual([
      expect.objectContaining({ elements: ['S1'], required: 3, actual: 2, unit: 'exits' }),
    ]);
    expect(spaceWith(501, ['D1', 'D2', 'D3'])).toEqual([]);
  });

  it('a space of 1,000 needs 3 exits, 1,001 needs 4', () => {
    expect(spaceWith(1000, ['D1', 'D2', 'D3'])).toEqual([]);
    expect(spaceWith(1001, ['D1', 'D2', 'D3'])).toEqual([expect.objectContaining({ required: 4, actual: 3 })]);
    expect(spaceWith(1001, ['D1', 'D2', 'D3', 'D4'])).toEqual([]);
  });

  it('a small space needs at least one exit; whether one is enough is IBC-1006.2.1', () => {
    expect(spaceWith(10, [])).toEqual([expect.objectContaining({ required: 1, actual: 0 })]);
    expect(spaceWith(60, ['D1'])).toEqual([]);
  });

  it('a story of 500 needs 2 exit doors, 501 needs 3 (Table 1006.3.3)', () => {
    const story = (load: number, extraExit: boolean) =>
      violationsOf(
        compliantPlan((p) => {
          threeDoors(p);
          p.doors[2]!.isExit = extraExit;
          p.doors[3]!.isExit = false;
          loadOf(p, load);
          p.spaces[0]!.exitDoors = ['D1', 'D2', 'D3', 'D4'];
        }),
        'IBC-1006.3.3',
      );
    expect(story(500, false)).toEqual([]);
    expect(story(501, false)).toEqual([expect.objectContaining({ elements: ['L1'], required: 3, actual: 2 })]);
    expect(story(501, true)).toEqual([]);
  });

  it('a story with one exit door is reported (single-exit stories of 1006.3.4 are not modelled)', () => {
    const plan = compliantPlan((p) => {
      p.doors[1]!.isExit = false;
    });
    expect(violationsOf(plan, 'IBC-1006.3.3')).toEqual([
      expect.objectContaining({ elements: ['L1'], required: 2, actual: 1 }),
    ]);
  });
});

describe('IBC-1005.3.1 stairway capacity', () => {
  /** L2 with 300 occupants, served by two stairs of `width` each. */
  const twoStairs = (width: number, change: (plan: Plan) => void = () => {}) => {
    const plan = withUpperStory(compliantPlan(), 300, width);
    plan.stairs.push({ id: 'ST2', fromLevel: 'L1', toLevel: 'L2', widthIn: width });
    change(plan);
    return violationsOf(plan, 'IBC-1005.3.1');
  };

  it('0.3 in per occupant: 300 occupants need 90 in of stairs', () => {
    expect(twoStairs(45)).toEqual([]);
    expect(twoStairs(44.99)).toEqual([
      expect.objectContaining({ elements: ['L2', 'ST1', 'ST2'], required: 90, actual: 89.98, unit: 'in' }),
    ]);
  });

  it.each(['nfpa13', 'nfpa13r'] as const)('0.2 in per occupant with %s and a voice alarm', (system) => {
    expect(twoStairs(30, (p) => sprinklered(p, system, true))).toEqual([]);
    expect(twoStairs(29.99, (p) => sprinklered(p, system, true))).toEqual([expect.objectContaining({ required: 60 })]);
  });

  it('no reduction without the voice alarm, with NFPA 13D, or in Groups H and I-2', () => {
    expect(twoStairs(30, (p) => sprinklered(p, 'nfpa13', false))).toEqual([expect.objectContaining({ required: 90 })]);
    expect(twoStairs(30, (p) => sprinklered(p, 'nfpa13d', true))).toEqual([expect.objectContaining({ required: 90 })]);
    for (const group of ['H-3', 'I-2'] as OccupancyGroup[]) {
      expect(
        twoStairs(30, (p) => {
          sprinklered(p, 'nfpa13', true);
          p.spaces[1]!.occupancyGroup = group;
          p.spaces[1]!.areaSqft = 300 * 150; // business factor, still 300 occupants
        }),
      ).toEqual([expect.objectContaining({ required: 90 })]);
    }
  });

  it('one H space on the story is enough to withhold the reduction from the whole story', () => {
    const result = twoStairs(30, (p) => {
      sprinklered(p, 'nfpa13', true);
      p.spaces.push({
        id: 'S3',
        level: 'L2',
        name: 'Lab',
        use: 'storage-accessory',
        areaSqft: 0,
        areaBasis: 'gross',
        exitDoors: ['D21'],
        commonPathFt: 10,
        travelDistanceFt: 10,
        occupancyGroup: 'H-4',
      });
    });
    expect(result).toEqual([expect.objectContaining({ required: 90 })]);
  });

  it('ignores the level of exit discharge and reports an upper story without stairs', () => {
    const plan = withUpperStory(compliantPlan(), 30);
    plan.stairs = [];
    expect(violationsOf(plan, 'IBC-1005.3.1')).toEqual([
      expect.objectContaining({ elements: ['L2'], required: 9, actual: 0 }),
    ]);
  });

  it('honours a level marked as exit discharge', () => {
    const plan = withUpperStory(compliantPlan(), 30);
    plan.levels[1]!.exitDischarge = true;
    loadOf(plan, 200);
    plan.stairs[0]!.widthIn = 59;
    expect(violationsOf(plan, 'IBC-1005.3.1')).toEqual([
      expect.objectContaining({ elements: ['L1', 'ST1'], required: 60, actual: 59 }),
    ]);
  });
});

describe('IBC-1005.3.2 capacity of other components', () => {
  it("0.2 in per occupant through a space's exit doors", () => {
    const doors = (width: number, change: (plan: Plan) => void = () => {}) =>
      violationsOf(
        compliantPlan((p) => {
          loadOf(p, 200);
          p.doors[0]!.clearWidthIn = width;
          p.doors[1]!.clearWidthIn = width;
          change(p);
        }),
        'IBC-1005.3.2',
      ).filter((v) => v.elements[0] === 'S1');
    expect(doors(20)).toEqual([]);
    expect(doors(19.99)).toEqual([
      expect.objectContaining({ elements: ['S1', 'D1', 'D2'], required: 40, actual: 39.98 }),
    ]);
    expect(doors(15, (p) => sprinklered(p, 'nfpa13', true))).toEqual([]);
    expect(doors(14.99, (p) => sprinklered(p, 'nfpa13', true))).toEqual([expect.objectContaining({ required: 30 })]);
    expect(doors(15, (p) => sprinklered(p, 'nfpa13', false))).toEqual([expect.objectContaining({ required: 40 })]);
  });

  it('corridors: 220 occupants fit 44 in, 221 do not', () => {
    const corridor = (served: number) =>
      violationsOf(
        compliantPlan((p) => {
          p.corridors.push({ id: 'C1', level: 'L1', widthIn: 44, deadEndFt: 0, occupantLoadServed: served });
        }),
        'IBC-1005.3.2',
      );
    expect(corridor(220)).toEqual([]);
    expect(corridor(221)).toEqual([expect.objectContaining({ elements: ['C1'], required: 44.2, actual: 44 })]);
  });

  it("a story's exit doors together", () => {
    const story = (load: number) =>
      violationsOf(
        compliantPlan((p) => {
          p.doors.push({ id: 'D3', level: 'L1', clearWidthIn: 200, isExit: false });
          p.spaces[0]!.exitDoors = ['D3'];
          p.spaces[0]!.commonPathFt = 10;
          loadOf(p, load);
        }),
        'IBC-1005.3.2',
      ).filter((v) => v.elements[0] === 'L1');
    expect(story(360)).toEqual([]);
    expect(story(361)).toEqual([expect.objectContaining({ required: 72.2, actual: 72 })]);
  });
});

describe('IBC-1010.1.1 door clear width', () => {
  it('32 in passes, 31 in fails', () => {
    expect(
      violationsOf(
        compliantPlan((p) => {
          p.doors[0]!.clearWidthIn = 32;
        }),
        'IBC-1010.1.1',
      ),
    ).toEqual([]);
    expect(
      violationsOf(
        compliantPlan((p) => {
          p.doors[0]!.clearWidthIn = 31;
        }),
        'IBC-1010.1.1',
      ),
    ).toEqual([expect.objectContaining({ elements: ['D1'], required: 32, actual: 31, unit: 'in', severity: 'error' })]);
  });
});

describe('IBC-1020.3 corridor width', () => {
  const corridor = (served: number, width: number, group: OccupancyGroup = 'B') =>
    violationsOf(
      compliantPlan((p) => {
        p.building.occupancyGroup = group;
        p.spaces[0]!.use = 'classroom';
        p.corridors.push({ id: 'C1', level: 'L1', widthIn: width, deadEndFt: 0, occupantLoadServed: served });
      }),
      'IBC-1020.3',
    );

  it('44 in from 50 occupants', () => {
    expect(corridor(50, 44)).toEqual([]);
    expect(corridor(50, 43)).toEqual([expect.objectContaining({ elements: ['C1'], required: 44, actual: 43 })]);
  });

  it('36 in under 50 occupants', () => {
    expect(corridor(49, 36)).toEqual([]);
    expect(corridor(49, 35)).toEqual([expect.objectContaining({ required: 36, actual: 35 })]);
  });

  it('72 in in Group E from 100 occupants', () => {
    expect(corridor(100, 72, 'E')).toEqual([]);
    expect(corridor(100, 71, 'E')).toEqual([expect.objectContaining({ required: 72 })]);
    expect(corridor(99, 44, 'E')).toEqual([]);
  });
});

describe('IBC-1020.5 dead ends', () => {
  const deadEnd = (ft: number, change: (plan: Plan) => void = () => {}) =>
    violationsOf(
      compliantPlan((p) => {
        p.corridors.push({ id: 'C1', level: 'L1', widthIn: 44, deadEndFt: ft, occupantLoadServed: 10 });
        change(p);
      }),
      'IBC-1020.5',
    );

  it('20 ft unsprinklered', () => {
    expect(deadEnd(20)).toEqual([]);
    expect(deadEnd(21)).toEqual([expect.objectContaining({ elements: ['C1'], required: 20, actual: 21, unit: 'ft' })]);
  });

  it('50 ft in Group B sprinklered per NFPA 13', () => {
    expect(deadEnd(50, (p) => sprinklered(p, 'nfpa13'))).toEqual([]);
    expect(deadEnd(51, (p) => sprinklered(p, 'nfpa13'))).toEqual([expect.objectContaining({ required: 50 })]);
  });

  it('20 ft with NFPA 13R, in groups not listed, and on a story mixing a listed and an unlisted group', () => {
    expect(deadEnd(21, (p) => sprinklered(p, 'nfpa13r'))).toEqual([expect.objectContaining({ required: 20 })]);
    expect(
      deadEnd(21, (p) => {
        sprinklered(p, 'nfpa13');
        p.spaces[0]!.occupancyGroup = 'A-3';
      }),
    ).toEqual([expect.objectContaining({ required: 20 })]);
    expect(
      deadEnd(21, (p) => {
        sprinklered(p, 'nfpa13');
        p.spaces.push({ ...p.spaces[0]!, id: 'S2', occupancyGroup: 'I-2' });
      }),
    ).toEqual([expect.objectContaining({ required: 20 })]);
  });

  it.each(['E', 'F-2', 'I-1', 'M', 'R-1', 'R-2', 'S-1', 'U'] as OccupancyGroup[])(
    '50 ft in Group %s sprinklered per NFPA 13',
    (group) => {
      expect(
        deadEnd(50, (p) => {
          sprinklered(p, 'nfpa13');
          p.spaces[0]!.occupancyGroup = group;
        }),
      ).toEqual([]);
    },
  );
});

describe('IBC-1017.2 exit access travel distance', () => {
  const travel = (ft: number, change: (plan: Plan) => void = () => {}) =>
    violationsOf(
      compliantPlan((p) => {
        p.spaces[0]!.travelDistanceFt = ft;
        change(p);
      }),
      'IBC-1017.2',
    );

  it.each([
    ['B', 'none', 200],
    ['B', 'nfpa13', 300],
    ['B', 'nfpa13r', 200],
    ['M', 'nfpa13r', 250],
    ['A-2', 'nfpa13', 250],
    ['S-2', 'none', 300],
    ['S-2', 'nfpa13', 400],
    ['I-4', 'none', 150],
    ['H-3', 'nfpa13', 150],
  ] as [OccupancyGroup, SprinklerSystem, number][])('Group %s, %s: %d ft', (group, system, limit) => {
    const change = (p: Plan) => {
      p.spaces[0]!.occupancyGroup = group;
      sprinklered(p, system);
    };
    expect(travel(limit, change)).toEqual([]);
    expect(travel(limit + 1, change)).toEqual([
      expect.objectContaining({ elements: ['S1'], required: limit, actual: limit + 1, unit: 'ft' }),
    ]);
  });

  it('Group I-1 is not permitted unsprinklered, whatever the distance', () => {
    expect(
      travel(10, (p) => {
        p.spaces[0]!.occupancyGroup = 'I-1';
      }),
    ).toEqual([
      expect.objectContaining({ required: 'sprinklered (nfpa13)', actual: 'none', unit: 'sprinkler system' }),
    ]);
  });
});

describe('IBC-1011.2 stairway width', () => {
  const stair = (load: number, width: number) =>
    violationsOf(withUpperStory(compliantPlan(), load, width), 'IBC-1011.2');

  it('36 in under 50 occupants served', () => {
    expect(stair(49, 36)).toEqual([]);
    expect(stair(49, 35)).toEqual([
      expect.objectContaining({ elements: ['ST1'], required: 36, actual: 35, unit: 'in' }),
    ]);
  });

  it('44 in from 50 occupants served', () => {
    expect(stair(50, 44)).toEqual([]);
    expect(stair(50, 43)).toEqual([expect.objectContaining({ required: 44, actual: 43 })]);
  });
});

describe('ADA-403.5.1 accessible route clear width', () => {
  it('36 in passes, 35 in fails', () => {
    const route = (width: number) =>
      violationsOf(
        compliantPlan((p) => {
          p.accessibleRoutes.push({ id: 'AR1', level: 'L1', clearWidthIn: width });
        }),
        'ADA-403.5.1',
      );
    expect(route(36)).toEqual([]);
    expect(route(35)).toEqual([
      expect.objectContaining({
        rule: 'ADA-403.5.1',
        section: 'ADA 403.5.1',
        elements: ['AR1'],
        required: 36,
        actual: 35,
      }),
    ]);
  });
});
