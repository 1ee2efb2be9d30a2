import { z } from 'zod';
import { lazySchema } from '../lazy-schema';
import { deploymentsConfigSchema } from './deploy-config';
import { deployNameSchema } from './deploy-config-fields';
import type { DeploymentInput, ServiceConfig } from './deploy-types';
import { versionSchema } from './versions';

/**
 * The `deployment` workflow's start input, parsed in the workflow (parseWorkflowInput): the
 * service's config copied in at start is checked with the config file's own schema, so a
 * hand-made start (the Web UI's form, a script) is refused with the field named, as a bad
 * config file would be, before anything runs.
 */
export const deploymentInputSchema = lazySchema(() =>
  z
    .strictObject({
      service: deployNameSchema,
      environment: deployNameSchema,
      version: versionSchema,
      artifact: z.string().trim().min(1).max(1000).optional(),
      commit: z.string().trim().min(1).max(200).optional(),
      requestedBy: z.string().trim().min(1).max(200),
      whenBusy: z.enum(['wait', 'refuse']),
      config: z.unknown(),
      configDir: z.string().max(4000),
    })
    .transform((input, ctx): DeploymentInput => {
      const parsed = deploymentsConfigSchema.safeParse({ services: [input.config] });
      if (!parsed.success) {
        for (const issue of parsed.error.issues)
          ctx.addIssue({ code: 'custom', path: ['config', ...issue.path.slice(2)], message: issue.message });
        return z.NEVER;
      }
      const config: ServiceConfig = parsed.data.services[0]!;
      if (config.name !== input.service)
        ctx.addIssue({ code: 'custom', path: ['config', 'name'], message: `must be the service, ${input.service}` });
      return { ...input, config };
    }),
);
