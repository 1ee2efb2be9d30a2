import { z } from 'zod';
import { alertWorkflowId, isSafeDedupKey } from '../../domain/alerts/dedup';
import { TARGET_KINDS } from '../../domain/alerts/escalation-policy';
import { MAX_NOTE } from '../../domain/alerts/requests';
import type { Role } from '../../domain/roles';
import { ALERT_WORKFLOW_TYPE } from './alert-intake';
import type { MessageEntry, WorkflowEntry } from './registry';

/**
 * alertEscalation through /v1/workflows and the CLI: acknowledge, resolve, escalate now
 * and reassign as Updates (the workflow's validator answers 422: unknown alert, already
 * resolved, role) and Signals for the Web UI. The token's subject and roles become
 * `actor` and `roles`; a body carrying either is refused.
 */

const note = z.string().max(MAX_NOTE).optional();
const actorBody = z.strictObject({ note });
const escalateBody = z.strictObject({ level: z.number().int().min(1).max(20).optional(), note });
const reassignBody = z
  .strictObject({
    policy: z.string().min(1).max(63).optional(),
    targets: z.array(z.strictObject({ kind: z.enum(TARGET_KINDS), to: z.string().min(1).max(2048) })).min(1).max(20).optional(),
    note,
  })
  .refine((body) => (body.policy === undefined) !== (body.targets === undefined), { message: 'give either policy or targets', path: ['policy'] });

/** The operator role and up; a verified Slack user acts as `responder` through /v1/slack/interactivity instead. */
const RESPONDERS: readonly Role[] = ['operator'];
const message = (body: z.ZodType, roles: readonly Role[], description: string): MessageEntry =>
  ({ body, roles, identity: true, withRoles: true, description });

/**
 * Alerts start from the intake routes (signalWithStart with the policy chosen from config);
 * a direct start is for admins replaying an event by hand, so the input is only checked
 * for what the API itself needs: the dedup key behind the workflow id.
 */
const startInput = z.looseObject({
  event: z.looseObject({ dedupKey: z.string().refine(isSafeDedupKey, 'must be 1 to 255 of A-Z a-z 0-9 . _ ~ -') }),
  intakeId: z.string().min(1),
  policy: z.looseObject({ name: z.string() }),
});

export const alertEscalationEntry: WorkflowEntry = {
  type: ALERT_WORKFLOW_TYPE,
  description: 'One alert (alert/<dedupKey>): escalation by policy until acknowledged or resolved. Started by the alert intake routes.',
  input: startInput,
  workflowId: (input: z.infer<typeof startInput>) => alertWorkflowId(input.event.dedupKey),
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
  queries: { status: { roles: ['viewer', 'operator', 'approver'], description: 'status, severity, level, round, notifications, timeline' } },
};
