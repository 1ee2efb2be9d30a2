import { parseNumeral } from './numbers';

/**
 * Money in integer minor units (cents), from the ways operators write it: "$12,500" -> 1250000,
 * "12.5k" -> 1250000, "8000 dollars" -> 800000, "$3,000.50" -> 300050, "2.5 million dollars"
 * -> 250000000, "12.500 dólares", "for 12500". A bare number is money only after "for"/"por"
 * (else "milestone 3" would be three dollars).
 */

const MULTIPLIERS: Record<string, number> = {
  k: 1e3,
  thousand: 1e3,
  grand: 1e3,
  mil: 1e3,
  m: 1e6,
  mm: 1e6,
  million: 1e6,
  millions: 1e6,
  millon: 1e6,
  millones: 1e6,
  b: 1e9,
  bn: 1e9,
  billion: 1e9,
};
const MULTIPLIER = '(k|mm|m|bn|b|thousand|grand|mil|millions?|mill[oó]n|millones|billion)';
const CURRENCY = '(?:dollars?|d[oó]lares|usd|bucks|euros?|eur)';
const NUMERAL = '(\\d[\\d.,]*\\d|\\d)';

/** Tried in order; each yields [numeral, multiplier?]. */
const PATTERNS: readonly RegExp[] = [
  new RegExp(`(?:[$€]|\\b(?:usd|eur)\\s?)\\s*${NUMERAL}(?:\\s*${MULTIPLIER})?(?![\\w.])`, 'i'),
  new RegExp(`\\b${NUMERAL}\\s*${MULTIPLIER}?\\s*(?:of\\s+|de\\s+)?${CURRENCY}\\b`, 'i'),
  new RegExp(`\\b${NUMERAL}(k|mm|m|bn)\\b`, 'i'),
  new RegExp(`\\b${NUMERAL}\\s+(thousand|grand|millions?|mill[oó]n|millones|billion)\\b`, 'i'),
  new RegExp(`\\b(?:for|por|amount(?:\\s+of)?|monto(?:\\s+de)?|cantidad(?:\\s+de)?)\\s+${NUMERAL}()(?![\\w.-])`, 'i'),
];

export interface Found<T> {
  value: T;
  /** Where it was in the text, so the engine can blank it before reading words. */
  index: number;
  length: number;
}

/** The first amount written in the text, in cents; undefined when none (or not positive). */
export function findMoney(text: string): Found<number> | undefined {
  for (const pattern of PATTERNS) {
    const match = pattern.exec(text);
    if (!match) continue;
    const value = parseNumeral(match[1]!);
    if (value === undefined) continue;
    const multiplier = match[2] ? MULTIPLIERS[match[2].toLowerCase().replace('ó', 'o')]! : 1;
    const cents = Math.round(value * multiplier * 100);
    if (cents > 0 && Number.isSafeInteger(cents)) return { value: cents, index: match.index, length: match[0].length };
  }
  return undefined;
}

/** Currency words that turn spelled-out numbers into money ("doce mil dólares"), accent-free. */
export const CURRENCY_WORDS = new Set(['dollars', 'dollar', 'dolares', 'usd', 'bucks', 'euros', 'euro', 'eur']);
