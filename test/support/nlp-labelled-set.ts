import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { INTENTS, type Intent } from '../../domain/nlp/nlp-types';

/**
 * The labelled set of issue #16 (test/fixtures/nlp/labelled.jsonl) and how an engine is scored
 * on it. Shared by the evaluation test and `npm run bench -- nlp`, so both count the same way.
 *
 * Each line is `{text, intent, args}`: the translation's intent and args that arxflow must
 * answer, args in the contract's normalised formats. Written from the issue and the contract,
 * never from an engine's code. A required part missing in the text ("approve milestone 3")
 * is labelled `unknown`: such args fail the intent's strict schema, and an unchecked guess
 * never gets a command.
 */
export interface LabelledExample {
  text: string;
  intent: Intent;
  args: Record<string, unknown>;
}

export const LABELLED_SET_PATH = path.resolve(__dirname, '..', 'fixtures', 'nlp', 'labelled.jsonl');

/** The set, one example per non-empty line; a malformed line throws naming its line number. */
export function loadLabelledSet(file = LABELLED_SET_PATH): LabelledExample[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line, index) => ({ line, number: index + 1 }))
    .filter(({ line }) => line.trim() !== '')
    .map(({ line, number }) => {
      const parsed = JSON.parse(line) as Partial<LabelledExample>;
      if (typeof parsed.text !== 'string') throw new Error(`${file}:${number}: text must be a string`);
      if (!(INTENTS as readonly string[]).includes(parsed.intent as string)) {
        throw new Error(`${file}:${number}: intent '${String(parsed.intent)}' is not one of INTENTS`);
      }
      if (typeof parsed.args !== 'object' || parsed.args === null || Array.isArray(parsed.args)) {
        throw new Error(`${file}:${number}: args must be an object`);
      }
      return parsed as LabelledExample;
    });
}

/** What an engine answered for one text (a Translation has at least these). */
export interface Answer {
  intent: string;
  args: Record<string, unknown>;
}

export interface IntentScore {
  intent: Intent;
  examples: number;
  /** The intent right. */
  intentRight: number;
  /** The intent right and the args exactly the labelled ones (no missing, extra or different value). */
  argsRight: number;
}

export interface Miss {
  text: string;
  expected: Answer;
  got: Answer;
}

export interface Score {
  examples: number;
  intentAccuracy: number;
  intentArgsAccuracy: number;
  perIntent: IntentScore[];
  misses: Miss[];
}

/** Scores answers given in the set's order; per intent by the labelled intent. */
export function score(set: readonly LabelledExample[], answers: readonly Answer[]): Score {
  if (answers.length !== set.length) throw new Error(`${answers.length} answers for ${set.length} examples`);
  const perIntent = new Map<Intent, IntentScore>(
    INTENTS.map((intent) => [intent, { intent, examples: 0, intentRight: 0, argsRight: 0 }]),
  );
  const misses: Miss[] = [];
  let intentRight = 0;
  let argsRight = 0;
  set.forEach((example, i) => {
    const got = answers[i]!;
    const row = perIntent.get(example.intent)!;
    row.examples += 1;
    const intentOk = got.intent === example.intent;
    const argsOk = intentOk && isDeepStrictEqual(got.args ?? {}, example.args);
    row.intentRight += intentOk ? 1 : 0;
    row.argsRight += argsOk ? 1 : 0;
    intentRight += intentOk ? 1 : 0;
    argsRight += argsOk ? 1 : 0;
    if (!argsOk) misses.push({ text: example.text, expected: example, got: { intent: got.intent, args: got.args } });
  });
  return {
    examples: set.length,
    intentAccuracy: set.length ? intentRight / set.length : 0,
    intentArgsAccuracy: set.length ? argsRight / set.length : 0,
    perIntent: [...perIntent.values()].filter((row) => row.examples > 0),
    misses,
  };
}

const pct = (part: number, whole: number) => (whole ? `${((100 * part) / whole).toFixed(1)}%` : '-');

/** The per-intent table, then the overall line, as printed by the test and the bench. */
export function scoreTable(result: Score): string {
  const width = Math.max(...result.perIntent.map((row) => row.intent.length), 'overall'.length);
  const lines = [`${'intent'.padEnd(width)}  examples  intent  intent+args`];
  for (const row of result.perIntent) {
    lines.push(
      `${row.intent.padEnd(width)}  ${String(row.examples).padStart(8)}  ${pct(row.intentRight, row.examples).padStart(6)}  ${pct(row.argsRight, row.examples).padStart(11)}`,
    );
  }
  lines.push(
    `${'overall'.padEnd(width)}  ${String(result.examples).padStart(8)}  ${(100 * result.intentAccuracy).toFixed(1).padStart(5)}%  ${(100 * result.intentArgsAccuracy).toFixed(1).padStart(10)}%`,
  );
  return lines.join('\n');
}
