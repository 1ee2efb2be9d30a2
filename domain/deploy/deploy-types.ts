/**
 * Deployments (issue #14): the shapes every layer agrees on. The config section's zod schema
 * (deploy-config.ts) produces `DeploymentsConfig`; the workflow `deployment` takes a
 * `DeploymentInput` (the service's config copied in at start, like a compliance review's
 * team) and answers `DeploymentView` to its `status` query and to every accepted Update.
 */

/** Every status a deployment shows (`arxflow deploy status`, the DeploymentStatus search attribute). */
export const DEPLOYMENT_STATUSES = [
  'queued',
  'validating',
  'waiting_window',
  'deploying',
  'verifying',
  'waiting_approval',
  'progressing',
  'paused',
  'watching',
  'succeeded',
  'rolling_back',
  'rolled_back',
  'rejected',
  'failed',
] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];

/** A deployment in one of these has ended (CLI exit 0 only for `succeeded`). */
export const ENDED_DEPLOYMENT_STATUSES: readonly DeploymentStatus[] = [
  'succeeded',
  'rolled_back',
  'rejected',
  'failed',
];

/** The workflow type of a deployment (workflows/deploy/deployment.ts). */
export const DEPLOYMENT_WORKFLOW_TYPE = 'deployment';

/** `deploy/<service>/<environment>/<version>`: one workflow per version and environment (idempotent start). */
export function deploymentWorkflowId(service: string, environment: string, version: string): string {
  return `deploy/${service}/${environment}/${version}`;
}

/** `deploy-queue/<service>/<environment>`: the entity that lets one deployment at a time run there. */
export function deployQueueWorkflowId(service: string, environment: string): string {
  return `deploy-queue/${service}/${environment}`;
}

// ---------------------------------------------------------------------------------------
// The config file's `deployments:` section (output of deploy-config.ts's schema).
// Durations are strings the existing domain/durations.ts parses ("30 seconds", "2 minutes").
// Templates in URLs and queries: {{service}} {{environment}} {{version}} {{previousVersion}}
// {{baseUrl}} (the version under test, from the target) {{publicUrl}} (what users reach).
// ---------------------------------------------------------------------------------------

export interface HttpCheck {
  name: string;
  /** Absolute URL (templated), or a path appended to {{baseUrl}}. Exactly one of url/path. */
  url?: string;
  path?: string;
  method: 'GET' | 'HEAD' | 'POST';
  expectStatus: number;
  /** A regular expression the body must match. */
  bodyMatch?: string;
  /** A slower answer counts as a failure. */
  maxLatencyMs?: number;
}

export interface HealthConfig {
  checks: HttpCheck[];
  /** Consecutive rounds in which every check passed. */
  successes: number;
  /** Time between rounds. */
  interval: string;
  /** All `successes` within this, or the health check fails. */
  timeout: string;
}

export type LocalTargetConfig = {
  type: 'local';
  /** Where releases/<version>, current, run/ live; default `<dataDir>/deploy/<service>/<environment>`. */
  dir?: string;
  /** A directory or a .tar.gz/.tgz of the release, `{{version}}` in it; relative to the config file's folder. */
  artifact: string;
  /** The command that runs the release (cwd: releases/<version>; env PORT, ARXFLOW_VERSION, + env). */
  start: string;
  env?: Record<string, string>;
  /** The public port: the target's reverse proxy listens here and splits traffic by weight. */
  port: number;
  /** Two ports the two slots (blue, green) listen on; versions alternate between them. */
  slotPorts: [number, number];
  /** How long a stopping process gets after SIGTERM before SIGKILL. */
  stopTimeout: string;
};

export type KubectlTargetConfig = {
  type: 'kubectl';
  /** The kubectl binary; default `kubectl` on PATH. */
  kubectl: string;
  context?: string;
  namespace: string;
  deployment: string;
  container: string;
  /** The image, `{{version}}` in it: `registry.example/web:{{version}}`. */
  image: string;
  rolloutTimeout: string;
  /** Progressive weights: an Argo Rollout's setWeight if `rollout` is set, else canary replicas. */
  canary?: { rollout?: string; deployment?: string; replicas?: number };
  /** For health checks and smoke tests ({{baseUrl}}, {{publicUrl}}). */
  baseUrl?: string;
  publicUrl?: string;
};

export type TargetConfig = LocalTargetConfig | KubectlTargetConfig;

export interface ReviewersConfig {
  users: string[];
  roles: string[];
  /** N of the reviewers must approve (N <= number of users when only users are named). */
  quorum: number;
  /** After this without a quorum, the deployment is rejected with the reason. */
  deadline: string;
  /** Reviewers are reminded this often while the approval waits. */
  remindEvery?: string;
  /** Where reminders and the request go (notification targets as in escalation policies). */
  notify: Array<{ slack?: string; email?: string }>;
}

/** `mon 08:00` .. `fri 16:00` (a weekly range, may wrap over the weekend) or `2026-12-20` .. `2027-01-04` (dates, inclusive). */
export interface WindowRange {
  from: string;
  to: string;
}

export interface WindowsConfig {
  /** IANA time zone the ranges are read in. */
  timezone: string;
  /** Deploys may start only inside one of these (none listed: any time not blacked out). */
  allowed: WindowRange[];
  /** Never inside one of these. */
  blackouts: WindowRange[];
}

export interface AnalysisMetric {
  name: string;
  /** PromQL for the prometheus provider (templated). */
  prometheus?: string;
  /**
   * For the http provider: a counter selector `name{label="v",code=~"5.."}` or a ratio
   * `ratio(<selector>, <selector>)`, computed over the increase between two scrapes of
   * `{{baseUrl}}/metrics` (or `metricsUrl`).
   */
  http?: string;
  /** `result < 0.05`: comparisons of `result` with a number, joined by `&&` / `||`. */
  successCondition: string;
  failureCondition?: string;
}

export interface AnalysisConfig {
  /** auto: prometheus when an address is configured and answers, else http. */
  provider: 'auto' | 'prometheus' | 'http';
  /** Prometheus base URL; default the PROMETHEUS_URL setting. */
  prometheusUrl?: string;
  /** The http provider's exposition URL (templated); default {{baseUrl}}/metrics. */
  metricsUrl?: string;
  metrics: AnalysisMetric[];
  interval: string;
  count: number;
  /** More failed measurements than this fails the analysis (Argo's failureLimit). */
  failureLimit: number;
  /** More inconclusive measurements than this pauses for a human. */
  inconclusiveLimit: number;
  /** How long an inconclusive analysis waits for promote/abort before it aborts. */
  inconclusiveDeadline: string;
  /** Synthetic traffic to {{baseUrl}} while each interval runs (examples and quiet staging). */
  load?: { path: string; perSecond: number };
}

export interface EnvironmentConfig {
  name: string;
  /** Before this environment, the same version goes through that one (deploy, health, smoke, analysis). */
  after?: string;
  target: TargetConfig;
  health?: HealthConfig;
  smoke: HttpCheck[];
  approval?: ReviewersConfig;
  windows?: WindowsConfig;
  /** Progressive weights in percent, ending at 100 (default [100]: switch at once). */
  steps: number[];
  analysis?: AnalysisConfig;
  /** After the last step, watch this long for alerts and failing health checks. */
  watch?: string;
}

export interface ServiceConfig {
  name: string;
  /**
   * The quality gate of the version's commit (issue #13's gate), stored under the repository
   * key `repo`. With `source` (where the repository is cloned from: a local path, file:// or
   * https URL), a commit without a verdict has its pipeline run by the deployment, as a
   * child, and that run's gate decides.
   */
  quality?: { repo: string; required: boolean; source?: string };
  environments: EnvironmentConfig[];
}

export interface DeploymentsConfig {
  services: ServiceConfig[];
}

// ---------------------------------------------------------------------------------------
// The workflow's input, messages and view.
// ---------------------------------------------------------------------------------------

export interface DeploymentInput {
  service: string;
  environment: string;
  version: string;
  /** Overrides the target's artifact template for this version. */
  artifact?: string;
  /** The commit of the version, for the quality gate. */
  commit?: string;
  /** Who started it (token subject or CLI --as): never a reviewer of this deployment. */
  requestedBy: string;
  /** Another deployment of the service and environment running: wait in order, or refuse. */
  whenBusy: 'wait' | 'refuse';
  /** The service's config at start (copied in: editing the file changes later deployments only). */
  config: ServiceConfig;
  /** Folder of the config file, for relative artifact paths. */
  configDir: string;
}

/** Every operator message carries the sender (token subject / CLI --as) and their roles, as in the funding gate. */
export interface DeployActorRequest {
  actor: string;
  roles: string[];
}
export interface DeployDecisionRequest extends DeployActorRequest {
  comment?: string;
}
export interface DeployReasonRequest extends DeployActorRequest {
  reason: string;
}

/** From the alert intake (via the service's deploy queue): a firing alert whose labels name this service and environment. */
export interface DeployAlertSignal {
  alertId: string;
  summary: string;
  severity?: string;
  incidentId?: string;
  labels: Record<string, string>;
}

export type StageStatus = 'pending' | 'running' | 'done' | 'failed' | 'skipped' | 'compensated';

export interface StageView {
  /** `validate`, `quality`, `window`, `staging.deploy`, `staging.health`, `staging.smoke`, `staging.analysis`, `approval`, `production.step-1` ... `watch`, `rollback`. */
  name: string;
  environment?: string;
  status: StageStatus;
  startedAt?: string;
  endedAt?: string;
  detail?: string;
}

export interface VoteView {
  actor: string;
  decision: 'approve' | 'reject';
  comment?: string;
  at: string;
}

export interface AnalysisMeasurementView {
  at: string;
  values: Record<string, number | null>;
  phase: 'successful' | 'failed' | 'inconclusive' | 'error';
}

export interface DeploymentView {
  workflowId: string;
  service: string;
  environment: string;
  version: string;
  status: DeploymentStatus;
  /** Why it ended as it did, or why it waits (the window, the queue, an inconclusive analysis). */
  reason?: string;
  previousVersion?: string;
  requestedBy: string;
  startedAt: string;
  updatedAt: string;
  queue?: { position: number; ahead?: string };
  window?: { opensAt?: string; override?: { actor: string; reason: string; at: string } };
  stages: StageView[];
  approvals?: {
    quorum: number;
    users: string[];
    roles: string[];
    deadline: string;
    votes: VoteView[];
  };
  progress?: {
    step: number;
    steps: number[];
    weight: number;
    analysis?: AnalysisMeasurementView[];
    /** When the measurement under way is due: set while an analysis interval runs (a pause lets it end). */
    nextMeasurementAt?: string;
    pausedBy?: string;
  };
  watch?: { until: string };
  alert?: DeployAlertSignal;
  /** Messages refused (Signals from the Web UI included), newest last, capped. */
  refused: Array<{ kind: string; actor: string; reason: string; at: string }>;
  timeline: Array<{ at: string; actor: string; event: string; detail?: string }>;
}
