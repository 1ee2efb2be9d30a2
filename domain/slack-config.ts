import { z } from 'zod';
import { lazySchema } from './lazy-schema';
import { roleSchema } from './roles';

/**
 * The config file's `slack:` section. `users` maps a Slack user id (U...) to the arxflow
 * identity its `/arxflow` commands run as (issue #16): the workflows' own rules then decide
 * as for the typed command. A Slack user not listed is refused.
 */
export const slackConfigSchema = lazySchema(() =>
  z
    .object({
      users: z
        .record(
          z.string().regex(/^[UW][A-Z0-9]{2,30}$/, 'a Slack user id (U... or W...)'),
          z.object({ subject: z.string().min(1).max(200), roles: z.array(roleSchema).default([]) }).strict(),
        )
        .default({}),
    })
    .strict(),
);
export type SlackConfig = z.output<typeof slackConfigSchema>;
