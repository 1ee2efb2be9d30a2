import { conditionProblem, evaluateCondition, parseCondition } from '../../domain/deploy/analysis-conditions';
import {
  CONSECUTIVE_ERROR_LIMIT,
  measurementPhase,
  measurementText,
  metricPhase,
  newAnalysisTally,
  tallyMeasurement,
  type AnalysisLimits,
  type AnalysisTally,
  type MeasurementPhase,
} from '../../domain/deploy/analysis';
import type { AnalysisMetric } from '../../domain/deploy/deploy-types';

/** Whether `text` holds for `result` (the test fails if it does not parse). */
function holds(text: string, result: number): boolean {
  const parsed = parseCondition(text);
  if (!('condition' in parsed)) throw new Error(parsed.problem);
  return evaluateCondition(parsed.condition, result);
}

describe('analysis conditions', () => {
  it.each([
    ['result < 0.05', 0.04, true],
    ['result < 0.05', 0.05, false],
    ['result <= 0.05', 0.05, true],
    ['result > 10', 11, true],
    ['result >= 10', 9.99, false],
    ['result == 0', 0, true],
    ['result != 0', 0, false],
    ['0.9 <= result', 0.95, true],
    ['result > -1.5e-3', -0.001, true],
    ['result >= 0.9 && result <= 1', 0.95, true],
    ['result >= 0.9 && result <= 1', 1.01, false],
    ['result < 0 || result > 100', 101, true],
    ['result < 0 || result > 100', 50, false],
    // && binds tighter than ||: true || (false && false).
    ['result < 1 || result > 5 && result < 3', 0, true],
    ['(result < 1 || result > 5) && result < 3', 6, false],
    ['((result<.5))', 0.25, true],
  ])('%s with result %p is %p', (text, result, expected) => {
    expect(holds(text, result)).toBe(expected);
  });

  it.each([
    ['', 'must not be empty'],
    ['   ', 'must not be empty'],
    ['result < 0.05 and result > 0', 'unexpected "and result > 0" at 15'],
    ['process.exit(1)', 'unexpected "process.exit(1)" at 1'],
    ['result = 1', 'unexpected "= 1" at 8'],
    ['result <', 'expected result or a number, found the end'],
    ['1 < 2', 'each comparison must involve result'],
    ['(result < 1', 'expected ")", found the end'],
    ['result < 1)', 'expected &&, || or the end, found ")" at 11'],
    ['result < 1 &&', 'expected result or a number, found the end'],
    ['value < 1', 'unexpected "value < 1" at 1'],
    ['result', 'expected a comparison'],
  ])('refuses %p', (text, problem) => {
    expect(conditionProblem(text)).toContain(problem);
  });

  it('accepts what it evaluates', () => {
    expect(conditionProblem('result >= 0.9 && result <= 1')).toBeUndefined();
  });
});

const successOnly: AnalysisMetric = { name: 'errors', http: 'x', successCondition: 'result < 0.05' };
const both: AnalysisMetric = {
  name: 'latency',
  prometheus: 'q',
  successCondition: 'result < 200',
  failureCondition: 'result > 500',
};

describe('measurement phases (Argo semantics)', () => {
  it('judges a metric with a successCondition only', () => {
    expect(metricPhase(successOnly, 0.01)).toBe('successful');
    expect(metricPhase(successOnly, 0.5)).toBe('failed');
  });

  it('judges a metric with both conditions: failed, successful or inconclusive', () => {
    expect(metricPhase(both, 600)).toBe('failed');
    expect(metricPhase(both, 100)).toBe('successful');
    expect(metricPhase(both, 300)).toBe('inconclusive');
  });

  it('gives failure precedence when both conditions hold', () => {
    expect(metricPhase({ ...both, successCondition: 'result > 0' }, 600)).toBe('failed');
  });

  it('calls a missing value, NaN or a broken condition an error', () => {
    expect(metricPhase(successOnly, null)).toBe('error');
    expect(metricPhase(successOnly, undefined)).toBe('error');
    expect(metricPhase(successOnly, Number.NaN)).toBe('error');
    expect(metricPhase({ ...successOnly, successCondition: 'result <' }, 1)).toBe('error');
  });

  it('takes the worst metric of a measurement', () => {
    expect(measurementPhase([successOnly, both], { errors: 0.01, latency: 100 })).toBe('successful');
    expect(measurementPhase([successOnly, both], { errors: 0.01, latency: 300 })).toBe('inconclusive');
    expect(measurementPhase([successOnly, both], { errors: 0.5, latency: 300 })).toBe('failed');
    expect(measurementPhase([successOnly, both], { errors: 0.5, latency: null })).toBe('error');
    expect(measurementPhase([successOnly, both], { errors: 0.01 })).toBe('error');
    expect(measurementPhase([successOnly], { errors: 0.01 }, 'prometheus: connection refused')).toBe('error');
  });
});

/** Feeds phases one by one; returns each outcome and the last tally. */
function run(phases: MeasurementPhase[], limits: AnalysisLimits) {
  let tally: AnalysisTally = newAnalysisTally();
  const outcomes: string[] = [];
  let reason: string | undefined;
  for (const phase of phases) {
    const next = tallyMeasurement(tally, phase, limits);
    tally = next.tally;
    outcomes.push(next.outcome);
    reason = next.reason;
  }
  return { outcomes, tally, reason };
}

describe('analysis tally', () => {
  const limits = { count: 3, failureLimit: 0, inconclusiveLimit: 0 };

  it('succeeds after count successful measurements', () => {
    const { outcomes, tally, reason } = run(['successful', 'successful', 'successful'], limits);
    expect(outcomes).toEqual(['running', 'running', 'successful']);
    expect(tally).toEqual({ measured: 3, successful: 3, failed: 0, inconclusive: 0, errors: 0, consecutiveErrors: 0 });
    expect(reason).toBe('3 of 3 measurements successful');
  });

  it('fails at the first failure with failureLimit 0', () => {
    const { outcomes, reason } = run(['failed'], limits);
    expect(outcomes).toEqual(['failed']);
    expect(reason).toBe('1 of 1 measurements failed (failureLimit 0)');
  });

  it('tolerates failures up to failureLimit', () => {
    const tolerant = { ...limits, count: 4, failureLimit: 1 };
    expect(run(['failed', 'successful', 'successful', 'successful'], tolerant).outcomes).toEqual([
      'running',
      'running',
      'running',
      'successful',
    ]);
    expect(run(['failed', 'successful', 'failed'], tolerant).outcomes).toEqual(['running', 'running', 'failed']);
  });

  it('turns inconclusive above inconclusiveLimit', () => {
    expect(run(['successful', 'inconclusive'], limits)).toMatchObject({
      outcomes: ['running', 'inconclusive'],
      reason: '1 of 2 measurements inconclusive (inconclusiveLimit 0)',
    });
    expect(run(['inconclusive', 'successful', 'successful'], { ...limits, inconclusiveLimit: 1 }).outcomes).toEqual([
      'running',
      'running',
      'successful',
    ]);
  });

  it(`fails after ${CONSECUTIVE_ERROR_LIMIT} errors in a row, and an answer resets the run`, () => {
    const { outcomes, reason, tally } = run(['error', 'error', 'error', 'error'], limits);
    expect(outcomes).toEqual(['running', 'running', 'running', 'failed']);
    expect(reason).toBe('4 measurements in a row could not be taken');
    expect(tally.measured).toBe(0);
    const interrupted = run(
      ['error', 'error', 'error', 'successful', 'error', 'error', 'error', 'successful', 'successful'],
      limits,
    );
    expect(interrupted.outcomes.at(-1)).toBe('successful');
    expect(interrupted.tally).toMatchObject({ errors: 6, measured: 3, consecutiveErrors: 0 });
  });

  it('does not count errors toward count', () => {
    expect(run(['successful', 'error', 'successful'], limits).outcomes.at(-1)).toBe('running');
  });

  it('keeps the tally plain data and does not change the one passed in', () => {
    const before = newAnalysisTally();
    const { tally } = tallyMeasurement(before, 'failed', limits);
    expect(before).toEqual(newAnalysisTally());
    expect(JSON.parse(JSON.stringify(tally))).toEqual(tally);
  });
});

describe('measurementText', () => {
  const metrics = [
    { name: 'errors', successCondition: 'result < 0.05' },
    { name: 'latency', successCondition: 'result <= 300' },
  ];
  it('names each metric with its value and its success condition; a missing value says so', () => {
    expect(measurementText(metrics, { errors: 0.123456, latency: null })).toBe(
      'errors = 0.1235 (success when result < 0.05), latency = no value (success when result <= 300)',
    );
  });
});
