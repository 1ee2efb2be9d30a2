import { z } from 'zod';
import { lazySchema } from '../../domain/lazy-schema';
import { INTENTS, INTENT_ARGS, proposalSchema, type Intent, type Proposal } from '../../domain/nlp/nlp-types';

/**
 * The OpenAI engine's answer: its structured-output schema, built from the same per-intent
 * zod schemas the local engine's answers pass (nlp-types.ts), and the check of what comes
 * back. Strict structured outputs require every property and a closed object at every
 * level, so the wire form differs from INTENT_ARGS in one way only: an optional arg is
 * required and nullable (null = absent). The root is an object (the API refuses a root
 * union): one variant per intent under `proposal`, and the model's own confidence.
 */
export const openAiAnswerSchema = lazySchema(() =>
  z
    .object({
      proposal: z.union(
        INTENTS.map((intent) => z.object({ intent: z.literal(intent), args: wireArgs(intent) }).strict()),
      ),
      confidence: z.number().min(0).max(1),
    })
    .strict(),
);

function wireArgs(intent: Intent) {
  const shape = (INTENT_ARGS[intent] as z.ZodObject).shape;
  return z
    .object(
      Object.fromEntries(
        Object.entries(shape).map(([key, field]) => [
          key,
          field instanceof z.ZodOptional ? (field.unwrap() as z.ZodType).nullable() : field,
        ]),
      ),
    )
    .strict();
}

/** The envelope alone; the args are checked against their intent's schema afterwards, naming the intent. */
const envelopeSchema = lazySchema(() =>
  z.object({ proposal: proposalSchema, confidence: z.number().min(0).max(1) }).strict(),
);

export type CheckedAnswer = { ok: true; proposal: Proposal; confidence: number } | { ok: false; reason: string };

/**
 * The model's content checked like any other input: JSON, a known intent, and args its
 * intent's schema accepts (an arg outside it is refused, not ignored). Never trusts that a
 * compatible server enforced the schema it was sent.
 */
export function checkOpenAiAnswer(content: string): CheckedAnswer {
  let raw: unknown;
  try {
    raw = JSON.parse(content);
  } catch {
    return { ok: false, reason: 'the answer is not JSON' };
  }
  const envelope = envelopeSchema.safeParse(raw);
  if (!envelope.success) return { ok: false, reason: describe(envelope.error) };
  const { intent } = envelope.data.proposal;
  // null is the wire's "absent"; no arg of any intent accepts null itself.
  const args = Object.fromEntries(Object.entries(envelope.data.proposal.args).filter(([, value]) => value !== null));
  const checked = (INTENT_ARGS[intent] as z.ZodType).safeParse(args);
  if (!checked.success) return { ok: false, reason: `${intent}: ${describe(checked.error, 'args')}` };
  return {
    ok: true,
    proposal: { intent, args: checked.data as Record<string, unknown> },
    confidence: envelope.data.confidence,
  };
}

function describe(error: z.ZodError, prefix?: string): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => {
      const path = [...(prefix ? [prefix] : []), ...issue.path.map(String)].join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}
