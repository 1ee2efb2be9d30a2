import {
  allHandlersFinished,
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { resolveDeploymentTarget } from '../../domain/deploy/deploy-plan';
import {
  deployQueueWorkflowId,
  type DeploymentInput,
  type DeploymentView,
  type EnvironmentConfig,
} from '../../domain/deploy/deploy-types';
import { deploymentInputSchema } from '../../domain/deploy/deployment-input';
import { deployAlertSchema } from '../../domain/deploy/deployment-requests';
import { DeploymentState } from '../../domain/deploy/deployment-state';
import { SEARCH_DAYS, windowState } from '../../domain/deploy/freeze-windows';
import { durationToMs } from '../../domain/durations';
import { shapeRefusal } from '../../domain/validation';
import { wireOperatorMessages } from '../kit/operator-messages';
import { now } from '../kit/time';
import { invalidInput, parseWorkflowInput } from '../kit/workflow-input';
import { bookkeeping, healthChecks, targets } from './deploy-activities';
import { compensate, type Ending } from './deploy-compensation';
import {
  approval,
  deployEnvironment,
  failureMessage,
  refusalOf,
  targetRequest,
  type DeployRun,
} from './deploy-environment';
import * as messages from './deploy-messages';
import { DeploymentRecorder } from './deployment-recorder';
import { LINK_INCIDENT_PATCH, linkIncident } from './incident-link';
import { runQualityPipeline } from './quality-pipeline';

/** The watch looks at the service's health at most this often (each look is a full health check). */
const WATCH_CHECK_MIN_MS = 60_000;

/**
 * One version to one environment of a service (id deploy/<service>/<environment>/<version>):
 * its turn in the service's queue, the artifact and what serves now, the quality gate, the
 * freeze window, then each environment of its `after` chain (approval where configured,
 * deploy, health, smoke, progressive steps with analysis), and the post-deploy watch. A
 * failure after a change, an abort or a rollback (at any stage) undoes every change, the last
 * first (deploy-compensation.ts). The queue always hears that it ended.
 */
export async function deployment(raw: DeploymentInput): Promise<DeploymentView> {
  const input = parseWorkflowInput(deploymentInputSchema, raw, 'deployment input');
  const chain = chainOf(input);
  const last = chain[chain.length - 1]!;
  const state = new DeploymentState(input, workflowInfo().workflowId, now());
  const recorder = new DeploymentRecorder(state);
  const run: DeployRun = { input, state, recorder, previous: new Map(), changed: [], publicUrls: new Map() };
  let joined = false;
  wireMessages(state);

  let ending: Ending | undefined;
  try {
    ending = await untilStopped(state, story);
  } catch (err) {
    const reason = isCancellation(err) ? 'the deployment was cancelled' : failureMessage(err);
    if (isCancellation(err) || run.changed.length > 0) state.requestStop('abort', 'system', reason, now());
    else ending = { status: 'failed', reason };
  }
  return CancellationScope.nonCancellable(async () => {
    if (state.stop) ending = await compensate(run, state.stop);
    state.endRunningStages('failed', now(), ending?.reason ?? 'ended');
    state.end(ending!.status, now(), ending!.reason);
    if (joined)
      await getExternalWorkflowHandle(deployQueueWorkflowId(input.service, input.environment))
        .signal(messages.deployDoneSignal, { workflowId: state.workflowId })
        .catch(() => undefined); // the queue is gone: nothing waits behind this one
    // An alert that counted is what rolled back: its incident hears of it.
    if (ending!.status === 'rolled_back' && state.alert?.incidentId && patched(LINK_INCIDENT_PATCH))
      await linkIncident(state, state.alert);
    await condition(allHandlersFinished);
    await recorder.settle();
    return state.view();
  });

  async function story(): Promise<Ending | undefined> {
    // 1. One deployment at a time per service and environment.
    await bookkeeping.joinDeployQueue({
      service: input.service,
      environment: input.environment,
      workflowId: state.workflowId,
    });
    joined = true;
    await recorder.waitFor(() => state.queue !== undefined);
    if (state.queue!.position > 0 && input.whenBusy === 'refuse')
      return { status: 'rejected', reason: `${state.reason}; whenBusy is refuse` };
    await recorder.waitFor(() => state.queue!.position === 0);
    // 2. The artifact exists, and what serves now (to roll back to).
    const invalid = await validate();
    if (invalid) return { status: 'failed', reason: invalid };
    // 3. The quality gate's verdict for the commit.
    const gate = await qualityGate();
    if (gate) return { status: 'failed', reason: gate };
    // 4. The freeze window: sleep until it opens, unless an admin overrides it.
    const closed = await freezeWindow(last);
    if (closed) return { status: 'failed', reason: closed };
    // 5. Each environment of the chain, behind its approval.
    let vars;
    for (const env of chain) {
      if (env.approval) {
        const rejected = await approval(run, env, env.approval);
        if (rejected) return { status: 'rejected', reason: rejected };
      }
      vars = await deployEnvironment(run, env);
      if (state.stop) return undefined;
    }
    // 6. The post-deploy watch.
    await watch(last, vars!);
    if (state.stop) return undefined;
    return { status: 'succeeded', reason: `${input.version} serves in ${input.environment}` };
  }

  async function validate(): Promise<string | undefined> {
    state.setStatus('validating', now());
    state.startStage('validate', now());
    for (const env of chain) {
      try {
        const seen = await targets.inspectTarget(targetRequest(run, env, 'validate'));
        run.previous.set(env.name, seen.serving);
      } catch (err) {
        const refusal = refusalOf(err, 'InvalidInput');
        if (refusal === undefined) throw err;
        state.endStage('validate', 'failed', now(), refusal);
        return refusal;
      }
    }
    state.previousVersion = run.previous.get(input.environment);
    state.endStage('validate', 'done', now(), `${input.environment} serves ${state.previousVersion ?? 'nothing yet'}`);
    return undefined;
  }

  /**
   * The quality gate (issue #13) of the version's commit, as stored; without one and with
   * the repository's `source` known, the commit's pipeline runs now (a child: its gate
   * decides). Without a verdict, a required gate fails the deployment with the reason.
   */
  async function qualityGate(): Promise<string | undefined> {
    const quality = input.config.quality;
    if (!quality) return undefined;
    state.startStage('quality', now());
    const subject = `${quality.repo}@${input.commit ?? '(no commit given)'}`;
    let verdict = input.commit ? await bookkeeping.qualityVerdict({ repo: quality.repo, commit: input.commit }) : null;
    if (!verdict && quality.source && input.commit) {
      const ran = await runQualityPipeline({ ...quality, source: quality.source }, { ...input, commit: input.commit });
      if ('refusal' in ran) return stageFailed('quality', ran.refusal);
      verdict = ran.verdict;
    }
    if (verdict?.verdict === 'pass') state.endStage('quality', 'done', now(), `passed: ${verdict.gateId}`);
    else if (verdict) return stageFailed('quality', `quality gate ${verdict.gateId} failed for ${subject}`);
    else if (quality.required) return stageFailed('quality', `no quality gate verdict for ${subject}`);
    else state.endStage('quality', 'skipped', now(), `no quality gate verdict for ${subject} (not required)`);
    return undefined;
  }

  /** Inside a window (workflow time, DST-correct), overridden by an admin, or asleep until it opens. */
  async function freezeWindow(env: EnvironmentConfig): Promise<string | undefined> {
    state.startStage('window', now(), env.name);
    for (;;) {
      const override = state.window?.override;
      if (override)
        return void state.endStage('window', 'done', now(), `overridden by ${override.actor}: ${override.reason}`);
      const window = windowState(env.windows, now());
      if (window.open)
        return void state.endStage('window', env.windows ? 'done' : 'skipped', now(), 'inside the window');
      if (window.opensAt === undefined)
        return stageFailed('window', `no deploy window opens within ${SEARCH_DAYS} days`);
      const opensAt = new Date(window.opensAt).toISOString();
      state.waitForWindow(
        window.opensAt,
        now(),
        `${window.reason ?? 'outside the deploy windows'}: waiting until ${opensAt}`,
      );
      await recorder.waitFor(() => state.windowOverridden, window.opensAt - now());
    }
  }

  /** Watching the version after the last step: an alert (forwarded by the queue) or a failing health check rolls back. */
  async function watch(env: EnvironmentConfig, vars: Awaited<ReturnType<typeof deployEnvironment>>): Promise<void> {
    if (!env.watch) return;
    const until = now() + durationToMs(env.watch);
    state.startStage('watch', now(), env.name);
    state.startWatch(until, now());
    const health = env.health;
    const checkEvery = health ? Math.max(durationToMs(health.interval), WATCH_CHECK_MIN_MS) : Number.POSITIVE_INFINITY;
    while (now() < until) {
      if (await recorder.waitFor(() => state.alert !== undefined, Math.min(checkEvery, until - now()))) {
        const { alertId, summary, incidentId } = state.alert!;
        const reason = `alert ${alertId} fired during the watch: ${summary}${incidentId ? ` (incident ${incidentId})` : ''}`;
        stageFailed('watch', reason);
        return state.requestStop('rollback', 'alert', reason, now());
      }
      if (!health || now() >= until) continue;
      const checked = await healthChecks(durationToMs(health.timeout)).runHealthChecks({ health, vars });
      if (!checked.ok) {
        const reason = `${env.name} health check failed during the watch: ${checked.detail}`;
        stageFailed('watch', reason);
        return state.requestStop('rollback', 'system', reason, now());
      }
    }
    state.endStage('watch', 'done', now(), `no alert and healthy for ${env.watch}`);
  }

  function stageFailed(name: string, reason: string): string {
    state.endStage(name, 'failed', now(), reason);
    return reason;
  }
}

/** The environments the version goes through, computed as the start path does; an input that names none fails the run at once. */
function chainOf(input: DeploymentInput): EnvironmentConfig[] {
  try {
    return resolveDeploymentTarget({ services: [input.config] }, input.service, input.environment).chain;
  } catch (err) {
    throw invalidInput(err);
  }
}

/**
 * Runs the story until it ends or a stop (abort, rollback, a failure's own stop) is asked for:
 * then the story is cancelled where it waits (a running target change finishes its cancellation
 * first) and undefined is returned.
 */
async function untilStopped<T>(state: DeploymentState, work: () => Promise<T>): Promise<T | undefined> {
  const scope = new CancellationScope();
  const done = scope.run(work);
  const first = await Promise.race([
    done.then((value) => ({ value })),
    condition(() => state.stop !== undefined).then(() => undefined),
  ]);
  if (first) return first.value;
  scope.cancel();
  await done.catch(() => undefined);
  return undefined;
}

/** Each operator message validated by the state's rule; the queue's turn and the alerts it forwards. */
function wireMessages(state: DeploymentState): void {
  const view = {
    view: () => state.view(),
    recordRefused: (kind: string, request: unknown, reason: string) =>
      state.recordRefused(kind, request, reason, now()),
  };
  wireOperatorMessages(view, {
    approve: {
      update: messages.approveUpdate,
      signal: messages.approveSignal,
      refusal: (request) => state.refusalOfApprove(request),
      apply: (request) => state.approve(request, now()),
    },
    reject: {
      update: messages.rejectUpdate,
      signal: messages.rejectSignal,
      refusal: (request) => state.refusalOfReject(request),
      apply: (request) => state.reject(request, now()),
    },
    promote: {
      update: messages.promoteUpdate,
      signal: messages.promoteSignal,
      refusal: (request) => state.refusalOfPromote(request),
      apply: (request) => state.promote(request, now()),
    },
    pause: {
      update: messages.pauseUpdate,
      signal: messages.pauseSignal,
      refusal: (request) => state.refusalOfPause(request),
      apply: (request) => state.pause(request, now()),
    },
    resume: {
      update: messages.resumeUpdate,
      signal: messages.resumeSignal,
      refusal: (request) => state.refusalOfResume(request),
      apply: (request) => state.resume(request, now()),
    },
    abort: {
      update: messages.abortUpdate,
      signal: messages.abortSignal,
      refusal: (request) => state.refusalOfAbort(request),
      apply: (request) => state.abort(request, now()),
    },
    rollback: {
      update: messages.rollbackUpdate,
      signal: messages.rollbackSignal,
      refusal: (request) => state.refusalOfRollback(request),
      apply: (request) => state.rollback(request, now()),
    },
    overrideWindow: {
      update: messages.overrideWindowUpdate,
      signal: messages.overrideWindowSignal,
      refusal: (request) => state.refusalOfOverrideWindow(request),
      apply: (request) => state.overrideWindow(request, now()),
    },
  });
  setHandler(messages.deploymentStatusQuery, () => state.view());
  setHandler(messages.deployTurnSignal, ({ position, ahead }) => state.queuedAt(position, ahead, now()));
  setHandler(messages.deployAlertSignal, (alert) => {
    const malformed = shapeRefusal(deployAlertSchema, alert);
    if (malformed) state.recordRefused('deployAlert', alert, malformed, now());
    else state.alerted(alert, now());
  });
}
