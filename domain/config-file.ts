import { z } from 'zod';
import { complianceConfigSchema } from './compliance-review-schemas';
import { deploymentsConfigSchema } from './deploy/deploy-config';
import { escalationConfigSchema } from './alerts/escalation-policy-schemas';
import { metricRulesSchema } from './alerts/metric-rules-schemas';
import { slackConfigSchema } from './slack-config';
import { lazySchema } from './lazy-schema';
import { schedulesConfigSchema } from './schedule-config';
import { syncConfigSchema } from './sync/sync-config';

/**
 * arxflow.config.yaml (ARXFLOW_CONFIG): the declared schedules, the webhook sources and
 * the alert escalation policies. The webhooks section is parsed by its own schema
 * (domain/webhook-config.ts) when the gateway loads it, together with the secrets from the
 * environment. The escalation section has no secrets, so it is checked here and a mistake
 * names the file and the field; left out, DEFAULT_ESCALATION applies. The metricRules
 * section likewise (parsed into ThresholdRule[], ready for the metric evaluator workflow).
 * The compliance section names each jurisdiction's plan reviewers, supervisor and review
 * policy: what a review start may not choose (domain/compliance-review-schemas.ts).
 * The deployments section describes each service's environments, targets, checks,
 * reviewers, freeze windows, steps and analysis (domain/deploy/deploy-config.ts).
 * The sync section names who hears of document commits and may lower the content limit
 * (domain/sync/sync-config.ts).
 */
/**
 * Escalation when the config file has no `escalation:` section (the shipped
 * arxflow.config.yaml spells the same policy out). Both targets work without Slack or SMTP
 * configured: unsent notifications land in the outbox table and the log.
 */
export const DEFAULT_ESCALATION = {
  default: 'default',
  policies: [
    {
      name: 'default',
      levels: [
        { notify: [{ slack: '#ops' }], escalateAfter: '15 minutes' },
        { notify: [{ email: 'oncall@example.com' }] },
      ],
    },
  ],
};

export const configFileSchema = lazySchema(() =>
  z
    .object({
      schedules: schedulesConfigSchema.default([]),
      webhooks: z.unknown().optional(),
      // prefault: the default goes through the schema too, so it is checked like a written one.
      escalation: escalationConfigSchema.prefault(DEFAULT_ESCALATION),
      // Threshold rules for POST /v1/metrics (`metricRules: {rules: [...]}`); empty or left out: none.
      metricRules: z.preprocess((section) => section ?? {}, metricRulesSchema),
      // Plan review teams per jurisdiction (`compliance: {jurisdictions: [...]}`); left out: none, every review start is refused.
      compliance: z.preprocess((section) => section ?? {}, complianceConfigSchema),
      // Services that `arxflow deploy` may deploy (`deployments: {services: [...]}`); left out: none.
      deployments: z.preprocess((section) => section ?? {}, deploymentsConfigSchema),
      // Who hears of document commits, and a lower content limit (`sync: {subscribers: [...]}`); left out: none, the platform's limit.
      sync: z.preprocess((section) => section ?? {}, syncConfigSchema),
      // Slack users and the arxflow identity their /arxflow commands run as (`slack: {users: {U...: {subject, roles}}}`); left out: none, every one refused.
      slack: z.preprocess((section) => section ?? {}, slackConfigSchema),
    })
    .strict(),
);

export type ConfigFile = z.output<typeof configFileSchema>;
