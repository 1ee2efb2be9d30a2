import { z } from 'zod';
import { lazySchema } from '../lazy-schema';

/**
 * Money is an integer count of a currency's minor units (cents for USD) in a JS number,
 * never a float of major units: sums and comparisons stay exact up to 2^53 - 1 minor units
 * (about 90 trillion dollars), which is also the largest amount the ledger accepts.
 */
export type MinorUnits = number;

/** An amount in minor units: a non-negative safe integer. */
export const minorUnitsSchema = lazySchema(() =>
  z
    .number({ error: 'must be an amount in minor units (a number of cents)' })
    .int({ error: `must be a whole number of minor units (cents) no larger than ${Number.MAX_SAFE_INTEGER}` })
    .nonnegative({ error: 'must not be negative' }),
);

/** ISO 4217 alphabetic code. */
export const currencySchema = lazySchema(() =>
  z
    .string({ error: 'must be an ISO 4217 currency code such as "USD"' })
    .regex(/^[A-Z]{3}$/, { error: 'must be an ISO 4217 currency code of three upper-case letters, such as "USD"' }),
);

export type Currency = z.infer<typeof currencySchema>;

// ISO 4217 minor-unit exponents that differ from the usual 2. Only formatting needs them:
// every computation works in minor units whatever the exponent.
const ZERO_DECIMAL = new Set([
  'BIF',
  'CLP',
  'DJF',
  'GNF',
  'ISK',
  'JPY',
  'KMF',
  'KRW',
  'PYG',
  'RWF',
  'UGX',
  'UYI',
  'VND',
  'VUV',
  'XAF',
  'XOF',
  'XPF',
]);
const THREE_DECIMAL = new Set(['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND']);

/** How many decimal places the currency's minor unit has (2 for USD, 0 for JPY, 3 for KWD). */
export function minorUnitExponent(currency: string): number {
  if (ZERO_DECIMAL.has(currency)) return 0;
  if (THREE_DECIMAL.has(currency)) return 3;
  return 2;
}

/**
 * "1200.00 USD" for messages and audit text: no grouping separators and no locale, so the
 * same amount always reads the same (and workflow code stays deterministic). Works on the
 * digits of the integer, never on a division, so large amounts print exactly.
 */
export function formatMoney(minor: MinorUnits, currency: string): string {
  const exponent = minorUnitExponent(currency);
  const sign = minor < 0 ? '-' : '';
  const digits = String(Math.abs(minor)).padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = exponent > 0 ? `.${digits.slice(digits.length - exponent)}` : '';
  return `${sign}${whole}${fraction} ${currency}`;
}

/** A percentage between 0 and 100 with at most two decimals (12.25 %), so it is an exact count of basis points. */
export const percentSchema = lazySchema(() =>
  z
    .number({ error: 'must be a percentage (a number from 0 to 100)' })
    .min(0, { error: 'must be at least 0 (percent)' })
    .max(100, { error: 'must be at most 100 (percent)' })
    .refine((percent) => Math.abs(percent * 100 - Math.round(percent * 100)) < 1e-9, {
      error: 'must have at most two decimals (a whole number of basis points)',
    }),
);

/** 12.25 -> 1225. Exact for any value percentSchema accepts (the float is within 1e-9 of the integer). */
export function toBasisPoints(percent: number): number {
  return Math.round(percent * 100);
}

/**
 * amount * basisPoints / 10000 rounded half up to a whole minor unit, in BigInt so the
 * product never loses precision (a safe amount times 10000 is not a safe number).
 */
export function applyBasisPointsRoundHalfUp(amount: MinorUnits, basisPoints: number): MinorUnits {
  const product = BigInt(amount) * BigInt(basisPoints);
  return Number((product + 5000n) / 10000n);
}
