import { checkPlan } from '../../domain/compliance/engine';
import { readPlan } from '../../domain/compliance/plan-schema';
import type { Violation } from '../../domain/compliance/violation';
import { hasAnyRole } from '../../domain/roles';
import type { HookVerdict, JsonValue } from '../../domain/sync/sync-types';

export interface QuickCheckInput {
  /** The proposed plan (already through the schema hook). */
  content: JsonValue;
  /** The first parent's plan; undefined for a document's first commit (every violation is new). */
  parentContent: JsonValue | undefined;
  author: string;
  authorRoles: string[];
  message: string;
  /** YYYY-MM-DD: the code in force that day. */
  asOf: string;
}

/** Who may let a new violation through, with an `Override: <reason>` line in the message. */
const OVERRIDE_ROLES = ['reviewer', 'admin'] as const;

/**
 * The compliance quick check for `plan` documents: the review's engine (domain/compliance/engine.ts,
 * the plan's own jurisdiction) on the parent and on the proposed plan. An error-severity violation
 * the parent did not have is a deny, so a change never makes a plan less compliant unnoticed,
 * while a plan already out of compliance can still be edited toward compliance. A reviewer (or
 * admin) lets such a change through with a message line `Override: <reason>`; the verdict keeps
 * the violations and the reason.
 */
export function complianceQuickCheck(input: QuickCheckInput): HookVerdict {
  const proposed = violationsOf(input.content, input.asOf);
  if ('failure' in proposed) return deny([proposed.failure]);
  const before = input.parentContent === undefined ? undefined : violationsOf(input.parentContent, input.asOf);
  // A parent the engine cannot check (an unknown jurisdiction then): every violation counts as new.
  const known = new Set(before && 'violations' in before ? before.violations.map(violationKey) : []);
  const added = proposed.violations.filter((violation) => !known.has(violationKey(violation)));
  if (added.length === 0) return { hook: 'compliance', allowed: true, reasons: [] };
  const found = added.map((violation) => `new violation ${violation.rule}: ${violation.message}`);
  const override = overrideReason(input.message);
  if (override === undefined) return deny(found);
  if (!hasAnyRole(input.authorRoles, OVERRIDE_ROLES)) {
    return deny([...found, `${input.author} may not override (an override needs the reviewer or admin role)`]);
  }
  return { hook: 'compliance', allowed: true, reasons: [...found, `overridden by ${input.author}: ${override}`] };
}

function deny(reasons: string[]): HookVerdict {
  return { hook: 'compliance', allowed: false, reasons };
}

function violationsOf(content: JsonValue, asOf: string): { violations: Violation[] } | { failure: string } {
  const reading = readPlan(content);
  if (!reading.ok) return { failure: 'the plan does not parse as plan format v1' };
  try {
    const result = checkPlan(reading.plan, { asOf });
    return { violations: result.violations.filter((violation) => violation.severity === 'error') };
  } catch (err) {
    return { failure: `the compliance engine could not check the plan: ${(err as Error).message}` };
  }
}

/** The same rule on the same elements is the same violation, whatever the numbers now say. */
function violationKey(violation: Violation): string {
  return `${violation.rule}|${[...violation.elements].sort().join(',')}`;
}

/** The reason of the message's first `Override:` line with text after it. */
function overrideReason(message: string): string | undefined {
  for (const line of message.split(/\r?\n/)) {
    const match = /^\s*Override:\s*(.*\S)\s*$/.exec(line);
    if (match) return match[1];
  }
  return undefined;
}
