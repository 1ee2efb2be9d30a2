// `npm run bench -- nlp`: the local engine of natural-language commands (issue #16) on the
// labelled set (test/fixtures/nlp/labelled.jsonl): time per text to a Translation (the engine,
// then the strict schema and the command line, as `arxflow nlp translate` does), p50/p99 over
// BENCH_NLP_ROUNDS passes, and accuracy (intent; intent plus args). The floor, measured in the
// same run and the same way: a bare `JSON.parse` of each text's expected answer as JSON, the
// least any engine that hands back a Translation could cost. Aim (the issue): p99 under 5 ms,
// 97% or better.
import { localEngine } from '../domain/nlp/local-engine';
import { toTranslation } from '../domain/nlp/translation';
import { loadLabelledSet, score, scoreTable, type Answer } from '../test/support/nlp-labelled-set';
import { writeResults } from './results';
import { percentile } from './percentile';

const ROUNDS = Number(process.env.BENCH_NLP_ROUNDS ?? 20);

/** Each text timed alone, ROUNDS passes over the set after one warm-up pass; ms per text. */
function timed(texts: readonly string[], work: (text: string, i: number) => unknown) {
  texts.forEach(work);
  const times: number[] = [];
  let sink = 0;
  for (let round = 0; round < ROUNDS; round++) {
    texts.forEach((text, i) => {
      const start = performance.now();
      const out = work(text, i);
      times.push(performance.now() - start);
      if (out) sink += 1;
    });
  }
  const sorted = times.sort((a, b) => a - b);
  return { texts: times.length, sink, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1)! };
}

function translate(text: string): Answer {
  const { intent, args, confidence, warnings } = localEngine(text);
  return toTranslation({ intent, args, confidence }, 'local', warnings ?? []);
}

export async function benchNlp(): Promise<void> {
  const set = loadLabelledSet();
  const texts = set.map((e) => e.text);
  const expectedJson = set.map((e) => JSON.stringify({ intent: e.intent, args: e.args }));

  const result = score(set, texts.map(translate));
  const local = timed(texts, translate);
  const floor = timed(texts, (_text, i) => JSON.parse(expectedJson[i]!));

  console.log(`\nnlp: ${set.length} labelled texts, ${ROUNDS} rounds\n`);
  console.log(scoreTable(result));
  console.log(`\n${'path'.padEnd(34)}  p50 ms   p99 ms   max ms`);
  for (const [name, t] of [
    ['local engine -> Translation', local],
    ['JSON.parse of the expected answer', floor],
  ] as const) {
    console.log(
      `${name.padEnd(34)}  ${t.p50.toFixed(4).padStart(6)}  ${t.p99.toFixed(4).padStart(7)}  ${t.max.toFixed(3).padStart(7)}`,
    );
  }
  console.log(
    `aim: p99 < 5 ms (${local.p99 < 5 ? 'met' : 'NOT met'}), intent+args >= 97% (${result.intentArgsAccuracy >= 0.97 ? 'met' : 'NOT met'})`,
  );

  writeResults('nlp', {
    examples: set.length,
    rounds: ROUNDS,
    accuracy: {
      intent: result.intentAccuracy,
      intentArgs: result.intentArgsAccuracy,
      perIntent: result.perIntent,
    },
    localMs: { p50: local.p50, p99: local.p99, max: local.max },
    jsonParseFloorMs: { p50: floor.p50, p99: floor.p99, max: floor.max },
    misses: result.misses,
  });
}
