import { z } from 'zod';
import { lazySchema } from '../lazy-schema';
import { parseInput } from '../validation';
import { matchesDocumentGlob } from './document-glob';
import { DOCUMENT_KINDS, SYNC_LIMITS, type DocumentKind, type SyncConfig } from './sync-types';

/**
 * The `sync:` section of arxflow.config.yaml: who hears of commits, and a content limit lower
 * than the platform's. Left out: no subscribers, the platform's limit. Strict at every level,
 * so a misspelt key (`subscriber:`, `target:`) is refused naming its path, not silently ignored.
 *
 *   sync:
 *     maxContentBytes: 1048576
 *     subscribers:
 *       - kinds: [plan]
 *         documents: "projects/tower-1/*"
 *         targets: ["slack:#plans", "email:pm@example.com", "webhook:https://hooks.example.com/sync"]
 */

/** `slack:#channel`, `slack:C024BE91L` (channel id), `slack:U024BE7LH` (user id), `email:a@b.c`, `webhook:http(s)://...`. */
const TARGET_FORMS = 'slack:#channel, slack:<channel or user id>, email:<address>, webhook:<http(s) URL>';
const SLACK = /^(#[a-z0-9][a-z0-9._-]{0,79}|[CGDUW][A-Z0-9]{6,20})$/;

export const syncTargetSchema = lazySchema(() =>
  z
    .string({ error: `must be a target (${TARGET_FORMS})` })
    .trim()
    .superRefine((target, ctx) => {
      const problem = targetProblem(target);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
);

function targetProblem(target: string): string | undefined {
  const colon = target.indexOf(':');
  const kind = colon > 0 ? target.slice(0, colon) : '';
  const to = target.slice(colon + 1);
  if (kind === 'slack')
    return SLACK.test(to) ? undefined : 'must be a Slack channel "slack:#name" or a channel or user id';
  if (kind === 'email') return z.email().safeParse(to).success ? undefined : 'must be "email:" and an email address';
  if (kind === 'webhook')
    return z.url({ protocol: /^https?$/ }).safeParse(to).success ? undefined : 'must be "webhook:" and an http(s) URL';
  return `must be one of ${TARGET_FORMS}`;
}

export const documentGlobSchema = lazySchema(() =>
  z
    .string({ error: 'must be a document id glob such as "projects/*"' })
    .trim()
    .min(1, { error: 'must not be empty ("*" for every document)' })
    .max(300)
    .regex(/^\S+$/, { error: 'must not contain spaces' }),
);

const subscriberSchema = lazySchema(() =>
  z.strictObject({
    /** Kinds it hears of; empty or left out: all. */
    kinds: z
      .array(z.enum(DOCUMENT_KINDS, { error: `must be a document kind: ${DOCUMENT_KINDS.join(', ')}` }), {
        error: 'must be a list of document kinds',
      })
      .default([]),
    documents: documentGlobSchema.default('*'),
    targets: z
      .array(syncTargetSchema, { error: 'must be a list of targets' })
      .min(1, { error: 'name at least one target' }),
  }),
);

export const syncConfigSchema = lazySchema(() =>
  z.strictObject({
    subscribers: z.array(subscriberSchema, { error: 'must be a list of subscribers' }).default([]),
    maxContentBytes: z
      .int({ error: 'must be a whole number of bytes' })
      .positive({ error: 'must be more than 0 (bytes)' })
      .max(SYNC_LIMITS.maxContentBytes, {
        error: `must be at most ${SYNC_LIMITS.maxContentBytes} (the platform's limit; the config may lower it, not raise it)`,
      })
      .default(SYNC_LIMITS.maxContentBytes),
  }),
);

/** The section when the config file has none. */
export const DEFAULT_SYNC_CONFIG: SyncConfig = { subscribers: [], maxContentBytes: SYNC_LIMITS.maxContentBytes };

/** The targets that hear of a commit to `documentId` (a `kind` document), each once, in config order. */
export function subscriberTargets(config: SyncConfig, kind: DocumentKind, documentId: string): string[] {
  const targets = config.subscribers
    .filter((subscriber) => subscriber.kinds.length === 0 || subscriber.kinds.includes(kind))
    .filter((subscriber) => matchesDocumentGlob(subscriber.documents, documentId))
    .flatMap((subscriber) => subscriber.targets);
  return [...new Set(targets)];
}

/** The section checked on its own (tests, tools); the config file parses it with the rest. */
export function parseSyncConfig(section: unknown): SyncConfig {
  return parseInput(syncConfigSchema, section ?? {}, 'sync');
}
