import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { alertEscalationInputSchema } from '../../domain/alerts/alert-input';
import type { EscalationConfig } from '../../domain/alerts/escalation-policy';
import type { AlertEvent } from '../../domain/alerts/types';
import type { AlertEscalationInput } from '../../workflows/alerts/messages';
import { badInput, rejected } from './errors';
import { startConfigOf } from './start-config';
import { alertWorkflowId, isSafeDedupKey } from '../../domain/alerts/dedup';
import { escalateRequestSchema, reassignRequestSchema } from '../../domain/alerts/alert-state';
import { actorRequestSchema, withoutIdentity } from '../../domain/alerts/requests';
import { lazySchema } from '../../domain/lazy-schema';
import type { Role } from '../../domain/roles';
import { inputErrorOf, refuseUnknownKeys } from '../../domain/validation';
import { ALERT_WORKFLOW_TYPE } from './alert-intake';
import type { MessageEntry, WorkflowEntry } from './registry';

/**
 * alertEscalation through /v1/workflows and the CLI: acknowledge, resolve, escalate now
 * and reassign as Updates (the workflow's validator answers 422: unknown alert, already
 * resolved, role) and Signals for the Web UI. The token's subject and roles become
 * `actor` and `roles`; a body carrying either is refused.
 */

// The workflow's own message schemas minus actor and roles (the caller's token gives those).
const actorBody = lazySchema(() => withoutIdentity(actorRequestSchema));
const escalateBody = lazySchema(() => withoutIdentity(escalateRequestSchema));
// Which of policy or targets: the workflow's validator decides (422), as for a bad policy name.
const reassignBody = lazySchema(() => withoutIdentity(reassignRequestSchema));

/** The operator role and up; a verified Slack user acts as `responder` through /v1/slack/interactivity instead. */
const RESPONDERS: readonly Role[] = ['operator'];
const message = (body: z.ZodType, roles: readonly Role[], description: string): MessageEntry => ({
  body,
  roles,
  identity: true,
  withRoles: true,
  description,
});

/** What a direct start may not choose, with the reason it is refused. */
const SERVER_DECIDES: Record<string, string> = {
  policies: 'the configured escalation policies (config file, escalation.policies)',
  intakeId: 'set by arxflow',
  incidentGroupBy: 'set by arxflow, as for the intake routes',
  review: 'set by arxflow, as for the intake routes',
};
const POLICY_BY_NAME =
  'levels and targets come from the configured escalation policies (escalation.policies): name one';

/**
 * Alerts start from the intake routes (signalWithStart with the policy chosen from config);
 * a direct start is for admins replaying an event by hand: the event, and the name of a
 * configured policy, which the server resolves (levels and targets never come from a body).
 */
const startInput = lazySchema(() =>
  z
    .object({
      event: z.looseObject({
        dedupKey: z.string().refine(isSafeDedupKey, 'must be 1 to 255 of A-Z a-z 0-9 . _ ~ -'),
      }),
      policy: z
        .object({ name: z.string().trim().min(1).max(63) })
        .catchall(z.unknown())
        .superRefine((policy, ctx) => {
          // Every other key of the policy gets the same reason: name a configured policy.
          const reasons = Object.fromEntries(Object.keys(policy).map((key) => [key, POLICY_BY_NAME]));
          refuseUnknownKeys(['name'], reasons, 'an alert start')(policy, ctx);
        }),
    })
    .catchall(z.unknown())
    .superRefine(refuseUnknownKeys(['event', 'policy'], SERVER_DECIDES, 'an alert start')),
);

export const alertEscalationEntry: WorkflowEntry = {
  type: ALERT_WORKFLOW_TYPE,
  description:
    'One alert (alert/<dedupKey>): escalation by policy until acknowledged or resolved. Started by the alert intake routes; a direct start (replaying an event) names a configured escalation policy: `{event, policy: {name}}`.',
  input: startInput,
  prepare: async (body: z.output<typeof startInput>, _caller, context) =>
    prepareAlertStart(body, startConfigOf(context).escalation),
  workflowId: (input: { event: { dedupKey: string } }) => alertWorkflowId(input.event.dedupKey),
  startRoles: ['admin'],
  updates: {
    acknowledge: message(actorBody, RESPONDERS, 'acknowledge: stops escalation; 422 when unknown or already resolved'),
    resolve: message(actorBody, RESPONDERS, 'resolve the alert by hand; 422 when already resolved'),
    escalateNow: message(escalateBody, RESPONDERS, 'notify the next level now (or `level`)'),
    reassign: message(reassignBody, ['operator'], 'move the alert to another policy (by name) or to targets'),
  },
  signals: {
    acknowledge: message(actorBody, RESPONDERS, 'Web UI path of acknowledge: refusals are recorded, not returned'),
    resolve: message(actorBody, RESPONDERS, 'Web UI path of resolve'),
    escalateNow: message(escalateBody, RESPONDERS, 'Web UI path of escalateNow'),
    reassign: message(reassignBody, ['operator'], 'Web UI path of reassign'),
  },
  queries: {
    status: {
      roles: ['viewer', 'operator', 'approver'],
      description: 'status, severity, level, round, notifications, timeline',
    },
  },
};

/**
 * The workflow input of a direct start: the named policy and the reassignable ones from the
 * configuration, as the intake routes give them. 422 for an unknown policy, 400 for an event
 * the workflow would refuse; nothing starts either way.
 */
function prepareAlertStart(body: z.output<typeof startInput>, escalation: EscalationConfig): AlertEscalationInput {
  const policy = escalation.policies.find((candidate) => candidate.name === body.policy.name);
  if (!policy) {
    throw rejected(
      `policy.name: no escalation policy "${body.policy.name}" is configured (configured: ${escalation.policies.map((p) => p.name).join(', ')})`,
    );
  }
  const input: AlertEscalationInput = {
    event: body.event as unknown as AlertEvent,
    intakeId: randomUUID(),
    policy,
    policies: escalation.policies,
  };
  // The workflow's own start-input schema: what it would refuse is refused here, before a start.
  const parsed = alertEscalationInputSchema.safeParse(input);
  if (!parsed.success) {
    const refused = inputErrorOf(parsed.error.issues, 'alertEscalation input');
    throw badInput(refused.message, refused.issues);
  }
  return input;
}
