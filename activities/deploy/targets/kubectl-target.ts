import { ApplicationFailure } from '@temporalio/common';
import type { KubectlTargetConfig } from '../../../domain/deploy/deploy-types';
import { renderTemplate } from '../../../domain/deploy/templates';
import { durationToMs } from '../../../domain/durations';
import { runCommand, type CommandResult } from './command';
import type { DeployTarget, TargetCommandLog } from './deploy-target';

/** Total pods of a replica canary (main + canary) when the config names none. */
const DEFAULT_CANARY_TOTAL = 10;

/**
 * The `kubectl` target: one Deployment per service and environment in its namespace, the
 * version as the image tag of one container.
 *
 * - No canary: `set image` + `rollout status` switch at once (deploy returns switched), weights
 *   are no-ops, rollback is `rollout undo` (only while the failed version is what serves, so a
 *   retried rollback does not undo twice).
 * - `canary.deployment`: a second Deployment behind the same Service; a weight is a split of
 *   `canary.replicas` pods (the total) between the two by `scale`. A pod serves the moment it
 *   is ready, so the canary cannot run without traffic: deploy starts one canary pod.
 * - `canary.rollout`: an Argo Rollout. Argo's kubectl plugin has no command that sets a weight;
 *   the weights are the Rollout's own `setWeight` steps, each followed by `pause: {}`, and
 *   arxflow moves on with `kubectl argo rollouts promote` (one step, only while the Rollout's
 *   weight is below the one asked for, so a retry does not skip a step) and `promote --full`
 *   for 100; rollback is `abort` and the previous image set back.
 *
 * Every command is declarative or guarded by a read of the cluster, so the target is
 * idempotent as DeployTarget asks. Exit codes: a failed `rollout status` is a non-retryable
 * `RolloutFailed` with kubectl's stderr (the deployment fails and compensates); another
 * failing command is a retryable `KubectlFailed` (an API server that did not answer); a
 * missing binary is a non-retryable `TargetToolMissing`.
 */
export class KubectlTarget implements DeployTarget {
  private readonly binary: string;

  constructor(
    private readonly config: KubectlTargetConfig,
    private readonly vars: { service: string; environment: string },
    private readonly log: TargetCommandLog[] = [],
  ) {
    this.binary = config.kubectl || 'kubectl';
  }

  /** The commands run so far, for the record and the benchmark. */
  commands(): readonly TargetCommandLog[] {
    return this.log;
  }

  async serving(): Promise<string | undefined> {
    const rollout = this.config.canary?.rollout;
    if (rollout) return this.versionOf(await this.argoStableImage(rollout));
    return this.versionOf(await this.deploymentImage(this.config.deployment));
  }

  /** kubectl cannot look into a registry: a missing image fails `rollout status` instead. */
  async artifactExists(): Promise<boolean> {
    return true;
  }

  async deploy(version: string): Promise<{ baseUrl?: string; publicUrl?: string; switched: boolean }> {
    const urls = this.urls(version);
    const image = this.imageOf(version);
    const canary = this.config.canary;
    if (canary?.rollout) {
      await this.kubectl(['argo', 'rollouts', 'set', 'image', canary.rollout, `${this.config.container}=${image}`]);
      await this.argoStatus(canary.rollout);
      return { ...urls, switched: false };
    }
    if (canary?.deployment) {
      await this.kubectl(['set', 'image', `deployment/${canary.deployment}`, `${this.config.container}=${image}`]);
      await this.kubectl(['scale', `deployment/${canary.deployment}`, '--replicas=1']);
      await this.rolloutStatus(canary.deployment);
      return { ...urls, switched: false };
    }
    await this.kubectl(['set', 'image', `deployment/${this.config.deployment}`, `${this.config.container}=${image}`]);
    await this.rolloutStatus(this.config.deployment);
    return { ...urls, switched: true };
  }

  async setWeight(version: string, weight: number): Promise<void> {
    const canary = this.config.canary;
    if (canary?.rollout) return this.argoWeight(canary.rollout, weight);
    if (!canary?.deployment) return; // switched at deploy
    const total = canary.replicas ?? DEFAULT_CANARY_TOTAL;
    if (weight >= 100) {
      await this.kubectl([
        'set',
        'image',
        `deployment/${this.config.deployment}`,
        `${this.config.container}=${this.imageOf(version)}`,
      ]);
      await this.kubectl(['scale', `deployment/${this.config.deployment}`, `--replicas=${total}`]);
      await this.rolloutStatus(this.config.deployment);
      await this.kubectl(['scale', `deployment/${canary.deployment}`, '--replicas=0']);
      return;
    }
    const canaryPods = Math.min(total, Math.max(1, Math.round((total * weight) / 100)));
    await this.kubectl(['scale', `deployment/${canary.deployment}`, `--replicas=${canaryPods}`]);
    await this.kubectl(['scale', `deployment/${this.config.deployment}`, `--replicas=${total - canaryPods}`]);
    await this.rolloutStatus(canary.deployment);
  }

  async rollback(failed: string, previous: string | undefined): Promise<void> {
    const canary = this.config.canary;
    if (canary?.rollout) return this.argoRollback(canary.rollout, previous);
    if (canary?.deployment) await this.kubectl(['scale', `deployment/${canary.deployment}`, '--replicas=0']);
    const main = this.config.deployment;
    const serving = await this.serving();
    if (previous === undefined) {
      // Nothing served before this deployment: nothing serves after it.
      if (serving === failed) await this.kubectl(['scale', `deployment/${main}`, '--replicas=0']);
      return;
    }
    if (serving === failed) {
      await this.kubectl(['rollout', 'undo', `deployment/${main}`]);
      await this.rolloutStatus(main);
      // `undo` goes to the revision before; if that was not `previous` (an older rollout in
      // between), set it outright.
      if ((await this.serving()) !== previous) {
        await this.kubectl([
          'set',
          'image',
          `deployment/${main}`,
          `${this.config.container}=${this.imageOf(previous)}`,
        ]);
        await this.rolloutStatus(main);
      }
    }
    if (canary?.deployment)
      await this.kubectl(['scale', `deployment/${main}`, `--replicas=${canary.replicas ?? DEFAULT_CANARY_TOTAL}`]);
  }

  // ------------------------------------------------------------------ Argo Rollouts

  private async argoWeight(rollout: string, weight: number): Promise<void> {
    if (weight >= 100) {
      await this.kubectl(['argo', 'rollouts', 'promote', rollout, '--full']);
      await this.argoStatus(rollout);
      return;
    }
    const state = await this.argoState(rollout);
    if (state.weight >= weight) return; // this step was reached already (a retry)
    await this.kubectl(['argo', 'rollouts', 'promote', rollout]);
    await this.argoStatus(rollout);
  }

  private async argoRollback(rollout: string, previous: string | undefined): Promise<void> {
    const state = await this.argoState(rollout);
    if (state.inProgress) await this.kubectl(['argo', 'rollouts', 'abort', rollout]);
    if (previous === undefined) return;
    if (this.versionOf(state.specImage) === previous && !state.inProgress) return;
    await this.kubectl([
      'argo',
      'rollouts',
      'set',
      'image',
      rollout,
      `${this.config.container}=${this.imageOf(previous)}`,
    ]);
    // Back to the stable pods: nothing to step through. The failed version was the stable one
    // (rolled back after 100%): the previous one comes back in full at once.
    if (!state.inProgress) await this.kubectl(['argo', 'rollouts', 'promote', rollout, '--full']);
    await this.argoStatus(rollout);
  }

  /** The Rollout's spec image, whether a canary is under way, and the weight of its current step. */
  private async argoState(rollout: string): Promise<{ specImage?: string; inProgress: boolean; weight: number }> {
    const result = await this.kubectl(['get', `rollout/${rollout}`, '-o', 'json']);
    const object = JSON.parse(result.stdout) as ArgoRolloutObject;
    const steps = object.spec?.strategy?.canary?.steps ?? [];
    const index = object.status?.currentStepIndex ?? steps.length;
    let weight = 0;
    for (const step of steps.slice(0, index + 1)) if (typeof step.setWeight === 'number') weight = step.setWeight;
    const inProgress = !!object.status?.stableRS && object.status.stableRS !== object.status.currentPodHash;
    return { specImage: this.containerImage(object.spec?.template), inProgress, weight: inProgress ? weight : 100 };
  }

  private async argoStableImage(rollout: string): Promise<string | undefined> {
    const result = await this.kubectl(['get', `rollout/${rollout}`, '-o', 'json'], { notFound: true });
    if (!result) return undefined;
    const object = JSON.parse(result.stdout) as ArgoRolloutObject;
    const stable = object.status?.stableRS;
    if (!stable) return undefined;
    if (stable === object.status?.currentPodHash) return this.containerImage(object.spec?.template);
    // A canary is under way: the stable pods are those of the ReplicaSet `<rollout>-<hash>`.
    const replicaSet = await this.kubectl(['get', `replicaset/${rollout}-${stable}`, '-o', 'json'], {
      notFound: true,
    });
    if (!replicaSet) return undefined;
    return this.containerImage((JSON.parse(replicaSet.stdout) as { spec?: { template?: PodTemplate } }).spec?.template);
  }

  private async argoStatus(rollout: string): Promise<void> {
    await this.kubectl(['argo', 'rollouts', 'status', rollout, '--timeout', this.timeout()], { rollout: true });
  }

  // ------------------------------------------------------------------ plain kubectl

  private async deploymentImage(deployment: string): Promise<string | undefined> {
    const result = await this.kubectl(
      [
        'get',
        'deployment',
        deployment,
        '-o',
        `jsonpath={.spec.template.spec.containers[?(@.name=="${this.config.container}")].image}`,
      ],
      { notFound: true },
    );
    const image = result?.stdout.trim();
    return image ? image : undefined;
  }

  private async rolloutStatus(deployment: string): Promise<void> {
    await this.kubectl(['rollout', 'status', `deployment/${deployment}`, `--timeout=${this.timeout()}`], {
      rollout: true,
    });
  }

  private kubectl(args: string[]): Promise<CommandResult>;
  private kubectl(args: string[], options: { notFound: true }): Promise<CommandResult | undefined>;
  private kubectl(args: string[], options: { rollout: true }): Promise<CommandResult>;
  private async kubectl(
    args: string[],
    options: { notFound?: boolean; rollout?: boolean } = {},
  ): Promise<CommandResult | undefined> {
    const full = [
      ...(this.config.context ? ['--context', this.config.context] : []),
      '-n',
      this.config.namespace,
      ...args,
    ];
    const result = await runCommand(this.binary, full, { log: this.log });
    if (result.exitCode === 0) return result;
    const stderr = result.stderr.trim() || result.stdout.trim() || `exit code ${result.exitCode}`;
    if (options.notFound && /\bNotFound\b|not found/i.test(stderr)) return undefined;
    const what = `kubectl ${full.join(' ')}`;
    if (options.rollout)
      throw ApplicationFailure.nonRetryable(`${what} failed (exit ${result.exitCode}): ${stderr}`, 'RolloutFailed');
    throw ApplicationFailure.retryable(`${what} failed (exit ${result.exitCode}): ${stderr}`, 'KubectlFailed');
  }

  // ------------------------------------------------------------------ images and versions

  private imageOf(version: string): string {
    return renderTemplate(this.config.image, { ...this.vars, version });
  }

  /** The version in an image made from the template (`registry/web:{{version}}`); another image is returned whole. */
  versionOf(image: string | undefined): string | undefined {
    if (!image) return undefined;
    const [before, after] = this.config.image.split('{{version}}') as [string, string | undefined];
    const prefix = renderTemplate(before, this.vars);
    const suffix = renderTemplate(after ?? '', this.vars);
    if (
      after !== undefined &&
      image.startsWith(prefix) &&
      image.endsWith(suffix) &&
      image.length > prefix.length + suffix.length
    )
      return image.slice(prefix.length, image.length - suffix.length);
    return image;
  }

  private containerImage(template: PodTemplate | undefined): string | undefined {
    return template?.spec?.containers?.find((c) => c.name === this.config.container)?.image;
  }

  private timeout(): string {
    return `${Math.max(1, Math.ceil(durationToMs(this.config.rolloutTimeout) / 1000))}s`;
  }

  publicUrl(version: string): string | undefined {
    return this.urls(version).publicUrl;
  }

  private urls(version: string): { baseUrl?: string; publicUrl?: string } {
    const vars = { ...this.vars, version };
    return {
      ...(this.config.baseUrl ? { baseUrl: renderTemplate(this.config.baseUrl, vars) } : {}),
      ...(this.config.publicUrl ? { publicUrl: renderTemplate(this.config.publicUrl, vars) } : {}),
    };
  }
}

interface PodTemplate {
  spec?: { containers?: Array<{ name: string; image?: string }> };
}

interface ArgoRolloutObject {
  spec?: { template?: PodTemplate; strategy?: { canary?: { steps?: Array<{ setWeight?: number }> } } };
  status?: { currentStepIndex?: number; stableRS?: string; currentPodHash?: string };
}
