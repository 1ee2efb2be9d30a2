import type { PlanBuilding } from './plan-schema';
import type { Condition, RuleException } from './rules';
import { groupListed } from './vocabulary';

/** What a condition is judged against: the building, and the element being checked. */
export interface ConditionContext {
  building: PlanBuilding;
  /** Every occupancy group the element serves. */
  groups: readonly string[];
  loadServed: number;
}

export function conditionHolds(when: Condition | undefined, ctx: ConditionContext): boolean {
  if (!when) return true;
  if (when.sprinkler && !when.sprinkler.includes(ctx.building.sprinkler)) return false;
  if (when.voiceAlarm !== undefined && when.voiceAlarm !== ctx.building.voiceAlarm) return false;
  const groups = when.groups;
  if (groups && !ctx.groups.every((group) => groupListed(groups, group))) return false;
  const notGroups = when.notGroups;
  if (notGroups && ctx.groups.some((group) => groupListed(notGroups, group))) return false;
  if (when.loadServedBelow !== undefined && !(ctx.loadServed < when.loadServedBelow)) return false;
  if (when.loadServedAtLeast !== undefined && !(ctx.loadServed >= when.loadServedAtLeast)) return false;
  if (when.storiesAtLeast !== undefined && !(ctx.building.stories >= when.storiesAtLeast)) return false;
  return true;
}

/** The last exception that applies replaces `base`; `exception` names it for the message. */
export function governingValue(
  base: number,
  exceptions: readonly RuleException[],
  ctx: ConditionContext,
): { value: number; exception?: string } {
  for (let i = exceptions.length - 1; i >= 0; i--) {
    const exception = exceptions[i]!;
    if (conditionHolds(exception.when, ctx)) return { value: exception.value, exception: exception.id };
  }
  return { value: base };
}

/** Egress figures like 31 x 0.3 = 9.299999999999999 compare and print as 9.3. */
export function roundInches(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
