import { distance } from 'fastest-levenshtein';

/**
 * The known word a typo most likely meant ("ackowledge" -> "acknowledge", "deplyo" -> "deploy"),
 * by Levenshtein distance, with a swap of two neighbouring letters counted as one edit. Short
 * words get little slack (a four-letter service name must not turn into a keyword); words of 5-7
 * letters one edit, longer ones two. Deterministic: ties go to the earlier word in `known`.
 */
export function createFuzzyMatcher(known: readonly string[]): (word: string) => string | undefined {
  const byLength = new Map<number, string[]>();
  for (const word of known) {
    if (word.length < 4) continue;
    const list = byLength.get(word.length) ?? [];
    list.push(word);
    byLength.set(word.length, list);
  }
  const cache = new Map<string, string | null>();
  return (word) => {
    const cached = cache.get(word);
    if (cached !== undefined) return cached ?? undefined;
    const best = nearest(word, byLength);
    if (cache.size > 10_000) cache.clear();
    cache.set(word, best ?? null);
    return best;
  };
}

function allowedEdits(length: number): number {
  if (length < 5) return 0;
  return length <= 7 ? 1 : 2;
}

function nearest(word: string, byLength: ReadonlyMap<number, string[]>): string | undefined {
  if (/\d/.test(word)) return undefined;
  // Four letters: only two neighbours swapped ("lsit") or one letter left out ("chek"); any other edit is another word.
  if (word.length === 4) {
    return (
      byLength.get(4)?.find((candidate) => isAdjacentSwap(word, candidate)) ??
      byLength.get(5)?.find((candidate) => candidate[0] === word[0] && distance(word, candidate) === 1)
    );
  }
  const slack = allowedEdits(word.length);
  if (slack === 0) return undefined;
  let best: string | undefined;
  let bestDistance = slack + 1;
  for (let length = word.length - slack; length <= word.length + slack; length++) {
    for (const candidate of byLength.get(length) ?? []) {
      // A different first letter costs a real edit; two of them on a short word is too far.
      const d = isAdjacentSwap(word, candidate) ? 1 : distance(word, candidate);
      if (d < bestDistance && (d === 1 || candidate[0] === word[0])) {
        best = candidate;
        bestDistance = d;
      }
    }
  }
  return best;
}

function isAdjacentSwap(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return i < a.length - 1 && a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
}
