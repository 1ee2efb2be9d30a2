import { z } from 'zod';
import { lazySchema } from './lazy-schema';

const DURATION = /^\d+(\.\d+)?\s*(ms|milliseconds?|s|seconds?|m|minutes?|h|hours?|d|days?|w|weeks?)$/i;

/** A duration in Temporal's string form ("30 days", "90s", "2h"). */
export const durationSchema = lazySchema(() =>
  z.string().trim().regex(DURATION, 'must be a duration such as "90s", "15 minutes" or "30 days"'),
);

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Milliseconds of a duration that durationSchema accepted ("90s", "5 minutes"). */
export function durationToMs(duration: string): number {
  const [, amount = '0', unit = ''] = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/i.exec(duration.trim()) ?? [];
  const lower = unit.toLowerCase();
  const factor = lower === 'ms' || lower.startsWith('milli') ? 1 : (UNIT_MS[lower.charAt(0)] ?? Number.NaN);
  return Math.round(Number(amount) * factor);
}
