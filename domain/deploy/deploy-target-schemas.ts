import { z } from 'zod';
import { durationSchema } from '../durations';
import { lazySchema } from '../lazy-schema';
import { portSchema, templateSchema } from './deploy-config-fields';
import type { KubectlTargetConfig, LocalTargetConfig } from './deploy-types';
import { TEMPLATE_VARIABLES } from './templates';

/** Where an environment runs (`target:` of an environment in the `deployments:` config section). */

/** A target's own URLs cannot refer to themselves. */
const TARGET_URL_VARIABLES = TEMPLATE_VARIABLES.filter((name) => name !== 'baseUrl' && name !== 'publicUrl');

/** A Kubernetes object name (RFC 1123 subdomain); they become kubectl arguments. */
const k8sNameSchema = lazySchema(() =>
  z
    .string({ error: 'must be a Kubernetes name' })
    .regex(
      /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/,
      'must be a Kubernetes name: lower-case letters, digits, "-" and "."',
    ),
);

const localTargetSchema = lazySchema(() =>
  z
    .strictObject({
      type: z.literal('local'),
      dir: z.string().trim().min(1, 'must not be empty').optional(),
      artifact: templateSchema(TARGET_URL_VARIABLES),
      start: templateSchema(TARGET_URL_VARIABLES),
      env: z
        .record(
          z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name'),
          z.string({ error: 'must be text' }),
        )
        .optional(),
      port: portSchema,
      slotPorts: z.tuple([portSchema, portSchema], { error: 'must be two ports, such as [8101, 8102]' }),
      stopTimeout: durationSchema.default('10 seconds'),
    })
    .superRefine((target, ctx) => {
      const [blue, green] = target.slotPorts;
      if (blue === green)
        ctx.addIssue({ code: 'custom', path: ['slotPorts', 1], message: 'must differ from the other slot port' });
      target.slotPorts.forEach((port, index) => {
        if (port === target.port)
          ctx.addIssue({
            code: 'custom',
            path: ['slotPorts', index],
            message: `must differ from port ${target.port} (the proxy listens there)`,
          });
      });
    }),
);

const kubectlTargetSchema = lazySchema(() =>
  z.strictObject({
    type: z.literal('kubectl'),
    kubectl: z.string().trim().min(1, 'must not be empty').default('kubectl'),
    context: z.string().trim().min(1, 'must not be empty').optional(),
    namespace: k8sNameSchema,
    deployment: k8sNameSchema,
    container: k8sNameSchema,
    image: templateSchema(TARGET_URL_VARIABLES).refine(
      (image) => /\{\{\s*version\s*\}\}/.test(image),
      'must contain {{version}}, such as "registry.example/web:{{version}}"',
    ),
    rolloutTimeout: durationSchema.default('5 minutes'),
    canary: z
      .strictObject({
        rollout: k8sNameSchema.optional(),
        deployment: k8sNameSchema.optional(),
        replicas: z.number().int('must be a whole number').min(1, 'must be at least 1').optional(),
      })
      .refine((canary) => canary.rollout !== undefined || canary.deployment !== undefined, {
        message: 'name an Argo rollout or a canary deployment',
      })
      .optional(),
    baseUrl: templateSchema(TARGET_URL_VARIABLES).optional(),
    publicUrl: templateSchema(TARGET_URL_VARIABLES).optional(),
  }),
);

export const targetConfigSchema = lazySchema(() =>
  z.discriminatedUnion('type', [localTargetSchema, kubectlTargetSchema], { error: 'type must be local or kubectl' }),
);

type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const targetsExact: [
  Same<z.output<typeof localTargetSchema>, LocalTargetConfig>,
  Same<z.output<typeof kubectlTargetSchema>, KubectlTargetConfig>,
] = [true, true];
void targetsExact;
