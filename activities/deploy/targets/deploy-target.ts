/**
 * A place a service runs: the `local` target (releases under a folder, a symlink, a small
 * supervisor and a reverse proxy; activities/deploy/local/) or `kubectl`
 * (activities/deploy/targets/kubectl-target.ts). The deployment activities pick one per
 * environment (`target.type`) and wrap each call in a deployment record, so each method
 * must be idempotent on its own: called again after a crash, it finishes what is missing
 * and repeats nothing that is done (a version already installed is not unpacked again, a
 * process already running for it is not started again, a switch already made is kept).
 */
export interface DeployTarget {
  /** The version that takes the traffic now (local: `current`; kubectl: the main deployment's image tag), undefined before the first deploy. */
  serving(): Promise<string | undefined>;
  /** Whether the artifact of `version` can be had (local: the directory or archive exists). */
  artifactExists(version: string, artifact?: string): Promise<boolean>;
  /**
   * Installs `version` and starts it beside the serving one with no traffic. Returns where the
   * new version answers (`baseUrl`) and where users reach the service (`publicUrl`).
   * Returns `switched: true` when the target cannot run two versions and switched at once.
   */
  deploy(version: string, artifact?: string): Promise<{ baseUrl?: string; publicUrl?: string; switched: boolean }>;
  /**
   * `weight` percent of the traffic to `version`, the rest to the serving one. 100 is the
   * switch: `version` becomes the serving one (symlink / image) and the other is stopped.
   */
  setWeight(version: string, weight: number): Promise<void>;
  /**
   * Back to `previous` (undefined: nothing served before, so nothing serves after): all
   * traffic to it (started again if it was stopped), it is the serving one, and `failed` is
   * stopped. Idempotent like the rest.
   */
  rollback(failed: string, previous: string | undefined): Promise<void>;
  /** Where users reach the service (`version` fills a templated address): health after a rollback is checked there. */
  publicUrl(version: string): string | undefined;
  /** Stops everything this target started for the environment (tests, `arxflow deploy` clean-up). */
  stopAll?(): Promise<void>;
}

/** Commands a target ran, for the record and the benchmark (time inside the target's own commands). */
export interface TargetCommandLog {
  command: string;
  ms: number;
  exitCode?: number;
}
