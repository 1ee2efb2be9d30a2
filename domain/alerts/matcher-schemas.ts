import { z } from 'zod';
import { lazySchema } from '../lazy-schema';
import { MatcherSyntaxError, parseMatcher, type LabelMatcher } from './matchers';

/** One matcher string or a list of them (`team="infra"`), checked one by one so the error names the entry. */
export const matcherListSchema = lazySchema(() =>
  z
    .union([z.string(), z.array(z.string({ error: 'must be a matcher such as team="infra"' }))], {
      error: 'must be a matcher such as team="infra" or a list of them',
    })
    .transform((value) => (Array.isArray(value) ? value : [value]))
    .superRefine((texts, ctx) => {
      texts.forEach((text, index) => {
        try {
          parseMatcher(text);
        } catch (err) {
          if (!(err instanceof MatcherSyntaxError)) throw err;
          ctx.addIssue({ code: 'custom', path: [index], message: err.message });
        }
      });
    })
    .transform((texts): LabelMatcher[] => texts.map(parseMatcher)),
);
