import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Client } from '@temporalio/client';
import type { Store } from '../../db/store';
import { SyncStore } from '../../db/sync-store';
import { TemporalOperations } from '../../client/api/temporal-operations';
import { TemporalDeployOperations } from '../../client/api/deploy-temporal-operations';
import { TemporalSyncOperations } from '../../client/api/sync-temporal-operations';
import { TemporalPipelineOperations } from '../../client/api/pipeline-temporal-operations';
import type { Caller } from '../../client/api/operations';
import { translate } from '../../client/nlp/translate';
import { runIntent, type IntentServices } from '../../client/nlp/run-intent';
import { nlpAuditEntry } from '../../domain/nlp/nlp-audit';
import type { Translation } from '../../domain/nlp/nlp-types';
import { SLACK_SIGNATURE_HEADER, SLACK_TIMESTAMP_HEADER, verifySlackSignature } from './signature';

/** The buttons the slash command's answer carries; the interactivity route hands them here. */
export const NLP_CONFIRM = 'nlp_confirm';
export const NLP_CANCEL = 'nlp_cancel';
/** Slack's limit for a button value; the text (<= 2000) and a nonce fit. */
const MAX_TEXT = 1900;

export interface SlackNlpDeps {
  temporal: Client;
  taskQueue: string;
  store: Store;
  /** SLACK_SIGNING_SECRET; unset: every request is refused. */
  signingSecret?: string;
  /** The config file's slack.users: Slack user id -> arxflow identity. Unmapped users are refused. */
  users?: Record<string, Caller>;
  now?: () => number;
}

/**
 * POST /v1/slack/commands: `/arxflow <text>` (Slack's slash command, form-encoded, v0-signed).
 * Answers (ephemeral) with the translation and Confirm / Cancel buttons; nothing runs here.
 * The button carries the text and a nonce: Confirm re-translates it (the local engine is
 * deterministic) and the nonce is the idempotency key, so a double click runs it once.
 */
export function registerSlackCommandRoute(app: FastifyInstance, deps: SlackNlpDeps): void {
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    scope.post(
      '/v1/slack/commands',
      { schema: { tags: ['nlp'], summary: 'Slack slash command /arxflow <text>; Slack-signed', security: [] } },
      (request, reply) => command(request, reply, deps),
    );
  });
}

async function command(request: FastifyRequest, reply: FastifyReply, deps: SlackNlpDeps) {
  const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  const refused = verify(request, body, deps);
  if (refused) return reply.code(401).send({ error: 'unauthorized', message: refused });
  const form = new URLSearchParams(body.toString('utf8'));
  const text = form.get('text') ?? '';
  const user = form.get('user_id') ?? '';
  if (text.length > MAX_TEXT)
    return reply.code(400).send({ error: 'bad_input', message: `text: at most ${MAX_TEXT} characters` });
  if (!deps.users?.[user]) return reply.code(200).send(ephemeral(unmapped(user)));
  const translation = await translate(text);
  return reply.code(200).send(answerBlocks(text, translation));
}

/** Slack's v0 check; the reason when refused. */
export function verify(request: FastifyRequest, body: Buffer, deps: SlackNlpDeps): string | undefined {
  if (!deps.signingSecret) return 'SLACK_SIGNING_SECRET is not set: Slack requests cannot be verified';
  const header = (name: string) => {
    const value = request.headers[name];
    return typeof value === 'string' ? value : undefined;
  };
  const verification = verifySlackSignature({
    signature: header(SLACK_SIGNATURE_HEADER),
    timestamp: header(SLACK_TIMESTAMP_HEADER),
    body,
    signingSecret: deps.signingSecret,
    nowMs: (deps.now ?? Date.now)(),
  });
  return verification.result === 'valid' ? undefined : verification.reason;
}

const unmapped = (user: string) =>
  `Slack user ${user || '(none)'} is not mapped to an arxflow identity (config file slack.users): nothing runs`;

const ephemeral = (text: string) => ({ response_type: 'ephemeral', text });

function answerBlocks(text: string, t: Translation) {
  const warnings = (t.warnings ?? []).map((w) => `\n> ${w}`).join('');
  if (t.command === null) return ephemeral(`Not an arxflow command: nothing to run.${warnings}`);
  const value = JSON.stringify({ text, nonce: randomUUID() });
  return {
    response_type: 'ephemeral',
    text: t.command,
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text:
            `\`${t.command}\`\n${t.needsConfirmation ? 'Needs confirmation. ' : ''}` +
            `(${t.intent}, ${t.engine}, confidence ${t.confidence.toFixed(2)})${warnings}`,
        },
      },
      {
        type: 'actions',
        elements: [
          {
            type: 'button',
            action_id: NLP_CONFIRM,
            style: 'primary',
            text: { type: 'plain_text', text: 'Confirm' },
            value,
          },
          { type: 'button', action_id: NLP_CANCEL, text: { type: 'plain_text', text: 'Cancel' }, value },
        ],
      },
    ],
  };
}

export interface NlpActionOutcome {
  ok: boolean;
  error?: string;
  command?: string;
  /** false: this click's key was already used (a double click); nothing ran again. */
  ran?: boolean;
}

/**
 * A Confirm / Cancel click (from the interactivity route, signature already checked). Confirm:
 * the user must be mapped; the nonce is claimed together with the audit entry in one
 * transaction (store.idempotency), then the translation runs as the mapped identity. A second
 * click with the same nonce finds the key taken and runs nothing.
 */
export async function nlpAction(
  actionId: string,
  value: string | undefined,
  user: string,
  deps: SlackNlpDeps,
): Promise<NlpActionOutcome> {
  if (actionId === NLP_CANCEL) return { ok: true, ran: false };
  const caller = deps.users?.[user];
  if (!caller) return { ok: false, error: unmapped(user) };
  const parsed = parseValue(value);
  if (!parsed) return { ok: false, error: 'the button carries no text' };
  const translation = await translate(parsed.text);
  if (translation.command === null) return { ok: false, error: 'not an arxflow command: nothing to run' };
  const command = translation.command;
  const claim = await deps.store.idempotency.runOnce(`slack-nlp/${parsed.nonce}`, async (tx) => {
    const body = {
      text: parsed.text,
      engine: translation.engine,
      intent: translation.intent,
      args: translation.args,
      command,
      confidence: translation.confidence,
    };
    await deps.store.audit.append(nlpAuditEntry(body, caller.subject), tx);
    return { command };
  });
  if (!claim.firstRun) return { ok: true, ran: false, command };
  try {
    const run = await runIntent(translation, servicesFor(caller, deps));
    return { ok: true, ran: true, command: run.command };
  } catch (err) {
    return { ok: false, ran: true, command, error: (err as Error).message };
  }
}

function parseValue(value: string | undefined): { text: string; nonce: string } | undefined {
  try {
    const v = JSON.parse(value ?? '') as { text?: unknown; nonce?: unknown };
    return typeof v.text === 'string' && typeof v.nonce === 'string' && v.nonce.length > 0 && v.nonce.length <= 64
      ? { text: v.text, nonce: v.nonce }
      : undefined;
  } catch {
    return undefined;
  }
}

function servicesFor(caller: Caller, deps: SlackNlpDeps): IntentServices {
  const client = deps.temporal;
  const { taskQueue } = deps;
  return {
    caller,
    operations: new TemporalOperations(client, taskQueue),
    deploys: (work) => work(new TemporalDeployOperations({ client, taskQueue })),
    syncs: (work) => work(new TemporalSyncOperations({ client, taskQueue, store: new SyncStore(deps.store.db) })),
    pipelines: (work) => work(new TemporalPipelineOperations({ client, taskQueue, db: deps.store.db })),
  };
}
