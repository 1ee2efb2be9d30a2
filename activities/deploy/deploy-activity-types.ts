import type {
  AnalysisConfig,
  DeployAlertSignal,
  EnvironmentConfig,
  HealthConfig,
  HttpCheck,
  TargetConfig,
} from '../../domain/deploy/deploy-types';

/**
 * The deployment activities the workflow calls (issue #14), implemented by
 * createDeployActivities (activities/deploy/index.ts). Every one is idempotent: target
 * changes are recorded by (workflowId, stage) in deployment_records, so a retry after a
 * worker crash returns the record instead of deploying twice, and a crash between the
 * change and its record is found (the target reports what it serves) and completed.
 */

/** Template variables of URLs and queries. */
export interface DeployVars {
  service: string;
  environment: string;
  version: string;
  previousVersion?: string;
  baseUrl?: string;
  publicUrl?: string;
}

export interface TargetRequest {
  workflowId: string;
  /** The record key: `staging.deploy`, `production.step-2`, `production.rollback`... */
  stage: string;
  service: string;
  environment: string;
  target: TargetConfig;
  /** Folder of the config file (relative artifacts). */
  configDir: string;
  version: string;
  artifact?: string;
  previousVersion?: string;
}

export interface TargetOutcome {
  /** false: the record existed, nothing was done again. */
  changed: boolean;
  /** What serves after the change. */
  serving: string | undefined;
  /** The version under test (health checks, smoke tests, analysis). */
  baseUrl?: string;
  publicUrl?: string;
  detail: string;
}

export interface HealthOutcome {
  ok: boolean;
  /** One line per failing check, or the rounds that passed. */
  detail: string;
}

export interface MeasureRequest {
  analysis: AnalysisConfig;
  vars: DeployVars;
  /** The http provider's raw counters of the previous measurement (absent: the first, which scrapes twice). */
  previous?: Record<string, number>;
  /** When `analysis.load` is set: drive that traffic for this long before measuring (the workflow does not sleep then). */
  driveLoadMs?: number;
}

export interface Measurement {
  values: Record<string, number | null>;
  /** Raw counters for the next http measurement. */
  counters?: Record<string, number>;
  provider: 'prometheus' | 'http';
  error?: string;
}

export interface DeployActivities {
  /** What serves now in this environment (undefined: nothing yet), and the artifact exists for `version`. InvalidInput when it does not. */
  inspectTarget(request: TargetRequest): Promise<{ serving: string | undefined; artifactOk: boolean; detail: string }>;
  /**
   * Installs `version` and starts it beside what serves, taking no traffic yet (weight 0), so
   * health checks and smoke tests reach it at `baseUrl` first. A target that cannot run two
   * versions side by side (kubectl without a canary) switches here; its weights are then no-ops.
   */
  deployVersion(request: TargetRequest): Promise<TargetOutcome>;
  /** Sends `weight` percent of traffic to `version` (100: the switch, the previous version stopped). */
  setTrafficWeight(request: TargetRequest & { weight: number }): Promise<TargetOutcome>;
  /** Back to `previousVersion` (or nothing, when there was none): traffic, symlink/image, processes. */
  rollbackVersion(request: TargetRequest): Promise<TargetOutcome>;
  /** Health: `successes` consecutive passing rounds within `timeout`; heartbeats each round. */
  runHealthChecks(request: { health: HealthConfig; vars: DeployVars }): Promise<HealthOutcome>;
  runSmokeTests(request: { checks: HttpCheck[]; vars: DeployVars }): Promise<HealthOutcome>;
  measureAnalysis(request: MeasureRequest): Promise<Measurement>;
  /** The stored verdict of the quality gate for repo@commit (latest attempt), or null. */
  qualityVerdict(request: {
    repo: string;
    commit: string;
  }): Promise<{ verdict: 'pass' | 'fail'; gateId: string } | null>;
  /** Joins the deploy queue of the service and environment (signalWithStart of deployQueue). */
  joinDeployQueue(request: { service: string; environment: string; workflowId: string }): Promise<void>;
  /** A rollback that failed: a critical alert for the service through the alert workflow. Returns the alert id. */
  raiseDeploymentAlert(request: {
    workflowId: string;
    service: string;
    environment: string;
    version: string;
    summary: string;
  }): Promise<string>;
}

export type { DeployAlertSignal, EnvironmentConfig };
