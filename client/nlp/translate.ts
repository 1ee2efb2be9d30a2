import { localEngine } from '../../domain/nlp/local-engine';
import type { Engine, Translation } from '../../domain/nlp/nlp-types';
import { toTranslation } from '../../domain/nlp/translation';
import { DEFAULT_NLP_MODEL, DEFAULT_NLP_TIMEOUT_MS, proposeWithOpenAi, type OpenAiSettings } from './openai-engine';

/**
 * Text to a Translation, by the engine asked for: the local one by default (no network,
 * milliseconds), OpenAI when asked and a key is set. Translation never fails for the
 * hosted engine: when it is not configured, times out, refuses or answers outside the
 * schema, the local engine answers (`engine: "local"`) and `warnings` says why.
 */

export interface TranslateOptions {
  engine?: Engine;
  /** Overrides of OPENAI_API_KEY, OPENAI_BASE_URL, ARXFLOW_NLP_MODEL and the timeout. */
  openai?: Partial<OpenAiSettings>;
  /** Where the OpenAI settings are read from; process.env unless given. */
  env?: Record<string, string | undefined>;
}

export async function translate(text: string, options: TranslateOptions = {}): Promise<Translation> {
  if ((options.engine ?? 'local') === 'local') return local(text, []);
  const settings = openAiSettings(options);
  if (typeof settings === 'string')
    return local(text, [`openai engine not used: ${settings}; the local engine answered`]);
  // Nothing to ask about: the local engine's "unknown" without a request.
  if (!text.trim()) return local(text, ['openai engine not used: the text is empty; the local engine answered']);
  const outcome = await proposeWithOpenAi(text, settings);
  if (!outcome.ok) return local(text, [`openai engine ${outcome.reason}; the local engine answered`]);
  return toTranslation({ ...outcome.proposal, confidence: outcome.confidence }, 'openai', []);
}

function local(text: string, warnings: string[]): Translation {
  const answer = localEngine(text);
  return toTranslation({ intent: answer.intent, args: answer.args, confidence: answer.confidence }, 'local', [
    ...warnings,
    ...(answer.warnings ?? []),
  ]);
}

/** The settings, or why the hosted engine cannot be used. */
export function openAiSettings(options: TranslateOptions): OpenAiSettings | string {
  const env = options.env ?? process.env;
  const given = options.openai ?? {};
  const apiKey = given.apiKey ?? env.OPENAI_API_KEY;
  if (!apiKey) return 'OPENAI_API_KEY is not set';
  const baseURL = given.baseURL ?? (env.OPENAI_BASE_URL || undefined);
  return {
    apiKey,
    ...(baseURL ? { baseURL } : {}),
    model: given.model ?? (env.ARXFLOW_NLP_MODEL || DEFAULT_NLP_MODEL),
    timeoutMs: given.timeoutMs ?? DEFAULT_NLP_TIMEOUT_MS,
  };
}
