import fc from 'fast-check';
import {
  applyBasisPointsRoundHalfUp,
  currencySchema,
  formatMoney,
  minorUnitsSchema,
  toBasisPoints,
} from '../../domain/funding/money';
import {
  computeRelease,
  retainageRateFor,
  type BudgetLine,
  type ReleaseInput,
  type RetainagePolicy,
} from '../../domain/funding/retainage';
import { InputError } from '../../domain/validation';
import { inputErrorOf } from '../support/input-error';

// Up to 8 lines whose scheduled values still sum to a safe integer, so the large-amount
// corner (where a float product would round) is exercised too.
const MAX_LINES = 8;
const MAX_SCHEDULED = Math.floor(Number.MAX_SAFE_INTEGER / MAX_LINES);

const lineArb = fc
  .oneof(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: MAX_SCHEDULED }))
  .chain((scheduledValue) =>
    fc.integer({ min: 0, max: scheduledValue }).chain((previouslyReleased) =>
      fc.integer({ min: 0, max: scheduledValue - previouslyReleased }).chain((requestedAmount) =>
        fc.record({
          line: fc.constant({ scheduledValue, previouslyReleased, requestedAmount }),
          approved: fc.option(fc.integer({ min: 0, max: requestedAmount }), { nil: undefined }),
        }),
      ),
    ),
  );

/** Any percentage with two decimals: an exact number of basis points. */
const percentArb = fc.integer({ min: 0, max: 10_000 }).map((bp) => bp / 100);

const policyArb = (lineIds: string[]): fc.Arbitrary<RetainagePolicy> =>
  fc.record(
    {
      percent: percentArb,
      stepDown: fc.record({ whenProjectPercentComplete: percentArb, percent: percentArb }),
      perLine: fc
        .subarray(lineIds)
        .chain((ids) =>
          fc
            .array(percentArb, { minLength: ids.length, maxLength: ids.length })
            .map((rates): Record<string, number> => Object.fromEntries(ids.map((id, i) => [id, rates[i]!]))),
        ),
    },
    { requiredKeys: ['percent'] },
  );

const releaseArb: fc.Arbitrary<ReleaseInput> = fc
  .array(lineArb, { minLength: 1, maxLength: MAX_LINES })
  .chain((generated) => {
    const lineIds = generated.map((_, i) => `L${i + 1}`);
    const lines: BudgetLine[] = generated.map(({ line }, i) => ({
      lineId: lineIds[i]!,
      description: `line ${i + 1}`,
      ...line,
    }));
    const approvedAmounts = Object.fromEntries(
      generated.flatMap(({ approved }, i) => (approved === undefined ? [] : [[lineIds[i]!, approved]])),
    );
    return fc.record({
      lines: fc.constant(lines),
      approvedAmounts: fc.constant(approvedAmounts),
      policy: policyArb(lineIds),
      projectPercentComplete: fc.oneof(percentArb, fc.double({ min: 0, max: 100, noNaN: true })),
      currency: fc.constantFrom('USD', 'EUR', 'JPY', 'KWD'),
    });
  });

function refusal(input: unknown): InputError {
  return inputErrorOf(() => computeRelease(input as ReleaseInput));
}

const oneLine = (overrides: Partial<BudgetLine> = {}): BudgetLine => ({
  lineId: 'L1',
  description: 'Foundations',
  scheduledValue: 5_000_000,
  previouslyReleased: 0,
  requestedAmount: 1_000_005,
  ...overrides,
});

const release = (overrides: Partial<ReleaseInput> = {}): ReleaseInput => ({
  lines: [oneLine()],
  approvedAmounts: { L1: 1_000_005 },
  policy: { percent: 10 },
  projectPercentComplete: 40,
  currency: 'USD',
  ...overrides,
});

describe('computeRelease properties', () => {
  it('accounts for every cent of every line: released + held + remaining + previously released = scheduled', () => {
    fc.assert(
      fc.property(releaseArb, (input) => {
        for (const line of computeRelease(input).lines) {
          expect(line.releasedNow + line.retainageHeld + line.remaining + line.previouslyReleased).toBe(
            line.scheduledValue,
          );
        }
      }),
    );
  });

  it('never produces a negative, fractional or unsafe amount, and keeps approved <= requested <= remaining', () => {
    fc.assert(
      fc.property(releaseArb, (input) => {
        for (const line of computeRelease(input).lines) {
          for (const key of [
            'scheduledValue',
            'previouslyReleased',
            'requested',
            'approved',
            'retainageHeld',
            'releasedNow',
            'remaining',
          ] as const) {
            expect(Number.isSafeInteger(line[key]) && line[key] >= 0).toBe(true);
          }
          expect(line.approved).toBeLessThanOrEqual(line.requested);
          expect(line.requested).toBeLessThanOrEqual(line.scheduledValue - line.previouslyReleased);
        }
      }),
    );
  });

  it('totals are exactly the sums of the lines', () => {
    fc.assert(
      fc.property(releaseArb, (input) => {
        const { lines, totals } = computeRelease(input);
        for (const key of Object.keys(totals) as (keyof typeof totals)[]) {
          expect(totals[key]).toBe(lines.reduce((sum, line) => sum + line[key], 0));
        }
      }),
    );
  });

  it('rounds retainage half up to a whole cent and never creates or loses one', () => {
    fc.assert(
      fc.property(releaseArb, (input) => {
        for (const line of computeRelease(input).lines) {
          expect(line.releasedNow + line.retainageHeld).toBe(line.approved);
          // exact = approved * basisPoints / 10000; half up means exact - held is in [-0.5, 0.5).
          const scaledExact = BigInt(line.approved) * BigInt(toBasisPoints(line.retainageRate));
          const difference = scaledExact - BigInt(line.retainageHeld) * 10_000n;
          expect(difference >= -5_000n && difference < 5_000n).toBe(true);
        }
      }),
    );
  });

  it('applies the step-down exactly at the threshold and not one hundredth of a percent before', () => {
    fc.assert(
      fc.property(
        percentArb,
        percentArb,
        fc.integer({ min: 1, max: 10_000 }).map((bp) => bp / 100),
        (base, stepped, threshold) => {
          const policy: RetainagePolicy = {
            percent: base,
            stepDown: { whenProjectPercentComplete: threshold, percent: stepped },
          };
          expect(retainageRateFor(policy, 'L1', threshold)).toBe(stepped);
          expect(retainageRateFor(policy, 'L1', Math.round(threshold * 100 - 1) / 100)).toBe(base);
          expect(retainageRateFor(policy, 'L1', 100)).toBe(stepped);
        },
      ),
    );
  });

  it('a per-line rate wins over the step-down and the base rate', () => {
    fc.assert(
      fc.property(percentArb, percentArb, percentArb, (base, stepped, perLine) => {
        const policy: RetainagePolicy = {
          percent: base,
          stepDown: { whenProjectPercentComplete: 0, percent: stepped },
          perLine: { L1: perLine },
        };
        expect(retainageRateFor(policy, 'L1', 50)).toBe(perLine);
        expect(retainageRateFor(policy, 'L2', 50)).toBe(stepped);
      }),
    );
  });

  it('refuses any request above what is left on the line', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e12 }), fc.integer({ min: 1, max: 1e6 }), (scheduledValue, over) => {
        const error = refusal(
          release({
            lines: [oneLine({ scheduledValue, requestedAmount: scheduledValue + over })],
            approvedAmounts: {},
          }),
        );
        expect(error.issues).toContainEqual({
          path: 'lines.0.requestedAmount',
          message: expect.stringMatching(/above the line's remaining value/),
        });
      }),
    );
  });
});

describe('computeRelease examples', () => {
  it('holds 10% of 10,000.05 as 1,000.01 (1,000.005 rounded half up) and releases 9,000.04', () => {
    const result = computeRelease(release());
    expect(result.lines[0]).toEqual({
      lineId: 'L1',
      description: 'Foundations',
      scheduledValue: 5_000_000,
      previouslyReleased: 0,
      requested: 1_000_005,
      approved: 1_000_005,
      retainageRate: 10,
      retainageHeld: 100_001,
      releasedNow: 900_004,
      remaining: 3_999_995,
    });
    expect(result.totals).toEqual({
      scheduledValue: 5_000_000,
      previouslyReleased: 0,
      requested: 1_000_005,
      approved: 1_000_005,
      retainageHeld: 100_001,
      releasedNow: 900_004,
      remaining: 3_999_995,
    });
  });

  it('uses integer arithmetic where floats would round the wrong way (2.55% of 30.00 is exactly 0.765 -> 0.77)', () => {
    expect(Math.round((3000 * 2.55) / 100)).toBe(76); // the float trap: 76.49999999999999
    const result = computeRelease(
      release({
        lines: [oneLine({ requestedAmount: 3000 })],
        approvedAmounts: { L1: 3000 },
        policy: { percent: 2.55 },
      }),
    );
    expect(result.lines[0]).toMatchObject({ retainageHeld: 77, releasedNow: 2923 });
  });

  it('rounds a half cent up (5% of 0.10) and keeps exact halves exact on huge amounts', () => {
    expect(applyBasisPointsRoundHalfUp(10, 500)).toBe(1);
    expect(applyBasisPointsRoundHalfUp(9, 500)).toBe(0);
    expect(applyBasisPointsRoundHalfUp(Number.MAX_SAFE_INTEGER, 5000)).toBe(4_503_599_627_370_496);
    expect(applyBasisPointsRoundHalfUp(Number.MAX_SAFE_INTEGER, 10_000)).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('holds nothing at 0% and everything at 100%', () => {
    const lines = [oneLine(), oneLine({ lineId: 'L2', description: 'Framing' })];
    const result = computeRelease(
      release({ lines, approvedAmounts: { L1: 1_000_005, L2: 500 }, policy: { percent: 0, perLine: { L2: 100 } } }),
    );
    expect(result.lines.map((l) => [l.retainageHeld, l.releasedNow])).toEqual([
      [0, 1_000_005],
      [500, 0],
    ]);
  });

  it('steps down from 10% to 5% once the project is 50% complete', () => {
    const policy: RetainagePolicy = { percent: 10, stepDown: { whenProjectPercentComplete: 50, percent: 5 } };
    const approve = (projectPercentComplete: number) =>
      computeRelease(
        release({
          lines: [oneLine({ requestedAmount: 100_000 })],
          approvedAmounts: { L1: 100_000 },
          policy,
          projectPercentComplete,
        }),
      ).lines[0]!;
    expect(approve(49.99)).toMatchObject({ retainageRate: 10, retainageHeld: 10_000 });
    expect(approve(50)).toMatchObject({ retainageRate: 5, retainageHeld: 5_000 });
  });

  it('approves 0 for lines without an approved amount and keeps their remaining value', () => {
    const result = computeRelease(
      release({ lines: [oneLine({ previouslyReleased: 1_000_000 })], approvedAmounts: {} }),
    );
    expect(result.lines[0]).toMatchObject({ approved: 0, retainageHeld: 0, releasedNow: 0, remaining: 4_000_000 });
  });

  it('accepts lines that state the release currency', () => {
    expect(() => computeRelease(release({ lines: [oneLine({ currency: 'USD' })] }))).not.toThrow();
  });
});

describe('computeRelease refusals name the field', () => {
  const threeLines = [
    oneLine(),
    oneLine({ lineId: 'L2', description: 'Framing', requestedAmount: 0 }),
    oneLine({
      lineId: 'L3',
      description: 'Roofing',
      scheduledValue: 200_000,
      previouslyReleased: 80_000,
      requestedAmount: 120_001,
    }),
  ];

  it.each([
    [
      'a request above the remaining value',
      release({ lines: threeLines, approvedAmounts: {} }),
      "lines.2.requestedAmount: above the line's remaining value 1200.00 USD",
    ],
    [
      'a negative scheduled value',
      release({ lines: [oneLine({ scheduledValue: -1 })] }),
      'lines.0.scheduledValue: must not be negative',
    ],
    [
      'a fractional amount',
      release({ lines: [oneLine({ requestedAmount: 10.5 })] }),
      'lines.0.requestedAmount: must be a whole number of minor units',
    ],
    [
      'an unsafe amount',
      release({ lines: [oneLine({ scheduledValue: 2 ** 53 })] }),
      'lines.0.scheduledValue: must be a whole number of minor units',
    ],
    [
      'a negative previously released amount',
      release({ lines: [oneLine({ previouslyReleased: -5 })] }),
      'lines.0.previouslyReleased: must not be negative',
    ],
    [
      'more previously released than scheduled',
      release({ lines: [oneLine({ previouslyReleased: 5_000_001, requestedAmount: 0 })], approvedAmounts: {} }),
      "lines.0.previouslyReleased: above the line's scheduled value 50000.00 USD",
    ],
    [
      'an approval above the request',
      release({ approvedAmounts: { L1: 1_000_006 } }),
      'approvedAmounts.L1: above the amount requested on lines.0 (10000.05 USD)',
    ],
    ['a negative approval', release({ approvedAmounts: { L1: -1 } }), 'approvedAmounts.L1: must not be negative'],
    [
      'an approval for an unknown line',
      release({ approvedAmounts: { L1: 1, L9: 1 } }),
      'approvedAmounts.L9: no budget line has this lineId',
    ],
    [
      'a duplicate line id',
      release({ lines: [oneLine(), oneLine({ description: 'again' })] }),
      'lines.1.lineId: duplicate of lines.0.lineId "L1"',
    ],
    [
      'a line in another currency',
      release({ lines: [oneLine({ currency: 'EUR' })] }),
      'lines.0.currency: EUR does not match the release currency USD',
    ],
    ['a malformed currency', release({ currency: 'usd' }), 'currency: must be an ISO 4217 currency code'],
    [
      'a rate with three decimals',
      release({ policy: { percent: 10.005 } }),
      'policy.percent: must have at most two decimals',
    ],
    ['a rate above 100%', release({ policy: { percent: 101 } }), 'policy.percent: must be at most 100'],
    [
      'a negative per-line rate',
      release({ policy: { percent: 10, perLine: { L1: -1 } } }),
      'policy.perLine.L1: must be at least 0',
    ],
    [
      'a step-down threshold above 100%',
      release({ policy: { percent: 10, stepDown: { whenProjectPercentComplete: 120, percent: 5 } } }),
      'policy.stepDown.whenProjectPercentComplete: must be at most 100',
    ],
    [
      'a project more than 100% complete',
      release({ projectPercentComplete: 100.5 }),
      'projectPercentComplete: must be at most 100',
    ],
    ['no lines', release({ lines: [] }), 'lines: must list at least one budget line'],
    ['an unknown field', { ...release(), currencyCode: 'USD' }, 'currencyCode'],
  ])('refuses %s', (_what, input, expected) => {
    const error = refusal(input);
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain(expected);
    expect(error.message).toMatch(/^release: /);
  });

  it('reports every problem at once', () => {
    const error = refusal(
      release({ lines: [oneLine(), oneLine({ currency: 'EUR' })], approvedAmounts: { L1: 1_000_006, X: 1 } }),
    );
    expect(error.issues.map((i) => i.path).sort()).toEqual([
      'approvedAmounts.L1',
      'approvedAmounts.X',
      'lines.1.currency',
      'lines.1.lineId',
    ]);
  });
});

describe('money primitives', () => {
  it.each([
    [120_000, 'USD', '1200.00 USD'],
    [5, 'USD', '0.05 USD'],
    [0, 'EUR', '0.00 EUR'],
    [-1_050, 'USD', '-10.50 USD'],
    [1_200, 'JPY', '1200 JPY'],
    [1_234, 'KWD', '1.234 KWD'],
    [Number.MAX_SAFE_INTEGER, 'USD', '90071992547409.91 USD'],
  ])('formatMoney(%p, %s) is %s', (minor, currency, expected) => {
    expect(formatMoney(minor, currency)).toBe(expected);
  });

  it('minorUnitsSchema accepts safe non-negative integers and names the problem otherwise', () => {
    expect(minorUnitsSchema.parse(0)).toBe(0);
    expect(minorUnitsSchema.parse(Number.MAX_SAFE_INTEGER)).toBe(Number.MAX_SAFE_INTEGER);
    const message = (value: unknown) => minorUnitsSchema.safeParse(value).error?.issues[0]?.message;
    expect(message(-1)).toBe('must not be negative');
    expect(message(0.5)).toMatch(/whole number of minor units/);
    expect(message(2 ** 53)).toMatch(/whole number of minor units/);
    expect(message('100')).toMatch(/amount in minor units/);
    expect(message(Number.NaN)).toMatch(/amount in minor units/);
  });

  it('currencySchema accepts three upper-case letters only', () => {
    expect(currencySchema.parse('USD')).toBe('USD');
    for (const bad of ['usd', 'US', 'USDX', '', 'U$D']) expect(currencySchema.safeParse(bad).success).toBe(false);
  });
});
