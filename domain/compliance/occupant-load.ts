import type { Plan } from './plan-schema';
import type { OccupantLoadRule } from './rules';
import { violationOf, type Violation } from './violation';

/**
 * IBC 1004.5: area / factor, rounded up. The correction step keeps the result from ever
 * under-counting when a float quotient lands a hair below a whole number.
 */
export function occupantLoad(areaSqft: number, sqftPerOccupant: number): number {
  if (areaSqft <= 0) return 0;
  let load = Math.ceil(areaSqft / sqftPerOccupant);
  while (load * sqftPerOccupant < areaSqft) load += 1;
  return load;
}

/** Loads aligned with plan.spaces, and a warning for each net area measured against a gross factor. */
export function spaceOccupantLoads(plan: Plan, rule: OccupantLoadRule): { loads: number[]; warnings: Violation[] } {
  const loads: number[] = [];
  const warnings: Violation[] = [];
  for (const space of plan.spaces) {
    const factor = rule.factors[space.use];
    loads.push(occupantLoad(space.areaSqft, factor.sqftPerOccupant));
    if (space.areaBasis === 'net' && factor.basis === 'gross') {
      warnings.push(
        violationOf(rule, {
          elements: [space.id],
          required: 'gross',
          actual: 'net',
          unit: 'area basis',
          message: `Space ${space.id}: the ${space.use} factor (${factor.sqftPerOccupant} sq ft per occupant) applies to gross area; a net area under-counts occupants`,
        }),
      );
    }
  }
  return { loads, warnings };
}
