import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure } from '@temporalio/workflow';
import type { DeployVars, TargetOutcome, TargetRequest } from '../../activities/deploy/deploy-activity-types';
import type { NotificationTarget } from '../../activities/notifications/channels';
import { measurementPhase, measurementText, newAnalysisTally, tallyMeasurement } from '../../domain/deploy/analysis';
import type { DeploymentInput, EnvironmentConfig, ReviewersConfig } from '../../domain/deploy/deploy-types';
import type { DeploymentState } from '../../domain/deploy/deployment-state';
import { durationToMs } from '../../domain/durations';
import { now, nowIso } from '../kit/time';
import { healthChecks, measurements, notifications, smokeTests, targets } from './deploy-activities';
import type { DeploymentRecorder } from './deployment-recorder';

/** One deployment run as its steps share it. */
export interface DeployRun {
  input: DeploymentInput;
  state: DeploymentState;
  recorder: DeploymentRecorder;
  /** What each environment served before this deployment (read when its turn came). */
  previous: Map<string, string | undefined>;
  /** The environments changed so far, in order: the saga undoes them in reverse. */
  changed: EnvironmentConfig[];
  /** Where each environment's users reach it (the deploy's publicUrl): the previous version is checked there after a rollback. */
  publicUrls: Map<string, string>;
}

/** The target request of `stage` (`staging.deploy`, `production.step-2`): its record key. */
export function targetRequest(run: DeployRun, env: EnvironmentConfig, stage: string): TargetRequest {
  const { input, state } = run;
  const previousVersion = run.previous.get(env.name);
  return {
    workflowId: state.workflowId,
    stage: `${env.name}.${stage}`,
    service: input.service,
    environment: env.name,
    target: env.target,
    configDir: input.configDir,
    version: input.version,
    ...(input.artifact ? { artifact: input.artifact } : {}),
    ...(previousVersion ? { previousVersion } : {}),
  };
}

export function varsOf(run: DeployRun, env: EnvironmentConfig, outcome?: TargetOutcome, version?: string): DeployVars {
  const previousVersion = run.previous.get(env.name);
  return {
    service: run.input.service,
    environment: env.name,
    version: version ?? run.input.version,
    ...(previousVersion ? { previousVersion } : {}),
    ...(outcome?.baseUrl ? { baseUrl: outcome.baseUrl } : {}),
    ...(outcome?.publicUrl ? { publicUrl: outcome.publicUrl } : {}),
  };
}

/**
 * The reviewers' decision before `env` changes: votes until the quorum, the first reject, or
 * the deadline (then rejected, with the reason). Reviewers hear of the request, and again
 * every `remindEvery`. Returns the rejection's reason, or undefined when approved.
 */
export async function approval(
  run: DeployRun,
  env: EnvironmentConfig,
  reviewers: ReviewersConfig,
): Promise<string | undefined> {
  const { state, recorder } = run;
  const name = `${env.name}.approval`;
  const deadline = now() + durationToMs(reviewers.deadline);
  state.startStage(name, now(), env.name);
  state.openApproval(reviewers, deadline, now());
  await notifyReviewers(run, env, reviewers, 'request');
  const remindMs = reviewers.remindEvery ? durationToMs(reviewers.remindEvery) : undefined;
  const decided = () => state.approvalOutcome !== undefined;
  for (let reminder = 1; !decided() && now() < deadline; reminder++) {
    const next = remindMs === undefined ? deadline - now() : Math.min(remindMs, deadline - now());
    if (!(await recorder.waitFor(decided, next)) && now() < deadline)
      await notifyReviewers(run, env, reviewers, `reminder-${reminder}`);
  }
  const votes = state.approvals?.votes ?? [];
  const approvals = votes.filter((vote) => vote.decision === 'approve').length;
  const reject = votes.find((vote) => vote.decision === 'reject');
  const outcome = state.approvalOutcome;
  const reason =
    outcome === 'approved'
      ? undefined
      : reject
        ? `rejected by ${reject.actor}${reject.comment ? `: ${reject.comment}` : ''}`
        : `approval deadline passed (${reviewers.deadline}) with ${approvals} of ${reviewers.quorum} approvals`;
  state.endStage(name, reason ? 'failed' : 'done', now(), reason ?? `${approvals} of ${reviewers.quorum} approvals`);
  return reason;
}

async function notifyReviewers(run: DeployRun, env: EnvironmentConfig, reviewers: ReviewersConfig, step: string) {
  const { input, state } = run;
  const deadline = state.approvals?.deadline ?? '';
  await notifyAll(run, reviewers.notify, step, {
    title: `Approve ${input.service} ${input.version} to ${env.name}?`,
    text:
      `${input.requestedBy} asks to deploy ${input.service} ${input.version} to ${env.name}. ` +
      `${reviewers.quorum} approval(s) needed by ${deadline}: arxflow deploy approve ${input.service} --env ${input.environment}`,
  });
}

/** Tells each target once per step (key: workflow id + step + target): a retry never sends twice. */
export async function notifyAll(
  run: DeployRun,
  targets: ReviewersConfig['notify'],
  step: string,
  message: { title: string; text: string },
): Promise<void> {
  const to: NotificationTarget[] = targets.flatMap((target) => [
    ...(target.slack ? [{ kind: 'slack_channel' as const, to: target.slack }] : []),
    ...(target.email ? [{ kind: 'email' as const, to: target.email }] : []),
  ]);
  for (const target of to) {
    await notifications
      .deliverNotification({ key: `${run.state.workflowId}/${step}/${target.to}`, target, message })
      .catch((err: unknown) =>
        run.state.note(now(), 'system', 'notification failed', `${target.to}: ${failureMessage(err)}`),
      );
  }
}

/**
 * `env` for the version: deploy beside what serves, health checks and smoke tests against the
 * new version, then the progressive steps with their analysis. A failure asks for the rollback
 * (state.stop) and returns.
 */
export async function deployEnvironment(run: DeployRun, env: EnvironmentConfig): Promise<DeployVars> {
  const { state } = run;
  state.setStatus('deploying', now(), `${env.name}: deploying ${run.input.version}`);
  run.changed.push(env); // before the call: a change cut off half way is undone too (rollbacks are idempotent)
  const deployed = await stage(run, env, 'deploy', () => targets.deployVersion(targetRequest(run, env, 'deploy')));
  const vars = varsOf(run, env, deployed);
  const publicUrl = deployed.publicUrl ?? deployed.baseUrl;
  if (publicUrl) run.publicUrls.set(env.name, publicUrl);
  state.setStatus('verifying', now(), `${env.name}: checking ${run.input.version}`);
  if (env.health) {
    const health = env.health;
    const checked = await stage(run, env, 'health', () =>
      healthChecks(durationToMs(health.timeout)).runHealthChecks({ health, vars }),
    );
    if (!checked.ok) return fail(run, env, 'health', `${env.name} health check failed: ${checked.detail}`, vars);
  }
  if (env.smoke.length > 0) {
    const smoked = await stage(run, env, 'smoke', () => smokeTests.runSmokeTests({ checks: env.smoke, vars }));
    if (!smoked.ok) return fail(run, env, 'smoke', `${env.name} smoke tests failed: ${smoked.detail}`, vars);
  }
  state.beginProgress(env.steps, now());
  for (const [index, weight] of env.steps.entries()) {
    const name = `step-${index + 1}`;
    state.setStatus('progressing', now(), `${env.name}: step ${index + 1} of ${env.steps.length} (${weight}%)`);
    state.startStage(`${env.name}.${name}`, now(), env.name);
    await run.recorder.settle();
    const moved = await targets.setTrafficWeight({ ...targetRequest(run, env, name), weight });
    state.atStep(index + 1, weight, now());
    const failure = env.analysis ? await analyse(run, env, vars, index + 1) : undefined;
    if (failure) return fail(run, env, name, failure, vars);
    state.endStage(`${env.name}.${name}`, 'done', now(), moved.detail);
    await run.recorder.waitFor(() => state.status !== 'paused'); // a pause holds before the next step
  }
  return vars;
}

/**
 * The analysis of one step: `count` measurements `interval` apart (the activity drives the
 * configured load for the interval instead of a timer), tallied Argo style. Failed: the reason
 * (the caller rolls back). Inconclusive: paused for a human, who promotes (the step passes) or
 * aborts before `inconclusiveDeadline` (then it aborts by itself). A promote skips the rest of
 * the step's measurements; a pause holds between them.
 */
async function analyse(
  run: DeployRun,
  env: EnvironmentConfig,
  vars: DeployVars,
  step: number,
): Promise<string | undefined> {
  const { state, recorder } = run;
  const analysis = env.analysis!;
  const intervalMs = durationToMs(analysis.interval);
  const promotedAt = state.promotions;
  const promoted = () => state.promotions > promotedAt;
  let tally = newAnalysisTally();
  let counters: Record<string, number> | undefined;
  for (;;) {
    await recorder.waitFor(() => state.status !== 'paused');
    if (promoted()) return undefined;
    state.measuring(now() + intervalMs, now());
    if (!analysis.load && (await recorder.waitFor(promoted, intervalMs))) return undefined;
    const measured = await measurements(analysis.load ? intervalMs : 0)
      .measureAnalysis({
        analysis,
        vars,
        ...(counters ? { previous: counters } : {}),
        ...(analysis.load ? { driveLoadMs: intervalMs } : {}),
      })
      .catch((err: unknown) => ({ values: {}, error: failureMessage(err), counters: undefined }));
    counters = measured.counters ?? counters;
    const phase = measurementPhase(analysis.metrics, measured.values, measured.error);
    state.measured({ at: nowIso(), values: measured.values, phase }, now());
    const judged = tallyMeasurement(tally, phase, analysis);
    tally = judged.tally;
    if (judged.outcome === 'running') continue;
    if (judged.outcome === 'successful') return undefined;
    if (judged.outcome === 'failed')
      return `${env.name} analysis failed at step ${step}: ${judged.reason}; last: ${measurementText(analysis.metrics, measured.values)}`;
    // Inconclusive: a human decides, within the deadline.
    const deadline = analysis.inconclusiveDeadline;
    state.pauseForAnalysis(
      `${env.name} analysis inconclusive at step ${step} (${judged.reason}): promote or abort within ${deadline}`,
      now(),
    );
    if (await recorder.waitFor(promoted, durationToMs(deadline))) return undefined;
    return `${env.name} analysis inconclusive at step ${step} and neither promoted nor aborted within ${deadline}`;
  }
}

/** Runs one stage of `env`: marked running, then done with the outcome's detail (failed and rethrown when it throws). */
async function stage<T extends { detail: string }>(
  run: DeployRun,
  env: EnvironmentConfig,
  name: string,
  work: () => Promise<T>,
): Promise<T> {
  const stageName = `${env.name}.${name}`;
  run.state.startStage(stageName, now(), env.name);
  await run.recorder.settle();
  try {
    const outcome = await work();
    run.state.endStage(stageName, 'done', now(), outcome.detail);
    return outcome;
  } catch (err) {
    run.state.endStage(stageName, 'failed', now(), failureMessage(err));
    throw err;
  }
}

/** A check of `env` failed: the stage says why, and the rollback is asked for. */
function fail(run: DeployRun, env: EnvironmentConfig, name: string, reason: string, vars: DeployVars): DeployVars {
  run.state.endStage(`${env.name}.${name}`, 'failed', now(), reason);
  run.state.requestStop('abort', 'system', reason, now());
  return vars;
}

/** Why an activity failed, in words (the ApplicationFailure's message when there is one). */
export function failureMessage(err: unknown): string {
  let cause: unknown = err;
  while ((cause instanceof ActivityFailure || cause instanceof ChildWorkflowFailure) && cause.cause)
    cause = cause.cause;
  return cause instanceof Error ? cause.message : String(cause);
}

/** An activity's non-retryable refusal of this type (InvalidInput: a missing artifact), else undefined. */
export function refusalOf(err: unknown, type: string): string | undefined {
  return err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === type
    ? err.cause.message
    : undefined;
}
