import type { TargetOutcome } from '../../activities/deploy/deploy-activity-types';
import type { EnvironmentConfig } from '../../domain/deploy/deploy-types';
import type { StopRequest } from '../../domain/deploy/deployment-state';
import { durationToMs } from '../../domain/durations';
import { now } from '../kit/time';
import { escalation, healthChecks, rollbacks } from './deploy-activities';
import { failureMessage, notifyAll, targetRequest, varsOf, type DeployRun } from './deploy-environment';

export interface Ending {
  status: 'succeeded' | 'rolled_back' | 'rejected' | 'failed';
  reason: string;
}

/**
 * The saga's compensation: every environment changed is rolled back, the last first; then the
 * previous version's health is verified where there was one; the reviewers' channels hear of
 * it. A rollback that fails (after its bounded retries), or a previous version that is not
 * healthy again, raises a critical alert for the service and ends `failed`: no loop.
 */
export async function compensate(run: DeployRun, stop: StopRequest): Promise<Ending> {
  const { state, input } = run;
  const reason =
    stop.actor === 'system' || stop.actor === 'alert'
      ? stop.reason
      : `${stop.kind === 'abort' ? 'aborted' : 'rolled back'} by ${stop.actor}: ${stop.reason}`;
  state.endRunningStages('failed', now(), `stopped: ${reason}`);
  state.setStatus('rolling_back', now(), reason);
  state.startStage('rollback', now(), input.environment);
  await run.recorder.settle();

  const undone: Array<{ env: EnvironmentConfig; outcome: TargetOutcome }> = [];
  for (const env of [...run.changed].reverse()) {
    try {
      undone.push({ env, outcome: await rollbacks.rollbackVersion(targetRequest(run, env, 'rollback')) });
      state.compensated(env.name, now());
    } catch (err) {
      return escalate(run, `the rollback of ${env.name} failed: ${failureMessage(err)}`, reason);
    }
  }
  for (const { env, outcome } of undone) {
    const previous = run.previous.get(env.name);
    if (!env.health || !previous) continue;
    const health = env.health;
    // The version rolled back to serves where users reach the environment.
    const baseUrl = outcome.baseUrl ?? outcome.publicUrl ?? run.publicUrls.get(env.name);
    const vars = { ...varsOf(run, env, outcome, previous), ...(baseUrl ? { baseUrl } : {}) };
    const checked = await healthChecks(durationToMs(health.timeout))
      .runHealthChecks({ health, vars })
      .catch((err: unknown) => ({ ok: false, detail: failureMessage(err) }));
    if (!checked.ok)
      return escalate(run, `${env.name} runs ${previous} again but its health check fails: ${checked.detail}`, reason);
  }
  const restored = undone.map(({ env }) => `${env.name}: ${run.previous.get(env.name) ?? 'nothing'}`).join(', ');
  state.endStage('rollback', 'done', now(), restored ? `serving again: ${restored}` : 'nothing had changed');
  await notifyAll(run, notifyTargets(run), 'rolled-back', {
    title: `${input.service} ${input.version} rolled back in ${input.environment}`,
    text: `${reason}${restored ? `. Serving again: ${restored}` : ''}`,
  });
  return { status: 'rolled_back', reason };
}

/** A rollback that did not restore the service: a critical alert through the alert workflow, and the deployment ends failed. */
async function escalate(run: DeployRun, failure: string, reason: string): Promise<Ending> {
  const { state, input } = run;
  state.endStage('rollback', 'failed', now(), failure);
  const alertId = await escalation.raiseDeploymentAlert({
    workflowId: state.workflowId,
    service: input.service,
    environment: input.environment,
    version: input.version,
    summary: `${input.service} ${input.version}: ${failure} (rolling back because ${reason})`,
  });
  state.note(now(), 'system', 'alert raised', alertId);
  return { status: 'failed', reason: `${failure}; critical alert ${alertId} raised (rolling back because ${reason})` };
}

/** Who hears of a rollback: every reviewer channel of the chain, once each. */
function notifyTargets(run: DeployRun) {
  const seen = new Set<string>();
  return run.input.config.environments
    .flatMap((env) => env.approval?.notify ?? [])
    .filter((target) => {
      const key = `${target.slack ?? ''}|${target.email ?? ''}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}
