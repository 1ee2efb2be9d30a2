import type { CycleDiff } from './review-types';
import type { Violation } from './violation';

/**
 * What changed between two checked plan versions: violations resolved, new and still
 * there. A violation is the same finding when the rule and its elements match; its
 * numbers may change (a door widened from 28 to 30 in is still too narrow: persisting).
 */
export function diffViolations(
  fromCycle: number,
  before: readonly Violation[],
  toCycle: number,
  after: readonly Violation[],
): CycleDiff {
  const beforeKeys = new Set(before.map(findingKey));
  const afterKeys = new Set(after.map(findingKey));
  return {
    fromCycle,
    toCycle,
    resolved: before.filter((v) => !afterKeys.has(findingKey(v))),
    new: after.filter((v) => !beforeKeys.has(findingKey(v))),
    persisting: after.filter((v) => beforeKeys.has(findingKey(v))),
  };
}

export function findingKey(violation: Violation): string {
  return `${violation.rule}|${[...violation.elements].sort().join(',')}`;
}
