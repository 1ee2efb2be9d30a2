import { z } from 'zod';

const DURATION = /^\d+(\.\d+)?\s*(ms|milliseconds?|s|seconds?|m|minutes?|h|hours?|d|days?|w|weeks?)$/i;

/** A duration in Temporal's string form ("30 days", "90s", "2h"). */
export const durationSchema = z
  .string()
  .trim()
  .regex(DURATION, 'must be a duration such as "90s", "15 minutes" or "30 days"');
