import { z } from 'zod';
import { lazySchema } from '../lazy-schema';
import { isSafeDedupKey } from './dedup';
import { policyProblem, TARGET_KINDS, URGENCIES, type EscalationPolicy } from './escalation-policy';
import { SEVERITIES } from './types';

/**
 * The alertEscalation start input: the workflow parses it (parseWorkflowInput: a refused
 * input fails the run at once, non-retryable InvalidInput) and so does a direct start at the
 * gateway. The intake builds valid inputs; this guards a start by hand (API, CLI, Web UI),
 * where a malformed input would otherwise fail the workflow's first task again and again.
 *
 * It accepts exactly what the hand-written check before it accepted (runs already started
 * must start the same way on replay): objects keep keys it does not name (looseObject), a
 * policy here is the internal shape (durations in ms, as escalation-policy-schemas builds it
 * from YAML), and nothing is transformed: the workflow goes on with the input as it came.
 */

const text = (message: string) => z.string({ error: message }).min(1, message);
// Not z.record: it wants a plain object, and refuses a map with a `constructor` label.
const textMap = (message: string) => z.object({}, { error: message }).catchall(z.string({ error: message }));
const list = (message: string) => z.array(z.unknown(), { error: message });

const targetSchema = lazySchema(() =>
  z.looseObject({ kind: z.enum(TARGET_KINDS), to: z.string().min(1) }, { error: 'must be {kind, to}' }),
);

/** An escalation policy as the workflow gets it (the internal shape, not the YAML one). */
export const escalationPolicyInputSchema = lazySchema(() =>
  z
    .looseObject(
      {
        name: text('must be a text'),
        urgency: z.enum(URGENCIES, { error: 'must be high or low' }),
        repeat: z
          .number({ error: 'must be a whole number' })
          .refine((repeat) => Number.isInteger(repeat) && repeat >= 0, 'must be a whole number'),
        match: list('must be a list of matchers'),
        incident: z.looseObject({ severities: list('must be a list') }, { error: 'must be an object' }),
        levels: z.array(
          z.looseObject(
            {
              escalateAfterMs: z
                .number({ error: 'must be a duration in ms, 0 or more' })
                .min(0, 'must be a duration in ms, 0 or more'),
              targets: z.array(targetSchema, { error: 'name at least one target' }).min(1, 'name at least one target'),
            },
            { error: 'must be a level' },
          ),
          { error: 'must be a list' },
        ),
      },
      { error: 'must be an escalation policy' },
    )
    .superRefine((policy, ctx) => {
      // The cross-field rules the YAML schema applies too (at least one level, business hours).
      const problem = policyProblem(policy as unknown as EscalationPolicy);
      if (problem) ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
    }),
);

const instant = (message = 'must be an instant in epoch ms') => z.number({ error: message }).finite(message);
const count = (message = 'must be a whole number, 0 or more') => z.int({ error: message }).min(0, message);

/**
 * What a run that continued as new hands the next one (AlertState.carried()): written by the
 * previous run, so its shape is checked (a hand-made start with a broken one is refused at
 * once), and fields a later version adds pass through (looseObject) rather than being lost.
 */
export const alertCarriedSchema = lazySchema(() =>
  z.looseObject(
    {
      state: z.looseObject(
        {
          dedupKey: z.string({ error: 'must be the alert id' }).refine(isSafeDedupKey, 'must be the alert id'),
          status: z.enum(['triggered', 'acknowledged', 'resolved'], {
            error: 'must be triggered, acknowledged or resolved',
          }),
          policy: escalationPolicyInputSchema,
          labels: textMap('must map names to texts'),
          openedAt: instant(),
          lastSeenAt: instant(),
          count: count(),
          cycle: z.int({ error: 'must be a cycle number' }).min(1, 'must be a cycle number'),
          cycleStartedAt: instant(),
          maxLevel: count(),
          notifications: list('must be a list'),
          counts: z.looseObject({ sent: count(), failed: count(), suppressed: count() }, { error: 'must be counts' }),
          timeline: list('must be a list'),
          version: count(),
        },
        { error: 'must be the alert state' },
      ),
      /** The footer the posted Slack messages were last updated with (not sent again). */
      slackUpdatedFor: z.string({ error: 'must be a text' }).optional(),
      /** The timeline's last entries the previous run did not audit (this run does). */
      unaudited: count().optional(),
    },
    { error: 'must be an object' },
  ),
);

export const alertEscalationInputSchema = lazySchema(() =>
  z
    .looseObject(
      {
        intakeId: text('must be a text'),
        event: z.looseObject(
          {
            dedupKey: z
              .string({ error: 'must be 1 to 255 of A-Z a-z 0-9 . _ ~ -' })
              .refine(isSafeDedupKey, 'must be 1 to 255 of A-Z a-z 0-9 . _ ~ -'),
            summary: text('must be a text'),
            severity: z.enum(SEVERITIES, { error: `must be ${SEVERITIES.join(', ')}` }),
            labels: textMap('must map names to texts'),
            annotations: textMap('must map names to texts'),
            links: list('must be a list'),
            images: list('must be a list'),
          },
          { error: 'must be an object' },
        ),
        policy: escalationPolicyInputSchema,
        policies: z.array(escalationPolicyInputSchema, { error: 'must be a list' }).optional(),
        carried: alertCarriedSchema.optional(),
        options: z
          .strictObject(
            {
              eventsPerRun: z
                .int({ error: 'must be a whole number of events' })
                .min(20, 'must be 20 events or more')
                .optional(),
              messagesPerRun: z
                .int({ error: 'must be a whole number of messages' })
                .min(1, 'must be 1 or more')
                .optional(),
            },
            { error: 'must be an object' },
          )
          .optional(),
      },
      { error: 'must be an object' },
    )
    .refine((input) => !input.carried || input.carried.state.dedupKey === input.event.dedupKey, {
      path: ['carried', 'state', 'dedupKey'],
      message: 'must be the dedupKey of the event',
    }),
);
