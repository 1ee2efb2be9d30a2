import type { ChaosCount } from './scenario';

/**
 * Effects counted where they land, never from the workflows' own claims: ledger rows in
 * PostgreSQL, messages the SMTP stand-in accepted, chat.postMessage calls the Slack stand-in
 * answered ok. Each expected effect has a key; an observed effect is matched to its key, so a
 * key seen twice is a duplicate and a key never seen is lost.
 */
export function tally(what: string, expectedKeys: string[], observedKeys: string[]): ChaosCount {
  const seen = new Map<string, number>();
  const expected = new Set(expectedKeys);
  for (const key of observedKeys) if (expected.has(key)) seen.set(key, (seen.get(key) ?? 0) + 1);
  let duplicates = 0;
  let lost = 0;
  for (const key of expected) {
    const n = seen.get(key) ?? 0;
    if (n === 0) lost += 1;
    else duplicates += n - 1;
  }
  return {
    what,
    expected: expected.size,
    observed: [...seen.values()].reduce((a, b) => a + b, 0),
    duplicates,
    lost,
  };
}
