import { z } from 'zod';
import { durationSchema } from '../durations';
import { lazySchema } from '../lazy-schema';
import { analysisConfigSchema, healthConfigSchema, httpChecksSchema } from './deploy-check-schemas';
import { deployNameSchema, refuseDuplicateNames } from './deploy-config-fields';
import { targetConfigSchema } from './deploy-target-schemas';
import type { DeploymentsConfig, EnvironmentConfig, ReviewersConfig } from './deploy-types';
import { windowsConfigSchema } from './deploy-window-schemas';

/**
 * The `deployments:` section of arxflow.config.yaml: services, their environments, targets,
 * checks, reviewers, windows, steps and analysis (shapes in deploy-types.ts, parts in
 * deploy-*-schemas.ts). Everything a deployment would trip over later is refused here with
 * the field named, so a bad file stops the service at start, not a deployment halfway.
 */

const reviewersSchema = lazySchema(() =>
  z
    .strictObject({
      users: z
        .array(z.string().trim().min(1, 'must not be empty'), { error: 'must be a list of user ids' })
        .default([]),
      roles: z
        .array(z.string().trim().min(1, 'must not be empty'), { error: 'must be a list of role names' })
        .default([]),
      quorum: z.number({ error: 'must be a number of approvals' }).int('must be a whole number').default(1),
      deadline: durationSchema,
      remindEvery: durationSchema.optional(),
      notify: z
        .array(
          z
            .strictObject({
              slack: z.string().trim().min(1).optional(),
              email: z.email('must be an email address').optional(),
            })
            .refine((target) => target.slack !== undefined || target.email !== undefined, 'set slack or email'),
          { error: 'must be a list of {slack} or {email}' },
        )
        .default([]),
    })
    .superRefine((reviewers, ctx) => {
      if (reviewers.users.length === 0 && reviewers.roles.length === 0)
        ctx.addIssue({ code: 'custom', path: ['users'], message: 'name reviewers: users, roles or both' });
      if (reviewers.quorum < 1) ctx.addIssue({ code: 'custom', path: ['quorum'], message: 'must be at least 1' });
      else if (reviewers.roles.length === 0 && reviewers.users.length > 0 && reviewers.quorum > reviewers.users.length)
        ctx.addIssue({
          code: 'custom',
          path: ['quorum'],
          message: `${reviewers.quorum} approvals can never come from ${reviewers.users.length} user(s) and no roles`,
        });
      if (new Set(reviewers.users).size !== reviewers.users.length)
        ctx.addIssue({ code: 'custom', path: ['users'], message: 'names a user twice' });
    }),
);

const stepsSchema = lazySchema(() =>
  z
    .array(z.number({ error: 'must be a percentage' }).int('must be a whole percentage'), {
      error: 'must be a list of percentages such as [10, 50, 100]',
    })
    .min(1, 'list at least one step (100)')
    .default([100])
    .superRefine((steps, ctx) => {
      steps.forEach((step, index) => {
        if (step < 1 || step > 100)
          ctx.addIssue({ code: 'custom', path: [index], message: 'must be 1..100 (percent of the traffic)' });
        else if (index > 0 && step <= steps[index - 1]!)
          ctx.addIssue({
            code: 'custom',
            path: [index],
            message: `must be more than the step before (${steps[index - 1]})`,
          });
      });
      if (steps.length > 0 && steps.at(-1) !== 100)
        ctx.addIssue({ code: 'custom', path: [steps.length - 1], message: 'the last step must be 100' });
    }),
);

const environmentSchema = lazySchema(() =>
  z.strictObject({
    name: deployNameSchema,
    after: deployNameSchema.optional(),
    target: targetConfigSchema,
    health: healthConfigSchema.optional(),
    smoke: httpChecksSchema.default([]),
    approval: reviewersSchema.optional(),
    windows: windowsConfigSchema.optional(),
    steps: stepsSchema,
    analysis: analysisConfigSchema.optional(),
    watch: durationSchema.optional(),
  }),
);

/** `after` must name another environment of the service, and following it must end. */
function refuseBadAfter(environments: EnvironmentConfig[], ctx: z.RefinementCtx): void {
  const byName = new Map(environments.map((environment) => [environment.name, environment]));
  environments.forEach((environment, index) => {
    if (environment.after === undefined) return;
    const path = ['environments', index, 'after'];
    if (environment.after === environment.name)
      return ctx.addIssue({ code: 'custom', path, message: 'must name another environment, not itself' });
    if (!byName.has(environment.after))
      return ctx.addIssue({
        code: 'custom',
        path,
        message: `unknown environment "${environment.after}" (known: ${[...byName.keys()].join(', ')})`,
      });
    const seen = [environment.name];
    for (
      let next = byName.get(environment.after);
      next;
      next = next.after === undefined ? undefined : byName.get(next.after)
    ) {
      if (seen.includes(next.name))
        return ctx.addIssue({ code: 'custom', path, message: `makes a cycle: ${[...seen, next.name].join(' -> ')}` });
      seen.push(next.name);
    }
  });
}

const serviceSchema = lazySchema(() =>
  z
    .strictObject({
      name: deployNameSchema,
      quality: z
        .strictObject({
          repo: z.string().trim().min(1, 'must name the repository'),
          required: z.boolean({ error: 'must be true or false' }).default(true),
          source: z.string().trim().min(1, 'must name where the repository is cloned from').optional(),
        })
        .optional(),
      environments: z
        .array(environmentSchema, { error: 'must be a list of environments' })
        .min(1, 'list at least one environment'),
    })
    .superRefine((service, ctx) => {
      refuseDuplicateNames(service.environments, (index) => ['environments', index, 'name'], 'environment', ctx);
      refuseBadAfter(service.environments, ctx);
    }),
);

export const deploymentsConfigSchema = lazySchema(() =>
  z
    .strictObject({ services: z.array(serviceSchema, { error: 'must be a list of services' }).default([]) })
    .superRefine((config, ctx) =>
      refuseDuplicateNames(config.services, (index) => ['services', index, 'name'], 'service', ctx),
    ),
);

// Compile-time: the schema produces exactly the contract's DeploymentsConfig.
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const configExact: [
  Same<z.output<typeof deploymentsConfigSchema>, DeploymentsConfig>,
  Same<z.output<typeof reviewersSchema>, ReviewersConfig>,
] = [true, true];
void configExact;
