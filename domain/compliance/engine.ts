import { checkEgressCapacity, checkExitCounts, checkSingleExitSpaces } from './egress-checks';
import { checkLimit } from './limit-check';
import { spaceOccupantLoads } from './occupant-load';
import { planFacts } from './plan-facts';
import type { Plan } from './plan-schema';
import { resolveCode, type ResolvedCode } from './resolve';
import type { Jurisdiction, OccupantLoadRule } from './rules';
import type { Violation } from './violation';

/*
 * The compliance check: a parsed plan (parsePlan) against the code in force in a
 * jurisdiction on a day. Pure and deterministic (the day is an argument, never the clock),
 * so a retried check activity gives the same answer; linear in the size of the plan. The
 * complianceReview workflow runs it through that activity and never loads it (nor the rule
 * packs): test/unit/compliance-workflow-imports.test.ts.
 */

export interface CheckOptions {
  /** Defaults to the plan's own jurisdiction. */
  jurisdiction?: string;
  /** YYYY-MM-DD: amendments effective after this day are not applied. */
  asOf: string;
  /** The jurisdictions to resolve from; tests pass their own. */
  registry?: readonly Jurisdiction[];
}

export interface ComplianceResult {
  /** No violation of severity error (warnings are reported and do not fail a plan). */
  compliant: boolean;
  planId: string;
  jurisdiction: string;
  edition: string;
  asOf: string;
  occupantLoad: { total: number; bySpace: Record<string, number>; byLevel: Record<string, number> };
  violations: Violation[];
}

export function checkPlan(plan: Plan, options: CheckOptions): ComplianceResult {
  return checkPlanAgainst(plan, resolveCode(options.jurisdiction ?? plan.jurisdiction, options.asOf, options.registry));
}

/** For callers checking many plans against one resolved code (benchmarks, review cycles). */
export function checkPlanAgainst(plan: Plan, code: ResolvedCode): ComplianceResult {
  const loadRule = code.rules.find((rule) => rule.definition.kind === 'occupant-load')!.definition as OccupantLoadRule;
  const { loads, warnings } = spaceOccupantLoads(plan, loadRule);
  const facts = planFacts(plan, loads);
  const violations: Violation[] = [];
  for (const { definition: rule } of code.rules) {
    switch (rule.kind) {
      case 'occupant-load':
        for (const warning of warnings) violations.push(warning);
        break;
      case 'single-exit-space':
        checkSingleExitSpaces(rule, facts, violations);
        break;
      case 'exit-count':
        checkExitCounts(rule, facts, violations);
        break;
      case 'egress-capacity':
        checkEgressCapacity(rule, facts, violations);
        break;
      case 'limit':
        checkLimit(rule, facts, violations);
        break;
    }
  }
  const bySpace: Record<string, number> = {};
  let total = 0;
  plan.spaces.forEach((space, i) => {
    bySpace[space.id] = loads[i]!;
    total += loads[i]!;
  });
  const byLevel: Record<string, number> = {};
  for (const level of plan.levels) byLevel[level.id] = facts.levelLoads.get(level.id) ?? 0;
  return {
    compliant: !violations.some((violation) => violation.severity === 'error'),
    planId: plan.planId,
    jurisdiction: code.jurisdiction.id,
    edition: code.edition,
    asOf: code.asOf,
    occupantLoad: { total, bySpace, byLevel },
    violations,
  };
}
