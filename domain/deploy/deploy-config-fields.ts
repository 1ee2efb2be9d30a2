import { z } from 'zod';
import { lazySchema } from '../lazy-schema';
import { TEMPLATE_VARIABLES, templateProblem } from './templates';

/** Field schemas the parts of the `deployments:` config section share. */

/** Service and environment names: they go into workflow ids, paths and search attributes. */
export const DEPLOY_NAME = /^[a-z][a-z0-9-]{0,62}$/;

export const deployNameSchema = lazySchema(() =>
  z
    .string({ error: 'must be a name such as "example-web"' })
    .regex(DEPLOY_NAME, 'must be lower-case letters, digits and "-", starting with a letter, at most 63 characters'),
);

/** A short label (a check's or metric's name). */
export const labelSchema = lazySchema(() =>
  z.string({ error: 'must be text' }).trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters'),
);

/** A template: text whose `{{variables}}` are all in `known`. */
export function templateSchema(known: readonly string[] = TEMPLATE_VARIABLES) {
  return z
    .string({ error: 'must be text' })
    .trim()
    .min(1, 'must not be empty')
    .max(4096, 'must be at most 4096 characters')
    .superRefine((text, ctx) => {
      const problem = templateProblem(text, known);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });
}

export const portSchema = lazySchema(() =>
  z
    .number({ error: 'must be a port number' })
    .int('must be a whole number')
    .min(1, 'must be 1..65535')
    .max(65535, 'must be 1..65535'),
);

/** Names of a list's items that occur twice, reported at the second one (`path(index)`). */
export function refuseDuplicateNames(
  items: readonly { name: string }[],
  path: (index: number) => PropertyKey[],
  what: string,
  ctx: z.RefinementCtx,
): void {
  const first = new Map<string, number>();
  items.forEach((item, index) => {
    const earlier = first.get(item.name);
    if (earlier === undefined) first.set(item.name, index);
    else
      ctx.addIssue({
        code: 'custom',
        path: path(index),
        message: `${what} "${item.name}" is already defined (${earlier})`,
      });
  });
}
