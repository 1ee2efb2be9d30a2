import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { alertWorkflowId, isSafeDedupKey } from '../../domain/alerts/dedup';
import type { ActorRequest } from '../../domain/alerts/requests';
import { acknowledgeUpdate, resolveUpdate } from '../../workflows/alerts/messages';
import { asUnavailable } from '../../client/api/alert-intake';
import { ApiError } from '../../client/api/errors';
import { SLACK_SIGNATURE_HEADER, SLACK_TIMESTAMP_HEADER, verifySlackSignature } from '../slack/signature';
import { invalidUnicodeIn } from '../../domain/unicode';
import { z } from 'zod';
import { errorResponses } from '../responses';
import { NLP_CANCEL, NLP_CONFIRM, type NlpActionOutcome } from '../slack/nlp-command';

export interface SlackInteractivityDeps {
  temporal: Client;
  /** SLACK_SIGNING_SECRET; unset: every request is refused (nothing can be verified). */
  signingSecret?: string;
  /** Milliseconds since the epoch; tests move the clock to check the 5-minute window. */
  now?: () => number;
  /** How long Slack is kept waiting before the answer goes out while the update carries on (Slack gives up after 3 s). */
  answerWithinMs?: number;
  /**
   * Confirm / Cancel of the /arxflow slash command (gateway/slack/nlp-command.ts); unset: those clicks are
   * ignored. It answers once the click is claimed; the run's outcome goes to the payload's response_url.
   */
  nlp?: (
    actionId: string,
    value: string | undefined,
    user: string,
    responseUrl: string | undefined,
    log: FastifyRequest['log'],
  ) => Promise<NlpActionOutcome>;
}

/** The buttons the alert messages carry (activities/notifications/channels.ts); the value is the alert's dedup key. */
const BUTTONS = { alert_ack: acknowledgeUpdate, alert_resolve: resolveUpdate } as const;
/** What Slack grants a verified user: the alert workflows let `responder` acknowledge and resolve. */
const SLACK_ROLES = ['responder'];
const UPDATE_DEADLINE_MS = 30_000;

interface BlockAction {
  action_id?: string;
  value?: string;
  action_ts?: string;
}

interface InteractionPayload {
  type?: string;
  user?: { id?: string; username?: string };
  actions?: BlockAction[];
  /** Where a late outcome is posted (the /arxflow Confirm button). */
  response_url?: string;
}

/**
 * POST /v1/slack/interactivity: Slack's Interactivity Request URL. The v0 signature over
 * the raw body is checked before anything is parsed (401 with the reason when missing,
 * wrong or older than 5 minutes). An Ack or Resolve button becomes the alert workflow's
 * Update with the Slack user as actor. Slack shows an error to the user for anything but
 * 200, so a refusal the user cannot change (already resolved, unknown alert) is 200
 * `{ok: false, error}` and logged; the workflow's chat.update shows the real state.
 */
export function registerSlackInteractivityRoute(app: FastifyInstance, deps: SlackInteractivityDeps): void {
  app.register(async (scope) => {
    // Bytes in: the signature covers the body exactly as sent.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    scope.post(
      '/v1/slack/interactivity',
      {
        schema: {
          tags: ['alerts'],
          summary: 'Slack interactivity (Ack / Resolve buttons); Slack-signed',
          security: [],
          // Slack sends application/x-www-form-urlencoded with a `payload` field holding JSON.
          response: {
            200: z
              .looseObject({
                ok: z.boolean(),
                ignored: z.boolean().optional(),
                pending: z.boolean().optional(),
                error: z.string().optional(),
                ran: z.boolean().optional(),
                command: z.string().optional(),
                text: z.string().optional(),
              })
              .describe(
                'Done (ok), nothing to do (ignored), still running (pending), or refused for a reason ' +
                  'the user cannot change (ok false, error): Slack shows an error for anything but 200',
              ),
            ...errorResponses([400, 401, 503], { 401: 'Slack signature missing, wrong or older than 5 minutes' }),
          },
        },
      },
      (request, reply) => interact(request, reply, deps),
    );
  });
}

async function interact(request: FastifyRequest, reply: FastifyReply, deps: SlackInteractivityDeps) {
  const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  if (!deps.signingSecret)
    return refuse(request, reply, 'SLACK_SIGNING_SECRET is not set: Slack requests cannot be verified');
  const verification = verifySlackSignature({
    signature: header(request, SLACK_SIGNATURE_HEADER),
    timestamp: header(request, SLACK_TIMESTAMP_HEADER),
    body,
    signingSecret: deps.signingSecret,
    nowMs: (deps.now ?? Date.now)(),
  });
  if (verification.result !== 'valid') return refuse(request, reply, verification.reason);

  const payload = parsePayload(body);
  if (!payload)
    return reply.code(400).send({ error: 'bad_input', message: 'payload: must be a form field holding a JSON object' });
  const notUnicode = invalidUnicodeIn(payload, 'payload');
  if (notUnicode) return reply.code(400).send({ error: 'bad_input', message: notUnicode });
  const nlpClick =
    payload.type === 'block_actions' && deps.nlp
      ? payload.actions?.find((a) => a.action_id === NLP_CONFIRM || a.action_id === NLP_CANCEL)
      : undefined;
  const nlpUser = payload.user?.id ?? payload.user?.username;
  if (nlpClick && deps.nlp) {
    const responseUrl = typeof payload.response_url === 'string' ? payload.response_url : undefined;
    const outcome = await deps.nlp(nlpClick.action_id!, nlpClick.value, nlpUser ?? '', responseUrl, request.log);
    request.log.info({ action: nlpClick.action_id, user: nlpUser, ...outcome }, 'slack nlp action');
    return reply.code(200).send(outcome);
  }
  // Shortcuts, view submissions, other buttons: acknowledged, nothing to do.
  const action =
    payload.type === 'block_actions'
      ? payload.actions?.find((a) => a.action_id !== undefined && Object.hasOwn(BUTTONS, a.action_id))
      : undefined;
  if (!action) return reply.code(200).send({ ok: true, ignored: true });

  const dedupKey = action.value ?? '';
  const user = payload.user?.id ?? payload.user?.username;
  if (!isSafeDedupKey(dedupKey) || !user) {
    request.log.warn({ action: action.action_id }, 'slack action without a usable alert key or user');
    return reply.code(200).send({ ok: false, error: 'the button carries no alert key or user' });
  }
  const actorRequest: ActorRequest = { actor: `slack:${user}`, roles: SLACK_ROLES };
  const update = BUTTONS[action.action_id as keyof typeof BUTTONS];
  const workflowId = alertWorkflowId(dedupKey);
  const log = { workflowId, action: action.action_id, actor: actorRequest.actor };
  // Slack may resend the same click; the update id lets Temporal run it once. Bounded, so
  // an update still running after the answer went out cannot hang on forever.
  const updateId = `slack/${user}/${action.action_id}/${action.action_ts ?? ''}`;
  const outcome = deps.temporal
    .withDeadline(Date.now() + UPDATE_DEADLINE_MS, () =>
      deps.temporal.workflow.getHandle(workflowId).executeUpdate(update, { args: [actorRequest], updateId }),
    )
    .then(
      () => ({ ok: true as const }),
      (err: unknown) => failure(err),
    );
  const answered = await Promise.race([outcome, delay(deps.answerWithinMs ?? 2_500)]);
  if (answered === undefined) {
    void outcome.then((late) =>
      late.ok
        ? request.log.info(log, 'slack action applied after the answer')
        : request.log.warn({ ...log, reason: late.error }, 'slack action failed after the answer'),
    );
    return reply.code(200).send({ ok: true, pending: true });
  }
  if (answered.ok) {
    request.log.info(log, 'slack action applied');
    return reply.code(200).send({ ok: true });
  }
  if (answered.status === 503) return reply.code(503).send({ error: 'unavailable', message: answered.error });
  request.log.warn({ ...log, reason: answered.error }, 'slack action refused');
  return reply.code(200).send({ ok: false, error: answered.error });
}

function failure(err: unknown): { ok: false; status: 200 | 503; error: string } {
  if (err instanceof WorkflowUpdateFailedError)
    return { ok: false, status: 200, error: err.cause?.message ?? err.message };
  if (err instanceof WorkflowNotFoundError) return { ok: false, status: 200, error: 'no such alert is open' };
  const mapped = asUnavailable(err);
  if (mapped instanceof ApiError) return { ok: false, status: 503, error: mapped.message };
  return { ok: false, status: 200, error: `not applied: ${(err as Error).message}` };
}

function refuse(request: FastifyRequest, reply: FastifyReply, reason: string) {
  request.log.warn(`slack request refused: ${reason}`);
  return reply.code(401).send({ error: 'unauthorized', message: reason });
}

function parsePayload(body: Buffer): InteractionPayload | undefined {
  try {
    const value: unknown = JSON.parse(new URLSearchParams(body.toString('utf8')).get('payload') ?? '');
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as InteractionPayload)
      : undefined;
  } catch {
    return undefined;
  }
}

const header = (request: FastifyRequest, name: string) => {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
};

const delay = (ms: number) => new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms).unref());
