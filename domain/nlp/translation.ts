import { commandLineFor } from './command-line';
import { CONFIRMED_INTENTS, INTENT_ARGS, INTENTS, type Engine, type Intent, type Translation } from './nlp-types';

/** What an engine proposes, with how sure it is (0..1). */
export interface ScoredProposal {
  intent: string;
  args: Record<string, unknown>;
  confidence: number;
}

/**
 * An engine's proposal made into the Translation every surface prints: the args checked by
 * the intent's strict schema (an intent outside INTENTS, or args that do not fit, make the
 * answer `unknown` with a warning naming the field: nothing unchecked ever gets a command),
 * then the command line and whether it needs confirmation.
 */
export function toTranslation(proposal: ScoredProposal, engine: Engine, warnings: string[] = []): Translation {
  const notes = [...warnings];
  const confidence = Number.isFinite(proposal.confidence) ? Math.min(1, Math.max(0, proposal.confidence)) : 0;
  const unknown = (why?: string): Translation =>
    finish({ intent: 'unknown', args: {}, confidence, engine }, why ? [...notes, why] : notes);

  if (!(INTENTS as readonly string[]).includes(proposal.intent)) {
    return unknown(`intent: '${proposal.intent}' is not an arxflow intent`);
  }
  const intent = proposal.intent as Intent;
  if (intent === 'unknown') return unknown();
  const checked = INTENT_ARGS[intent].safeParse(proposal.args ?? {});
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    const field = issue.path.length > 0 ? `args.${issue.path.join('.')}` : 'args';
    const detail =
      issue.code === 'unrecognized_keys' ? `${issue.keys.join(', ')} not an argument of ${intent}` : issue.message;
    return unknown(`${field}: ${detail} (proposed ${intent})`);
  }
  return finish({ intent, args: checked.data as Record<string, unknown>, confidence, engine }, notes);
}

function finish(base: Pick<Translation, 'intent' | 'args' | 'confidence' | 'engine'>, notes: string[]): Translation {
  const { command, warnings } = commandLineFor(base.intent, base.args);
  const all = [...notes, ...warnings];
  return {
    intent: base.intent,
    args: base.args,
    command,
    confidence: base.confidence,
    needsConfirmation: CONFIRMED_INTENTS.includes(base.intent),
    engine: base.engine,
    ...(all.length > 0 ? { warnings: all } : {}),
  };
}
