import { z } from 'zod';
import { lazySchema } from '../lazy-schema';
import { isTimeZone } from '../time-zones';
import type { WindowsConfig } from './deploy-types';
import { parseWindowRange, rangesOverlap, rangeText, type ParsedRange } from './window-ranges';

/** An environment's freeze windows (`windows:`): a zone, allowed ranges and blackouts, none overlapping its own kind. */

const windowRangeSchema = lazySchema(() =>
  z
    .strictObject({
      from: z.string({ error: 'must be "fri 16:00" or "2026-12-20"' }),
      to: z.string({ error: 'must be "mon 08:00" or "2027-01-04"' }),
    })
    .superRefine((range, ctx) => {
      const parsed = parseWindowRange(range);
      if ('problem' in parsed) ctx.addIssue({ code: 'custom', path: [parsed.field], message: parsed.problem });
    }),
);

/** Two ranges of one list that share a moment, reported at the later one. */
function refuseOverlaps(ranges: { from: string; to: string }[], what: string, ctx: z.RefinementCtx): void {
  const parsed: Array<ParsedRange | undefined> = ranges.map((range) => {
    const result = parseWindowRange(range);
    return 'range' in result ? result.range : undefined;
  });
  parsed.forEach((range, index) => {
    if (!range) return;
    const earlier = parsed.findIndex((other, otherIndex) => otherIndex < index && other && rangesOverlap(other, range));
    if (earlier >= 0)
      ctx.addIssue({
        code: 'custom',
        path: [what, index],
        message: `${rangeText(ranges[index]!)} overlaps ${what} ${earlier} (${rangeText(ranges[earlier]!)}): merge them into one range`,
      });
  });
}

export const windowsConfigSchema = lazySchema(() =>
  z
    .strictObject({
      timezone: z
        .string({ error: 'must be an IANA time zone such as "Europe/Berlin"' })
        .trim()
        .refine(isTimeZone, 'must be an IANA time zone such as "Europe/Berlin"'),
      allowed: z.array(windowRangeSchema, { error: 'must be a list of {from, to}' }).default([]),
      blackouts: z.array(windowRangeSchema, { error: 'must be a list of {from, to}' }).default([]),
    })
    .superRefine((windows, ctx) => {
      refuseOverlaps(windows.allowed, 'allowed', ctx);
      refuseOverlaps(windows.blackouts, 'blackouts', ctx);
    }),
);

type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const windowsExact: Same<z.output<typeof windowsConfigSchema>, WindowsConfig> = true;
void windowsExact;
