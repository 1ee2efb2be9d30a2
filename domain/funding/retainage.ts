import { z } from 'zod';
import { lazySchema } from '../lazy-schema';
import { InputError, issuesText, parseInput } from '../validation';
import {
  applyBasisPointsRoundHalfUp,
  currencySchema,
  formatMoney,
  minorUnitsSchema,
  percentSchema,
  toBasisPoints,
  type MinorUnits,
} from './money';

/**
 * One line of a draw's schedule of values. A line may state its currency; when it does it
 * must be the release's, so amounts in another currency are refused instead of summed.
 */
export const budgetLineSchema = lazySchema(() =>
  z
    .object({
      lineId: z.string({ error: 'must be a line id' }).min(1, { error: 'must not be empty' }).max(200),
      description: z.string({ error: 'must be a text' }).max(500),
      scheduledValue: minorUnitsSchema,
      previouslyReleased: minorUnitsSchema.default(0),
      requestedAmount: minorUnitsSchema,
      currency: currencySchema.optional(),
    })
    .strict(),
);

export type BudgetLine = z.input<typeof budgetLineSchema>;

/**
 * The most lines one draw carries. A building's schedule of values runs to a few hundred
 * lines; at most about 1 KiB each, 1,000 keep a gate's input and state well under Temporal's
 * 2 MiB payload limit on every path in (the gateway, the CLI, a client starting the gate directly).
 */
export const MAX_DRAW_LINES = 1_000;

/** A draw's lines: at least one, at most MAX_DRAW_LINES. */
export const drawLinesSchema = lazySchema(() =>
  z
    .array(budgetLineSchema)
    .min(1)
    .max(MAX_DRAW_LINES, { error: `must have at most ${MAX_DRAW_LINES} lines (one draw's schedule of values)` }),
);

const projectPercentSchema = lazySchema(() =>
  z
    .number({ error: 'must be a percentage (a number from 0 to 100)' })
    .min(0, { error: 'must be at least 0 (percent)' })
    .max(100, { error: 'must be at most 100 (percent)' }),
);

/**
 * Retainage: the share of each approved amount held back until the work is accepted.
 * A line's rate is perLine[lineId], else stepDown.percent once the project is at least
 * whenProjectPercentComplete done, else percent. perLine entries for lines that are not in
 * this draw are allowed: a policy usually covers the whole contract, a draw only some lines.
 */
export const retainagePolicySchema = lazySchema(() =>
  z
    .object({
      percent: percentSchema,
      stepDown: z
        .object({ whenProjectPercentComplete: projectPercentSchema, percent: percentSchema })
        .strict()
        .optional(),
      perLine: z.record(z.string(), percentSchema).optional(),
    })
    .strict(),
);

export type RetainagePolicy = z.infer<typeof retainagePolicySchema>;

/** Lines missing from approvedAmounts are approved at 0 (nothing released for them this time). */
export const releaseInputSchema = lazySchema(() =>
  z
    .object({
      lines: z.array(budgetLineSchema).min(1, { error: 'must list at least one budget line' }),
      approvedAmounts: z.record(z.string(), minorUnitsSchema),
      policy: retainagePolicySchema,
      projectPercentComplete: projectPercentSchema,
      currency: currencySchema,
    })
    .strict(),
);

export type ReleaseInput = z.input<typeof releaseInputSchema>;
type ParsedReleaseInput = z.output<typeof releaseInputSchema>;

export interface LineRelease {
  lineId: string;
  description: string;
  scheduledValue: MinorUnits;
  previouslyReleased: MinorUnits;
  requested: MinorUnits;
  approved: MinorUnits;
  /** Percent, e.g. 10 or 7.5. */
  retainageRate: number;
  retainageHeld: MinorUnits;
  /** approved - retainageHeld: what reaches the payee now. */
  releasedNow: MinorUnits;
  /** scheduledValue - previouslyReleased - approved: what is left to draw on the line after this release. */
  remaining: MinorUnits;
}

export type ReleaseTotals = Omit<LineRelease, 'lineId' | 'description' | 'retainageRate'>;

export interface ReleaseComputation {
  currency: string;
  projectPercentComplete: number;
  lines: LineRelease[];
  totals: ReleaseTotals;
}

/** The retainage rate (percent) that applies to one line. */
export function retainageRateFor(policy: RetainagePolicy, lineId: string, projectPercentComplete: number): number {
  const perLine = policy.perLine?.[lineId];
  if (perLine !== undefined) return perLine;
  const stepDown = policy.stepDown;
  if (stepDown && projectPercentComplete >= stepDown.whenProjectPercentComplete) return stepDown.percent;
  return policy.percent;
}

/**
 * What each line releases now and holds back. Throws an InputError naming every offending
 * field; on success releasedNow + retainageHeld = approved and approved <= requested <=
 * remaining for every line, and the totals are the sums of the lines.
 */
export function computeRelease(input: ReleaseInput): ReleaseComputation {
  const parsed = parseInput(releaseInputSchema, input, 'release');
  refuseInconsistentAmounts(parsed);
  const lines = parsed.lines.map((line): LineRelease => {
    const approved = parsed.approvedAmounts[line.lineId] ?? 0;
    const retainageRate = retainageRateFor(parsed.policy, line.lineId, parsed.projectPercentComplete);
    const retainageHeld = applyBasisPointsRoundHalfUp(approved, toBasisPoints(retainageRate));
    return {
      lineId: line.lineId,
      description: line.description,
      scheduledValue: line.scheduledValue,
      previouslyReleased: line.previouslyReleased,
      requested: line.requestedAmount,
      approved,
      retainageRate,
      retainageHeld,
      releasedNow: approved - retainageHeld,
      remaining: line.scheduledValue - line.previouslyReleased - approved,
    };
  });
  return {
    currency: parsed.currency,
    projectPercentComplete: parsed.projectPercentComplete,
    lines,
    totals: sumLines(lines),
  };
}

function sumLines(lines: LineRelease[]): ReleaseTotals {
  const totals: ReleaseTotals = {
    scheduledValue: 0,
    previouslyReleased: 0,
    requested: 0,
    approved: 0,
    retainageHeld: 0,
    releasedNow: 0,
    remaining: 0,
  };
  for (const line of lines) {
    for (const key of Object.keys(totals) as (keyof ReleaseTotals)[]) totals[key] += line[key];
  }
  return totals;
}

/** The cross-field rules a schema cannot state: checked only once every field parsed. */
function refuseInconsistentAmounts(input: ParsedReleaseInput): void {
  const issues: { path: string; message: string }[] = [];
  const refuse = (path: string, message: string) => issues.push({ path, message });
  const money = (amount: MinorUnits) => formatMoney(amount, input.currency);
  const indexById = new Map<string, number>();
  let totalScheduled = 0;

  input.lines.forEach((line, i) => {
    const first = indexById.get(line.lineId);
    if (first !== undefined) refuse(`lines.${i}.lineId`, `duplicate of lines.${first}.lineId "${line.lineId}"`);
    else indexById.set(line.lineId, i);
    if (line.currency !== undefined && line.currency !== input.currency) {
      refuse(`lines.${i}.currency`, `${line.currency} does not match the release currency ${input.currency}`);
    }
    totalScheduled += line.scheduledValue;
    if (line.previouslyReleased > line.scheduledValue) {
      refuse(`lines.${i}.previouslyReleased`, `above the line's scheduled value ${money(line.scheduledValue)}`);
      return;
    }
    const remaining = line.scheduledValue - line.previouslyReleased;
    if (line.requestedAmount > remaining) {
      refuse(`lines.${i}.requestedAmount`, `above the line's remaining value ${money(remaining)}`);
    }
  });
  // Every other total is bounded by the scheduled total, so this one check keeps all sums exact.
  if (totalScheduled > Number.MAX_SAFE_INTEGER)
    refuse('lines', 'the total scheduled value is above the largest exact amount');

  for (const [lineId, approved] of Object.entries(input.approvedAmounts)) {
    const i = indexById.get(lineId);
    const line = i === undefined ? undefined : input.lines[i];
    if (line === undefined) refuse(`approvedAmounts.${lineId}`, 'no budget line has this lineId');
    else if (approved > line.requestedAmount) {
      refuse(`approvedAmounts.${lineId}`, `above the amount requested on lines.${i} (${money(line.requestedAmount)})`);
    }
  }

  if (issues.length > 0) {
    throw new InputError(`release: ${issuesText(issues)}`, issues);
  }
}
