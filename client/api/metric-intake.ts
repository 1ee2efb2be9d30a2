import { createHash } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { canonicalJson } from '../../domain/canonical-json';
import type { EscalationConfig } from '../../domain/alerts/escalation-policy';
import type { MetricSample, ThresholdRule } from '../../domain/alerts/metric-rules';
import {
  METRIC_EVALUATOR_TYPE,
  metricSamplesSignal,
  type MetricEvaluatorInput,
} from '../../workflows/alerts/metric-messages';
import { asUnavailable, DEFAULT_DEADLINE_MS } from './alert-intake';

export interface MetricIntakeConfig {
  rules: ThresholdRule[];
  escalation: EscalationConfig;
}

export interface SubmittedSamples {
  /** Samples handed to the evaluator; the others name no metric any rule watches. */
  accepted: number;
  ignored: number;
  /** undefined when nothing was signalled. */
  workflowId?: string;
}

/**
 * One evaluator per configuration: the id carries a digest of the rules and the escalation
 * policies, so a changed config file starts a fresh evaluator instead of feeding samples to
 * one that still runs the old rules (a running workflow's input cannot change).
 */
export function metricEvaluatorId(config: MetricIntakeConfig): string {
  let id = evaluatorIds.get(config);
  if (id === undefined) {
    const digest = createHash('sha256')
      .update(canonicalJson({ rules: config.rules, escalation: config.escalation }))
      .digest('hex');
    id = `metric-evaluator/${digest.slice(0, 16)}`;
    evaluatorIds.set(config, id);
  }
  return id;
}
/** The gateway builds its config once: its digest is computed once, not on every POST. */
const evaluatorIds = new WeakMap<MetricIntakeConfig, string>();

/**
 * Hands samples to the evaluator by signalWithStart; resolves once Temporal has accepted
 * the signal. Samples of metrics no rule names are dropped here, so they never reach the
 * evaluator's history. Throws ApiError 503 when Temporal is unreachable.
 */
export async function submitMetricSamples(
  client: Client,
  taskQueue: string,
  samples: MetricSample[],
  config: MetricIntakeConfig,
  options: { deadlineMs?: number } = {},
): Promise<SubmittedSamples> {
  const watched = new Set(config.rules.map((rule) => rule.metric));
  // Oldest first: the evaluator ignores a sample older than its series' last one.
  const relevant = samples.filter((sample) => watched.has(sample.name)).sort((a, b) => a.at - b.at);
  const ignored = samples.length - relevant.length;
  if (relevant.length === 0) return { accepted: 0, ignored };
  const workflowId = metricEvaluatorId(config);
  const input: MetricEvaluatorInput = { rules: config.rules, escalation: config.escalation };
  try {
    await client.withDeadline(Date.now() + (options.deadlineMs ?? DEFAULT_DEADLINE_MS), () =>
      client.workflow.signalWithStart(METRIC_EVALUATOR_TYPE, {
        workflowId,
        taskQueue,
        args: [input],
        signal: metricSamplesSignal,
        signalArgs: [{ samples: relevant }],
      }),
    );
  } catch (err) {
    throw asUnavailable(err);
  }
  return { accepted: relevant.length, ignored, workflowId };
}
