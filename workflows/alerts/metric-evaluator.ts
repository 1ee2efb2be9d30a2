import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  ParentClosePolicy,
  setHandler,
  startChild,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { alertWorkflowId } from '../../domain/alerts/dedup';
import { selectPolicy } from '../../domain/alerts/escalation-policy';
import { ThresholdEvaluator, type MetricTransition } from '../../domain/alerts/metric-rules';
import type { AlertEvent } from '../../domain/alerts/types';
import { now } from '../kit/time';
import { alertEscalation } from './alert-escalation';
import { sourceEventSignal, type AlertEscalationInput } from './messages';
import {
  metricEvaluatorStatusQuery,
  metricSamplesSignal,
  type MetricEvaluatorInput,
  type MetricEvaluatorStatus,
} from './metric-messages';

export { metricEvaluatorStatusQuery, metricSamplesSignal } from './metric-messages';

const DEFAULT_IDLE_AFTER_MS = 60 * 60_000;
const DEFAULT_SAMPLES_PER_RUN = 500;

type AlertTransition = Extract<MetricTransition, { event: AlertEvent }>;
const raisesOrResolves = (t: MetricTransition): t is AlertTransition =>
  t.kind === 'firing' || t.kind === 'repeat' || t.kind === 'resolved';

/**
 * The threshold rules of one configuration (id `metric-evaluator/<config hash>`), fed by
 * `POST /v1/metrics` through signalWithStart. A workflow rather than gateway memory because
 * `for` and staleness are about time passing with no sample arriving, and the state must
 * outlive gateway and worker restarts: it waits on a timer for the evaluator's next due
 * instant. A breach raises alert/<dedupKey> as the other sources do (start, or feed the open
 * alert); recovery or a series going stale resolves it.
 */
export async function metricEvaluator(input: MetricEvaluatorInput): Promise<MetricEvaluatorStatus> {
  const evaluator = new ThresholdEvaluator(input.rules, input.state, input.options);
  const idleAfterMs = input.options?.idleAfterMs ?? DEFAULT_IDLE_AFTER_MS;
  const samplesPerRun = input.options?.samplesPerRun ?? DEFAULT_SAMPLES_PER_RUN;
  const totals = { samples: 0, raised: 0, resolved: 0, ...input.totals };
  const outbox: AlertTransition[] = []; // observed in the signal handler, handed to the alerts by the loop, in order
  let received = 0;
  let lastSampleAt = now();

  setHandler(metricSamplesSignal, ({ samples }) => {
    for (const sample of samples) outbox.push(...evaluator.observe(sample).filter(raisesOrResolves));
    received += samples.length;
    totals.samples += samples.length;
    lastSampleAt = now();
  });
  const status = (): MetricEvaluatorStatus => ({
    rules: input.rules.map((r) => r.name),
    totals: { ...totals },
    series: Object.values(evaluator.snapshot().series),
  });
  setHandler(metricEvaluatorStatusQuery, status);

  let idle = false;
  while (!idle) {
    while (outbox.length > 0) await deliver(outbox.shift()!);
    if (received >= samplesPerRun || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      if (outbox.length === 0) break; // else a last signal came in: deliver it first
      continue;
    }
    const due = evaluator.nextDueAt();
    if (due === undefined || due > now()) {
      // A new sample re-arms the timer only when it brings the due instant forward: a timer
      // that fires early costs one empty advance, one per sample would fill the history.
      const woke = await condition(
        () => outbox.length > 0 || received >= samplesPerRun || dueMovedEarlier(due),
        due === undefined ? Math.max(1, lastSampleAt + idleAfterMs - now()) : due - now(),
      );
      // Nothing breaching and nobody reporting: end; the next sample starts a fresh run.
      idle = !woke && due === undefined && now() - lastSampleAt >= idleAfterMs;
    }
    outbox.push(...evaluator.advance(now()).filter(raisesOrResolves));
  }
  if (idle) return status();
  return continueAsNew<typeof metricEvaluator>({ ...input, state: evaluator.snapshot(), totals });

  function dueMovedEarlier(due: number | undefined): boolean {
    const next = evaluator.nextDueAt();
    return next !== undefined && (due === undefined || next < due);
  }

  async function deliver(transition: AlertTransition): Promise<void> {
    if (transition.kind === 'resolved') {
      totals.resolved += 1;
      return signalAlert(transition.event, 'resolve');
    }
    if (transition.kind === 'firing') totals.raised += 1;
    await raise(transition.event);
  }

  /** signalWithStart semantics from inside a workflow: start alert/<key>, or feed the open one. */
  async function raise(event: AlertEvent): Promise<void> {
    const alertInput: AlertEscalationInput = {
      event,
      intakeId: uuid4(),
      policy: selectPolicy(input.escalation, event.labels, event.severity),
      policies: input.escalation.policies,
    };
    try {
      await startChild(alertEscalation, {
        workflowId: alertWorkflowId(event.dedupKey),
        args: [alertInput],
        parentClosePolicy: ParentClosePolicy.ABANDON, // the alert outlives this run (continue-as-new, idle end)
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      await signalAlert(event, 'trigger');
    }
  }
}

/** The alert may have been resolved and closed by an operator already: then there is nothing to tell. */
async function signalAlert(event: AlertEvent, what: string): Promise<void> {
  try {
    await getExternalWorkflowHandle(alertWorkflowId(event.dedupKey)).signal(sourceEventSignal, {
      event,
      intakeId: uuid4(),
    });
  } catch (err) {
    log.info(`alert not open, ${what} dropped`, { dedupKey: event.dedupKey, error: String(err) });
  }
}
