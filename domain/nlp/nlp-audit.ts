import { z } from 'zod';
import { lazySchema } from '../lazy-schema';
import { ENGINES, INTENTS } from './nlp-types';

/** The audit action of a natural-language command about to run (issue #16, "Safety and audit"). */
export const NLP_AUDIT_ACTION = 'nlp.run';

/**
 * What the audit chain keeps of a translation that runs: the original text, the engine and
 * the command (with the intent and args it stands for). The actor is never taken from here:
 * it is the caller (the token's subject through the gateway). Body of POST /v1/nlp/audit.
 */
export const nlpAuditBodySchema = lazySchema(() =>
  z
    .object({
      text: z.string().max(2000),
      engine: z.enum(ENGINES),
      intent: z.enum(INTENTS),
      args: z.record(z.string(), z.unknown()),
      command: z.string().min(1).max(2000),
      confidence: z.number().min(0).max(1),
    })
    .strict(),
);
export type NlpAuditBody = z.infer<typeof nlpAuditBodySchema>;

/** The audit entry (db/audit-log.ts AuditEntry) of `body` run by `actor`: the subject is the command. */
export function nlpAuditEntry(body: NlpAuditBody, actor: string) {
  return { actor, action: NLP_AUDIT_ACTION, subject: body.command, data: { ...body } };
}
