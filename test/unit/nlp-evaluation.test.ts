import { localEngine } from '../../domain/nlp/local-engine';
import { INTENT_ARGS, INTENTS } from '../../domain/nlp/nlp-types';
import { toTranslation } from '../../domain/nlp/translation';
import { LABELLED_SET_PATH, loadLabelledSet, score, scoreTable, type Answer } from '../support/nlp-labelled-set';

// Issue #16: the local engine answers the labelled set at 97% or better, intent and args
// together, counted on the Translation every surface prints (engine, then the strict schema).

const set = loadLabelledSet();

/** The issue's own examples, which the set must hold with these labels. */
const ISSUE_EXAMPLES = [
  { text: 'ack the checkout alert', intent: 'alerts.ack', args: { service: 'checkout' } },
  {
    text: 'approve milestone 3 of PROJ-7 for $12,500',
    intent: 'funding.approve',
    args: { projectId: 'PROJ-7', milestoneId: 'M3', amount: 1250000 },
  },
  {
    text: 'despliega checkout 1.4.2 en producción',
    intent: 'deploy.start',
    args: { service: 'checkout', version: '1.4.2', environment: 'production' },
  },
  { text: 'delete everything', intent: 'unknown', args: {} },
  { text: '', intent: 'unknown', args: {} },
];

function translate(text: string): Answer {
  const { intent, args, confidence, warnings } = localEngine(text);
  return toTranslation({ intent, args, confidence }, 'local', warnings ?? []);
}

describe('the labelled set (test/fixtures/nlp/labelled.jsonl)', () => {
  it('has at least 300 examples, every intent at least 10 times, no text twice', () => {
    expect(set.length).toBeGreaterThanOrEqual(300);
    for (const intent of INTENTS)
      expect([intent, set.filter((e) => e.intent === intent).length >= 10]).toEqual([intent, true]);
    expect(new Set(set.map((e) => e.text)).size).toBe(set.length);
  });

  it("labels every example with args in the contract's normalised formats (the strict schema keeps them as they are)", () => {
    const bad = set.filter((e) => {
      const parsed = INTENT_ARGS[e.intent].safeParse(e.args);
      return !parsed.success || JSON.stringify(parsed.data) !== JSON.stringify(e.args);
    });
    expect(bad).toEqual([]);
  });

  it("holds the issue's own examples with their labels", () => {
    for (const example of ISSUE_EXAMPLES) expect(set).toContainEqual(example);
  });

  it('holds Spanish examples for every intent but unknown', () => {
    const spanish =
      /[áéíóúñ¿]|\b(el|la|los|las|de|del|por favor|hito|alerta|despliega|aprueba|rechaza|reconoce|lista|revierte)\b/i;
    for (const intent of INTENTS.filter((i) => i !== 'unknown')) {
      expect([intent, set.some((e) => e.intent === intent && spanish.test(e.text))]).toEqual([intent, true]);
    }
  });

  it('the score counts a wrong answer as wrong (all-unknown answers score the unknown share only)', () => {
    const result = score(
      set,
      set.map(() => ({ intent: 'unknown', args: {} })),
    );
    const unknownShare = set.filter((e) => e.intent === 'unknown').length / set.length;
    expect(result.intentArgsAccuracy).toBeCloseTo(unknownShare, 10);
    expect(result.misses).toHaveLength(set.filter((e) => e.intent !== 'unknown').length);
    const perfect = score(set, set);
    expect([perfect.intentAccuracy, perfect.intentArgsAccuracy, perfect.misses]).toEqual([1, 1, []]);
  });
});

describe('the local engine on the labelled set', () => {
  const result = score(
    set,
    set.map((e) => translate(e.text)),
  );

  it('answers at least 97% of the set right, intent and args (the per-intent table is printed)', () => {
    const misses = result.misses
      .map((m) => `  ${JSON.stringify(m.text)}: expected ${JSON.stringify(m.expected)}, got ${JSON.stringify(m.got)}`)
      .join('\n');
    console.log(`${scoreTable(result)}\n\nmisses (${result.misses.length}):\n${misses}`);
    expect(result.intentArgsAccuracy).toBeGreaterThanOrEqual(0.97);
  });

  it('never turns a request outside arxflow such as "delete everything" into a command', () => {
    const deletions = set.filter(
      (e) => /delete|borra|elimina|drop|wipe|rm -rf/i.test(e.text) && e.intent === 'unknown',
    );
    expect(deletions.length).toBeGreaterThanOrEqual(5);
    expect(deletions.map((e) => [e.text, translate(e.text).intent])).toEqual(deletions.map((e) => [e.text, 'unknown']));
  });

  it('answers the same every time (deterministic)', () => {
    expect(
      score(
        set,
        set.map((e) => translate(e.text)),
      ),
    ).toEqual(result);
  });
});

// The labelled set also served to improve the engine, so its score flatters it. These texts
// were written after the engine, from the issue alone, and no rule was made from them: the
// honest figure (63 of 64 when they were added).
describe('the local engine on the held-out texts (test/fixtures/nlp/held-out.jsonl)', () => {
  const heldOut = loadLabelledSet(LABELLED_SET_PATH.replace('labelled.jsonl', 'held-out.jsonl'));

  it('answers at least 97% of them right, intent and args', () => {
    expect(heldOut.length).toBeGreaterThanOrEqual(60);
    const result = score(
      heldOut,
      heldOut.map((e) => translate(e.text)),
    );
    console.log(`held-out:\n${scoreTable(result)}`);
    expect(result.intentArgsAccuracy).toBeGreaterThanOrEqual(0.97);
  });
});
