import { z } from 'zod';
import { lazySchema } from '../lazy-schema';
import { durationSchema, durationToMs } from '../durations';
import { InputError, parseInput } from '../validation';
import {
  LABEL_NAME,
  matcherFromApi,
  matcherProblem,
  matchesEverything,
  MatcherSyntaxError,
  parseMatcher,
  type LabelMatcher,
} from './matchers';
import type { Silence } from './silences';

/**
 * A silence as an operator creates it (gateway or CLI), parsed into silences.ts's Silence.
 * Matchers are Alertmanager strings (`team="infra"`) or Alertmanager API v2 objects
 * ({name, value, isRegex, isEqual}), so an amtool or API silence can be pasted as is.
 *
 *   { "matchers": ["service=\"billing\"", "env=~\"prod|staging\""],
 *     "startsAt": "2025-03-01T22:00:00Z", "endsAt": "2025-03-02T02:00:00Z",   # or "duration": "4 hours"
 *     "comment": "database maintenance" }
 */

export const DEFAULT_MAX_SILENCE_MS = 90 * 86_400_000;

const apiMatcherSchema = lazySchema(() =>
  z.strictObject({
    name: z.string().regex(LABEL_NAME, 'label names are letters, digits and _'),
    value: z.string(),
    isRegex: z.boolean(),
    isEqual: z.boolean().optional(),
  }),
);

const matcherEntrySchema = lazySchema(() =>
  z
    .union([z.string(), apiMatcherSchema], {
      error: 'must be a matcher such as team="infra" or {name, value, isRegex}',
    })
    .transform((entry, ctx): LabelMatcher => {
      try {
        const matcher = typeof entry === 'string' ? parseMatcher(entry) : matcherFromApi(entry);
        const problem = matcherProblem(matcher);
        if (problem) throw new MatcherSyntaxError(problem);
        return matcher;
      } catch (err) {
        if (!(err instanceof MatcherSyntaxError)) throw err;
        ctx.addIssue({ code: 'custom', message: err.message });
        return z.NEVER;
      }
    }),
);

const isoTimeSchema = lazySchema(() =>
  z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time such as 2025-03-01T22:00:00Z' }),
);

export const silenceRequestSchema = lazySchema(() =>
  z
    .strictObject({
      matchers: z
        .array(matcherEntrySchema, { error: 'must be a list of matchers' })
        .min(1, 'name at least one matcher')
        .max(50),
      startsAt: isoTimeSchema.optional(),
      endsAt: isoTimeSchema.optional(),
      duration: durationSchema.transform(durationToMs).optional(),
      comment: z
        .string({ error: 'required: why (shown with every suppressed notification)' })
        .trim()
        .min(1, 'required: why')
        .max(2000),
    })
    .superRefine((request, ctx) => {
      if ((request.endsAt === undefined) === (request.duration === undefined)) {
        ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'give either endsAt or duration' });
      }
      if (request.matchers.length > 0 && matchesEverything(request.matchers)) {
        ctx.addIssue({
          code: 'custom',
          path: ['matchers'],
          message: 'at least one matcher must not match an empty label (this would silence every alert)',
        });
      }
    }),
);

export interface SilenceContext {
  /** Chosen by the caller (a UUID from the gateway), so a retried create is idempotent. */
  id: string;
  /** From the caller's credentials, never from the body. */
  createdBy: string;
  now: number;
  maxDurationMs?: number;
}

/** Parses a create-silence request; throws InputError naming each field (an end in the past, too long, ...). */
export function parseSilenceRequest(body: unknown, context: SilenceContext): Silence {
  const request = parseInput(silenceRequestSchema, body, 'silence');
  const startsAt = Math.max(request.startsAt ? Date.parse(request.startsAt) : context.now, context.now);
  const endsAt = request.endsAt ? Date.parse(request.endsAt) : startsAt + (request.duration ?? 0);
  const max = context.maxDurationMs ?? DEFAULT_MAX_SILENCE_MS;
  const refuse = (message: string) => {
    throw new InputError(`silence: endsAt: ${message}`, [{ path: 'endsAt', message }]);
  };
  if (endsAt <= startsAt) refuse(`must be after the start (${new Date(startsAt).toISOString()})`);
  if (endsAt - startsAt > max) refuse(`a silence lasts at most ${Math.round(max / 86_400_000)} days`);
  return {
    id: context.id,
    matchers: request.matchers,
    startsAt: new Date(startsAt).toISOString(),
    endsAt: new Date(endsAt).toISOString(),
    createdBy: context.createdBy,
    comment: request.comment,
  };
}
