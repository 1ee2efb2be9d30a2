import OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import type { Proposal } from '../../domain/nlp/nlp-types';
import { checkOpenAiAnswer, openAiAnswerSchema } from './openai-schema';

/**
 * The optional second engine: the official `openai` client with structured outputs
 * (openai-schema.ts). It never throws for what the service answers: a timeout, an HTTP
 * error, a refusal or an answer outside the schema come back as a reason, and the caller
 * lets the local engine answer instead (translate.ts).
 */

export interface OpenAiSettings {
  apiKey: string;
  /** OPENAI_BASE_URL: a compatible server; the client's default (api.openai.com) when absent. */
  baseURL?: string;
  /** ARXFLOW_NLP_MODEL. */
  model: string;
  timeoutMs: number;
}

export const DEFAULT_NLP_MODEL = 'gpt-4o-mini';
/**
 * A person waits for the answer and the local engine answers in milliseconds, so the
 * hosted one gets a few seconds and no retry (the client's default is two retries).
 */
export const DEFAULT_NLP_TIMEOUT_MS = 5_000;

export type OpenAiOutcome = { ok: true; proposal: Proposal; confidence: number } | { ok: false; reason: string };

const INSTRUCTIONS = `You translate an operator's request (English or Spanish, possibly with typos and filler words)
into exactly one arxflow command: an intent and its args. Answer "unknown" with empty args when nothing fits,
when the text is empty, or when it asks for something arxflow does not do (e.g. "delete everything"); never guess.
Args hold only what the text says (null when it does not say), normalised:
project ids upper case (PROJ-7); milestones M<n> ("milestone 3", "third milestone", "hito 3" -> M3);
amounts in integer cents ("$12,500" -> 1250000, "12.5k" -> 1250000, "$3,000.50" -> 300050);
services lower case; versions without a leading v (1.4.2); environments staging ("stage") or production
("prod", "live", "producción"); plan ids PLAN-... and document ids DOC-... upper case; commit ids as hex
prefixes; repositories owner/name; branch refs as written.
confidence: 0..1, how sure you are that this is the command the operator meant.`;

export async function proposeWithOpenAi(text: string, settings: OpenAiSettings): Promise<OpenAiOutcome> {
  const client = new OpenAI({
    apiKey: settings.apiKey,
    ...(settings.baseURL ? { baseURL: settings.baseURL } : {}),
    // The deadline is the request's own signal (below); the client's timeout only backs it up.
    timeout: settings.timeoutMs + 1_000,
    maxRetries: 0,
  });
  let completion: OpenAI.ChatCompletion;
  try {
    completion = await client.chat.completions.create(
      {
        model: settings.model,
        temperature: 0,
        messages: [
          { role: 'system', content: INSTRUCTIONS },
          { role: 'user', content: text },
        ],
        response_format: zodResponseFormat(openAiAnswerSchema, 'arxflow_command'),
      },
      // An abort by our signal is recognised by the signal's state (APIUserAbortError), not by the
      // abort error's class, which the client cannot tell from a refused connection in another realm (jest).
      { signal: AbortSignal.timeout(settings.timeoutMs) },
    );
  } catch (err) {
    return { ok: false, reason: failureReason(err, settings.timeoutMs) };
  }
  const message = completion.choices[0]?.message;
  if (message?.refusal) return { ok: false, reason: `refused: ${message.refusal}` };
  if (!message?.content) return { ok: false, reason: 'invalid answer: no content' };
  const checked = checkOpenAiAnswer(message.content);
  return checked.ok ? checked : { ok: false, reason: `invalid answer: ${checked.reason}` };
}

function failureReason(err: unknown, timeoutMs: number): string {
  if (err instanceof OpenAI.APIConnectionTimeoutError || err instanceof OpenAI.APIUserAbortError)
    return `timed out after ${timeoutMs} ms`;
  if (err instanceof OpenAI.APIError && err.status !== undefined) return `HTTP ${err.status}: ${err.message}`;
  if (err instanceof OpenAI.APIConnectionError)
    return `not reachable: ${err.cause instanceof Error ? err.cause.message : err.message}`;
  return `failed: ${err instanceof Error ? err.message : String(err)}`;
}
