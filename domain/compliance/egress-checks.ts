import { conditionHolds, governingValue, roundInches, type ConditionContext } from './conditions';
import type { PlanFacts } from './plan-facts';
import type { CapacityRule, ExitCountRule, SingleExitRule } from './rules';
import { rowForGroup } from './vocabulary';
import { violationOf, type Violation } from './violation';

/** IBC 1006.2.1: spaces with exactly one exit stay within their group's row of the table. */
export function checkSingleExitSpaces(rule: SingleExitRule, facts: PlanFacts, out: Violation[]): void {
  const building = facts.plan.building;
  facts.plan.spaces.forEach((space, i) => {
    const load = facts.spaceLoads[i]!;
    if (space.exitDoors.length !== 1 || load === 0) return; // nobody to get out of an empty shaft
    const groups = facts.spaceGroups[i]!;
    if (rule.appliesWhen && !conditionHolds(rule.appliesWhen, { building, groups, loadServed: load })) return;
    const group = groups[0]!;
    const row = rowForGroup(rule.byGroup, group);
    if (!row) return;
    const label = `Space ${space.id} (group ${group})`;
    if (load > row.maxOccupantLoad) {
      out.push(
        violationOf(rule, {
          elements: [space.id],
          required: row.maxOccupantLoad,
          actual: load,
          unit: 'occupants',
          message: `${label} has one exit and ${load} occupants; one exit serves at most ${row.maxOccupantLoad}`,
        }),
      );
    }
    const sprinklered = row.sprinklerSystems.includes(building.sprinkler);
    const paths = row.commonPathFt;
    const maxPath = sprinklered
      ? paths.sprinklered
      : load <= rule.smallLoadMax
        ? paths.unsprinkleredSmallLoad
        : paths.unsprinkleredLargeLoad;
    if (maxPath === null) {
      out.push(
        violationOf(rule, {
          elements: [space.id],
          required: 2,
          actual: 1,
          unit: 'exits',
          message:
            `${label} has one exit, not permitted ${sprinklered ? '' : `unless sprinklered (${row.sprinklerSystems.join(' or ')})`}`.trimEnd(),
        }),
      );
    } else if (space.commonPathFt > maxPath) {
      out.push(
        violationOf(rule, {
          elements: [space.id],
          required: maxPath,
          actual: space.commonPathFt,
          unit: 'ft',
          message: `${label} has one exit and a common path of egress travel of ${space.commonPathFt} ft; at most ${maxPath} ft ${sprinklered ? 'sprinklered' : 'unsprinklered'}`,
        }),
      );
    }
  });
}

function exitsRequired(rule: ExitCountRule, load: number): number {
  if (load <= 0) return 0;
  for (const tier of rule.tiers) if (tier.maxOccupantLoad === null || load <= tier.maxOccupantLoad) return tier.exits;
  return rule.tiers[rule.tiers.length - 1]?.exits ?? 0;
}

/** IBC 1006.3.3 per story and 1006.2.1.1 per space. */
export function checkExitCounts(rule: ExitCountRule, facts: PlanFacts, out: Violation[]): void {
  const { plan } = facts;
  const building = plan.building;
  const lowestTierMax = rule.tiers[0]?.maxOccupantLoad ?? null;
  if (rule.scopes.includes('space')) {
    plan.spaces.forEach((space, i) => {
      const load = facts.spaceLoads[i]!;
      if (
        rule.appliesWhen &&
        !conditionHolds(rule.appliesWhen, { building, groups: facts.spaceGroups[i]!, loadServed: load })
      )
        return;
      // In the lowest tier a space may get by with one exit where Table 1006.2.1 allows it;
      // that rule judges the single exit, so this one only asks for at least one.
      const required = load > 0 && lowestTierMax !== null && load <= lowestTierMax ? 1 : exitsRequired(rule, load);
      const actual = space.exitDoors.length;
      if (actual < required) {
        out.push(
          violationOf(rule, {
            elements: [space.id],
            required,
            actual,
            unit: 'exits',
            message: `Space ${space.id}: ${load} occupants need ${required} exit${required === 1 ? '' : 's'} or exit access doorways, it has ${actual}`,
          }),
        );
      }
    });
  }
  if (rule.scopes.includes('story')) {
    for (const level of plan.levels) {
      const load = facts.levelLoads.get(level.id) ?? 0;
      if (!conditionHolds(rule.appliesWhen, { building, groups: facts.levelGroups.get(level.id)!, loadServed: load }))
        continue;
      const required = exitsRequired(rule, load);
      const actual = facts.exitDoorsByLevel.get(level.id)?.count ?? 0;
      if (actual < required) {
        out.push(
          violationOf(rule, {
            elements: [level.id],
            required,
            actual,
            unit: 'exits',
            message: `Level ${level.id}: ${load} occupants need ${required} exits, the story has ${actual} exit door${actual === 1 ? '' : 's'}`,
          }),
        );
      }
    }
  }
}

/** IBC 1005.3: width >= occupants x inches per occupant, the factor relaxed by any exception that applies. */
export function checkEgressCapacity(rule: CapacityRule, facts: PlanFacts, out: Violation[]): void {
  const { plan } = facts;
  const building = plan.building;
  const ctx: ConditionContext = { building, groups: [], loadServed: 0 }; // refilled per element, never kept
  /** `what` names the element and its width ("Space S1: exit doors together"); `more` are the ids of those parts. */
  const check = (
    what: string,
    id: string,
    more: readonly string[],
    widthIn: number,
    load: number,
    groups: readonly string[],
  ) => {
    if (load <= 0) return;
    ctx.groups = groups;
    ctx.loadServed = load;
    if (!conditionHolds(rule.appliesWhen, ctx)) return;
    const factor = governingValue(rule.inchesPerOccupant, rule.exceptions, ctx);
    const required = roundInches(load * factor.value);
    const actual = roundInches(widthIn);
    if (actual >= required) return;
    out.push(
      violationOf(rule, {
        elements: [id, ...more],
        required,
        actual,
        unit: 'in',
        message: `${what.replace('%s', () => id)} ${actual} in wide; ${load} occupants x ${factor.value} in${factor.exception ? ` (exception ${factor.exception})` : ''} need ${required} in`,
      }),
    );
  };
  const none: readonly string[] = [];
  for (const component of rule.components) {
    switch (component) {
      case 'story-stairs':
        for (const level of plan.levels) {
          if (facts.dischargeLevels.has(level.id)) continue;
          const stairs = facts.stairsByLevel.get(level.id);
          check(
            'Level %s: stairways together',
            level.id,
            stairs?.ids ?? none,
            stairs?.widthIn ?? 0,
            facts.levelLoads.get(level.id) ?? 0,
            facts.levelGroups.get(level.id)!,
          );
        }
        break;
      case 'story-exit-doors':
        for (const level of plan.levels) {
          check(
            'Level %s: exit doors together',
            level.id,
            none,
            facts.exitDoorsByLevel.get(level.id)?.widthIn ?? 0,
            facts.levelLoads.get(level.id) ?? 0,
            facts.levelGroups.get(level.id)!,
          );
        }
        break;
      case 'space-exit-doors':
        plan.spaces.forEach((space, i) =>
          check(
            'Space %s: exit doors together',
            space.id,
            space.exitDoors,
            facts.spaceExitWidths[i]!,
            facts.spaceLoads[i]!,
            facts.spaceGroups[i]!,
          ),
        );
        break;
      case 'corridors':
        for (const corridor of plan.corridors) {
          check(
            'Corridor %s:',
            corridor.id,
            none,
            corridor.widthIn,
            corridor.occupantLoadServed,
            facts.levelGroups.get(corridor.level) ?? [building.occupancyGroup],
          );
        }
        break;
    }
  }
}
