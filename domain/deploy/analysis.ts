import { evaluateCondition, parseCondition, type Condition } from './analysis-conditions';
import type { AnalysisConfig, AnalysisMetric } from './deploy-types';

/**
 * Judging a progressive step's analysis, Argo Rollouts style: each measurement is
 * successful, failed, inconclusive or an error, and a tally over the measurements decides
 * the step. Plain data in and out, so the tally lives in the workflow's state and replays.
 */

export type MeasurementPhase = 'successful' | 'failed' | 'inconclusive' | 'error';
export type AnalysisOutcome = 'running' | 'successful' | 'failed' | 'inconclusive';

/** Four errors in a row fail the analysis: Argo's default consecutiveErrorLimit. */
export const CONSECUTIVE_ERROR_LIMIT = 4;

const parsedConditions = new Map<string, Condition | undefined>();

/** A condition's parse, kept: the same few texts are judged at every measurement. */
function conditionOf(text: string): Condition | undefined {
  if (!parsedConditions.has(text)) {
    const parsed = parseCondition(text);
    parsedConditions.set(text, 'condition' in parsed ? parsed.condition : undefined);
  }
  return parsedConditions.get(text);
}

/**
 * One metric's phase for `value` (Argo's rules): failed when failureCondition holds, or when
 * successCondition does not and there is no failureCondition; inconclusive when both are
 * given and neither holds. No value, or a condition that does not parse: error.
 */
export function metricPhase(metric: AnalysisMetric, value: number | null | undefined): MeasurementPhase {
  if (value === null || value === undefined || Number.isNaN(value)) return 'error';
  const success = conditionOf(metric.successCondition);
  const failure = metric.failureCondition === undefined ? undefined : conditionOf(metric.failureCondition);
  if (!success || (metric.failureCondition !== undefined && !failure)) return 'error';
  if (failure && evaluateCondition(failure, value)) return 'failed';
  if (evaluateCondition(success, value)) return 'successful';
  return failure ? 'inconclusive' : 'failed';
}

/**
 * The values of a measurement against their conditions, for a reason a person reads:
 * `error-ratio = 0.5 (success when result < 0.05)`; metrics without a value say so.
 */
export function measurementText(
  metrics: readonly AnalysisMetric[],
  values: Readonly<Record<string, number | null>>,
): string {
  return metrics
    .map((metric) => {
      const value = Object.hasOwn(values, metric.name) ? values[metric.name] : undefined;
      const shown = value === null || value === undefined ? 'no value' : String(Number(value.toPrecision(4)));
      return `${metric.name} = ${shown} (success when ${metric.successCondition})`;
    })
    .join(', ');
}

const SEVERITY: readonly MeasurementPhase[] = ['successful', 'inconclusive', 'failed', 'error'];

/** A measurement of every metric as one phase: its worst metric's (error, then failed, then inconclusive). */
export function measurementPhase(
  metrics: readonly AnalysisMetric[],
  values: Readonly<Record<string, number | null>>,
  error?: string,
): MeasurementPhase {
  if (error !== undefined) return 'error';
  return metrics
    .map((metric) => metricPhase(metric, Object.hasOwn(values, metric.name) ? values[metric.name] : undefined))
    .reduce<MeasurementPhase>(
      (worst, phase) => (SEVERITY.indexOf(phase) > SEVERITY.indexOf(worst) ? phase : worst),
      'successful',
    );
}

/** The running count of one analysis (one progressive step). */
export interface AnalysisTally {
  /** Measurements with a verdict (errors excluded: they are retried at the next interval). */
  measured: number;
  successful: number;
  failed: number;
  inconclusive: number;
  errors: number;
  consecutiveErrors: number;
}

export function newAnalysisTally(): AnalysisTally {
  return { measured: 0, successful: 0, failed: 0, inconclusive: 0, errors: 0, consecutiveErrors: 0 };
}

export type AnalysisLimits = Pick<AnalysisConfig, 'count' | 'failureLimit' | 'inconclusiveLimit'>;

/**
 * The tally after one more measurement, and what it says: failed when more measurements
 * failed than failureLimit or CONSECUTIVE_ERROR_LIMIT errors came in a row, inconclusive when
 * more were inconclusive than inconclusiveLimit, successful after `count` measurements
 * otherwise, else running. `reason` explains every outcome but running.
 */
export function tallyMeasurement(
  tally: AnalysisTally,
  phase: MeasurementPhase,
  limits: AnalysisLimits,
): { tally: AnalysisTally; outcome: AnalysisOutcome; reason?: string } {
  if (phase === 'error') {
    const next = { ...tally, errors: tally.errors + 1, consecutiveErrors: tally.consecutiveErrors + 1 };
    return next.consecutiveErrors >= CONSECUTIVE_ERROR_LIMIT
      ? { tally: next, outcome: 'failed', reason: `${next.consecutiveErrors} measurements in a row could not be taken` }
      : { tally: next, outcome: 'running' };
  }
  const next = { ...tally, measured: tally.measured + 1, consecutiveErrors: 0, [phase]: tally[phase] + 1 };
  if (next.failed > limits.failureLimit)
    return {
      tally: next,
      outcome: 'failed',
      reason: `${next.failed} of ${next.measured} measurements failed (failureLimit ${limits.failureLimit})`,
    };
  if (next.inconclusive > limits.inconclusiveLimit)
    return {
      tally: next,
      outcome: 'inconclusive',
      reason: `${next.inconclusive} of ${next.measured} measurements inconclusive (inconclusiveLimit ${limits.inconclusiveLimit})`,
    };
  if (next.measured >= limits.count)
    return {
      tally: next,
      outcome: 'successful',
      reason: `${next.successful} of ${next.measured} measurements successful`,
    };
  return { tally: next, outcome: 'running' };
}
