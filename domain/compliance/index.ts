// The compliance rule engine, free of zod at runtime so workflows can import it. Parse
// untrusted plans with parsePlan from ./plan-schema (the one module that needs zod).
export { checkPlan, checkPlanAgainst, type CheckOptions, type ComplianceResult } from './engine';
export { explainRule, type RuleExplanation } from './explain';
export { JURISDICTIONS } from './jurisdictions';
export type { Plan, PlanInput } from './plan-schema';
export { resolveCode, type AmendmentRef, type ResolvedCode, type ResolvedRule } from './resolve';
export type { Amendment, Change, Jurisdiction, RuleDefinition, RulePack } from './rules';
export type { Violation } from './violation';
