import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Client } from '@temporalio/client';
import type { Store } from '../../db/store';
import { SyncStore } from '../../db/sync-store';
import { TemporalOperations } from '../../client/api/temporal-operations';
import { TemporalDeployOperations } from '../../client/api/deploy-temporal-operations';
import type { DeploymentsSource } from '../../client/api/deploy-starts';
import { TemporalSyncOperations } from '../../client/api/sync-temporal-operations';
import { TemporalPipelineOperations } from '../../client/api/pipeline-temporal-operations';
import type { Caller } from '../../client/api/operations';
import { translate } from '../../client/nlp/translate';
import { runIntent, type IntentServices } from '../../client/nlp/run-intent';
import { nlpAuditEntry } from '../../domain/nlp/nlp-audit';
import type { Translation } from '../../domain/nlp/nlp-types';
import { errorResponses } from '../responses';
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
  /** The config file's deployments section, as the gateway's deploy routes get it; unset: every deploy start is a 400. */
  deployments?: DeploymentsSource;
  /** Runs a confirmed translation (default runIntent); tests hold it to show Confirm answers before the run ends. */
  run?: typeof runIntent;
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
      {
        schema: {
          tags: ['nlp'],
          summary: 'Slack slash command /arxflow <text>; Slack-signed',
          security: [],
          // Slack sends application/x-www-form-urlencoded (`text`, `user_id`, ...).
          response: {
            200: z
              .looseObject({
                response_type: z.string().optional(),
                text: z.string(),
                blocks: z.array(z.unknown()).optional(),
              })
              .describe('A message only the caller sees: the translation with Confirm / Cancel, or why there is none'),
            ...errorResponses([400, 401], {
              400: 'The text is too long',
              401: 'Slack signature missing, wrong or older than 5 minutes',
            }),
          },
        },
      },
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
  /** false: this click's key was already used (a double click), or Cancel; nothing ran (again). */
  ran?: boolean;
  /** true: the run started and its outcome goes to the interaction's response_url. */
  pending?: boolean;
  /** What the user is told at once (e.g. "running <command>…"). */
  text?: string;
}

/**
 * A Confirm / Cancel click (from the interactivity route, signature already checked). Confirm:
 * the user must be mapped; the nonce is claimed together with the audit entry in one
 * transaction (store.idempotency), and only then does the translation run, as the mapped
 * identity. A second click with the same nonce finds the key taken and runs nothing.
 * Slack gives up after 3 s, so this answers once the claim is made and the run carries on:
 * its result, or the refusal's reason, replaces the message through `responseUrl`.
 */
export async function nlpAction(
  actionId: string,
  value: string | undefined,
  user: string,
  deps: SlackNlpDeps,
  responseUrl?: string,
  log?: ResponseLog,
): Promise<NlpActionOutcome> {
  const respond = (text: string) => postResponse(responseUrl, text, log);
  const refuse = (error: string, ran?: boolean): NlpActionOutcome => {
    void respond(`Not run: ${error}`);
    return { ok: false, error, ...(ran === undefined ? {} : { ran }) };
  };
  if (actionId === NLP_CANCEL) {
    void respond('Cancelled: nothing ran.');
    return { ok: true, ran: false };
  }
  const caller = deps.users?.[user];
  if (!caller) return refuse(unmapped(user));
  const parsed = parseValue(value);
  if (!parsed) return refuse('the button carries no text');
  const translation = await translate(parsed.text);
  if (translation.command === null) return refuse('not an arxflow command: nothing to run');
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
  // The other click of a double click: the first one's message carries the outcome.
  if (!claim.firstRun) return { ok: true, ran: false, command };
  void (deps.run ?? runIntent)(translation, servicesFor(caller, deps)).then(
    (run) => respond(`\`${run.command}\` done.\n\`\`\`${resultText(run.result)}\`\`\``),
    (err: unknown) => respond(`\`${command}\` refused: ${(err as Error).message}`),
  );
  return { ok: true, ran: true, pending: true, command, text: `running ${command}…` };
}

/** Where a response_url failure is told (the request's logger). */
export interface ResponseLog {
  warn(obj: object, msg: string): void;
}

/** Slack's message text limit is 40,000; a long result is cut well before. */
const MAX_RESULT = 3_000;

function resultText(result: unknown): string {
  const text = JSON.stringify(result ?? null, null, 2);
  return text.length > MAX_RESULT ? `${text.slice(0, MAX_RESULT)}\n…` : text;
}

/** Slack's response_url: a plain POST of a message that replaces the one with the buttons. Failures are logged only. */
async function postResponse(responseUrl: string | undefined, text: string, log?: ResponseLog): Promise<void> {
  if (!responseUrl || !/^https?:\/\//.test(responseUrl)) return;
  try {
    const answer = await fetch(responseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ replace_original: true, response_type: 'ephemeral', text }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!answer.ok) log?.warn({ status: answer.status }, 'slack response_url refused the outcome');
  } catch (err) {
    log?.warn({ reason: (err as Error).message }, 'slack response_url unreachable');
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
    deploys: (work) =>
      work(
        new TemporalDeployOperations({
          client,
          taskQueue,
          ...(deps.deployments ? { deployments: () => deps.deployments! } : {}),
        }),
      ),
    syncs: (work) => work(new TemporalSyncOperations({ client, taskQueue, store: new SyncStore(deps.store.db) })),
    pipelines: (work) => work(new TemporalPipelineOperations({ client, taskQueue, db: deps.store.db })),
  };
}
