import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { EscalationConfig } from '../../domain/alerts/escalation-policy';
import type {
  EvaluatorOptions,
  EvaluatorState,
  MetricSample,
  SeriesState,
  ThresholdRule,
} from '../../domain/alerts/metric-rules';

/**
 * The contract of `metricEvaluator` (metric-evaluator.ts): what the gateway's
 * `POST /v1/metrics` sends. In its own file so clients import the definitions without the
 * workflow code.
 */

export const METRIC_EVALUATOR_TYPE = 'metricEvaluator';

export interface MetricEvaluatorInput {
  /** Already parsed from the config file (metric-rules-schemas.ts), at the boundary. */
  rules: ThresholdRule[];
  /** A breach becomes alert/<dedupKey> with the policy selectPolicy chooses from this. */
  escalation: EscalationConfig;
  options?: EvaluatorOptions & {
    /** With no series breaching and no sample for this long the run completes (default 1 hour); the next sample starts a new one. */
    idleAfterMs?: number;
    /** Continue-as-new after this many samples, so history stays bounded (default 500). */
    samplesPerRun?: number;
  };
  /** Carried over by continue-as-new. */
  state?: EvaluatorState;
  totals?: MetricEvaluatorTotals;
}

export interface MetricEvaluatorTotals {
  samples: number;
  raised: number;
  resolved: number;
}

export interface MetricSamplesMessage {
  samples: MetricSample[];
}

export interface MetricEvaluatorStatus {
  rules: string[];
  totals: MetricEvaluatorTotals;
  /** Breaching series, pending or firing. */
  series: SeriesState[];
}

export const metricSamplesSignal = defineSignal<[MetricSamplesMessage]>('metricSamples');
export const metricEvaluatorStatusQuery = defineQuery<MetricEvaluatorStatus>('status');
