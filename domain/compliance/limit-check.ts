import { conditionHolds, type ConditionContext } from './conditions';
import type { PlanFacts } from './plan-facts';
import type { LimitRule } from './rules';
import { rowForGroup, type SprinklerSystem } from './vocabulary';
import { violationOf, type Violation } from './violation';

const TARGET_LABEL: Record<LimitRule['target'], string> = {
  door: 'Door',
  corridor: 'Corridor',
  stair: 'Stair',
  accessibleRoute: 'Accessible route',
  space: 'Space',
};

interface LimitInForce {
  /** null: not permitted at all without the sprinkler systems named. */
  value: number | null;
  /** Appended to the message: "for group B, sprinklered (nfpa13)", "under exception load-under-50". */
  why: string;
  group?: string;
  sprinklerSystems?: readonly SprinklerSystem[];
}

/** One measurement of every element of the rule's target kind against its minimum or maximum. */
export function checkLimit(rule: LimitRule, facts: PlanFacts, out: Violation[]): void {
  const { plan } = facts;
  const building = plan.building;
  const limits = new LimitsInForce(rule, building.sprinkler);
  // One context, refilled per element: conditions are judged at once and never kept.
  const ctx: ConditionContext = { building, groups: [], loadServed: 0 };
  const check = (id: string, actual: number, groups: readonly string[], loadServed: number) => {
    ctx.groups = groups;
    ctx.loadServed = loadServed;
    if (!conditionHolds(rule.appliesWhen, ctx)) return;
    const limit = limits.for(ctx);
    if (!limit) return;
    if (limit.value === null) {
      const systems = (limit.sprinklerSystems ?? []).join(' or ');
      out.push(
        violationOf(rule, {
          elements: [id],
          required: `sprinklered (${systems})`,
          actual: building.sprinkler,
          unit: 'sprinkler system',
          message: `${TARGET_LABEL[rule.target]} ${id}: group ${limit.group} is not permitted without an automatic sprinkler system (${systems}) (${rule.title})`,
        }),
      );
      return;
    }
    if (rule.bound === 'min' ? actual >= limit.value : actual <= limit.value) return;
    out.push(
      violationOf(rule, {
        elements: [id],
        required: limit.value,
        actual,
        unit: rule.unit,
        message: `${TARGET_LABEL[rule.target]} ${id}: ${rule.label} ${actual} ${rule.unit} is ${rule.bound === 'min' ? 'less' : 'more'} than the ${limit.value} ${rule.unit} ${rule.bound === 'min' ? 'minimum' : 'maximum'}${limit.why ? ` ${limit.why}` : ''}`,
      }),
    );
  };

  switch (rule.target) {
    case 'door':
      plan.doors.forEach((door, i) => check(door.id, door[rule.measure], facts.doorGroups[i]!, facts.doorLoads[i]!));
      return;
    case 'corridor':
      for (const corridor of plan.corridors)
        check(
          corridor.id,
          corridor[rule.measure],
          facts.levelGroups.get(corridor.level) ?? [building.occupancyGroup],
          corridor.occupantLoadServed,
        );
      return;
    case 'stair':
      plan.stairs.forEach((stair, i) =>
        check(stair.id, stair[rule.measure], facts.stairGroups[i]!, facts.stairLoads[i]!),
      );
      return;
    case 'accessibleRoute':
      for (const route of plan.accessibleRoutes)
        check(route.id, route[rule.measure], facts.levelGroups.get(route.level) ?? [building.occupancyGroup], 0);
      return;
    case 'space':
      plan.spaces.forEach((space, i) =>
        check(space.id, space[rule.measure], facts.spaceGroups[i]!, facts.spaceLoads[i]!),
      );
      return;
  }
}

/**
 * The limit for one element: the fixed value or the strictest table row among the groups it
 * serves, unless an exception applies (the last applicable one wins). Undefined when the
 * table has no row for any of its groups: the rule says nothing about that element.
 * Rows are looked up once per group (the building's sprinkler system does not change).
 */
class LimitsInForce {
  private readonly fixed: LimitInForce | undefined;
  private readonly exceptions: LimitInForce[];
  private readonly rows = new Map<string, LimitInForce | undefined>();

  constructor(
    private readonly rule: LimitRule,
    private readonly sprinkler: SprinklerSystem,
  ) {
    this.fixed = typeof rule.limit === 'number' ? { value: rule.limit, why: '' } : undefined;
    this.exceptions = rule.exceptions.map((exception) => ({
      value: exception.value,
      why: `under exception ${exception.id}`,
    }));
  }

  for(ctx: ConditionContext): LimitInForce | undefined {
    for (let i = this.rule.exceptions.length - 1; i >= 0; i--) {
      if (conditionHolds(this.rule.exceptions[i]!.when, ctx)) return this.exceptions[i];
    }
    if (this.fixed) return this.fixed;
    let strictest: LimitInForce | undefined;
    for (const group of ctx.groups) {
      const candidate = this.row(group);
      if (candidate && (!strictest || stricter(this.rule.bound, candidate.value, strictest.value)))
        strictest = candidate;
    }
    return strictest;
  }

  private row(group: string): LimitInForce | undefined {
    if (this.rows.has(group)) return this.rows.get(group);
    const table = this.rule.limit as Exclude<LimitRule['limit'], number>;
    const row = rowForGroup(table.byGroup, group);
    const sprinklered = row?.sprinklerSystems.includes(this.sprinkler) ?? false;
    const limit = row && {
      value: sprinklered ? row.sprinklered : row.unsprinklered,
      group,
      why: `for group ${group}, ${sprinklered ? `sprinklered (${this.sprinkler})` : 'unsprinklered'}`,
      sprinklerSystems: row.sprinklerSystems,
    };
    this.rows.set(group, limit);
    return limit;
  }
}

function stricter(bound: 'min' | 'max', candidate: number | null, current: number | null): boolean {
  if (current === null) return false;
  if (candidate === null) return true;
  return bound === 'min' ? candidate > current : candidate < current;
}
