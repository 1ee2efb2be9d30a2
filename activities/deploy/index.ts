import { ApplicationFailure } from '@temporalio/common';
import { DeploymentRecords, type RecordedOutcome } from '../../db/deployment-records';
import { patientDatabase, STORE_OUTAGE_PATIENCE } from '../../db/patient-database';
import { QualityResults } from '../../db/quality-results';
import type { Store } from '../../db/store';
import type { EscalationConfig } from '../../domain/alerts/escalation-policy';
import { heartbeating } from '../heartbeat';
import type { DeployActivities, TargetOutcome, TargetRequest } from './deploy-activity-types';
import { createDeployQueueActivities } from './deploy-queue-activities';
import { raiseDeploymentAlert } from './deployment-alert';
import { runHealthChecks, runSmokeTests } from './http-checks';
import { measureAnalysis } from './measure-analysis';
import { refusalsFinal, targetFor } from './target-for';
import type { DeployTarget } from './targets/deploy-target';

export type * from './deploy-activity-types';

export interface DeployActivityDeps {
  store: Store;
  /** The worker's data dir (local targets keep their releases under `<dataDir>/deploy/`). */
  dataDir: string;
  /** PROMETHEUS_URL: where analysis queries go when a service's config names no prometheusUrl. */
  prometheusUrl?: string;
  /** The config file's escalation policies: a failed rollback's critical alert is escalated by them. */
  escalation: EscalationConfig;
}

/**
 * The deployment's side effects (issue #14); joinDeployQueue comes from deploy-queue-activities.ts.
 * Target changes (deploy, weight, rollback) go through `recorded`: a record keyed by workflow id
 * and stage says the change was made, so a retry after a worker crash returns it and changes
 * nothing; a crash after the change but before its record runs the change again, which the
 * targets make a no-op (they are idempotent), and then records it.
 */
export function createDeployActivities(deps: DeployActivityDeps): DeployActivities {
  // A target change gives up after a few tries and the deployment rolls back; a store outage is
  // no reason to: it is waited out, under the change's heartbeat.
  const db = patientDatabase(deps.store.db, STORE_OUTAGE_PATIENCE);
  const records = new DeploymentRecords(db);
  const quality = new QualityResults(db);
  const target = (request: TargetRequest) => targetFor({ dataDir: deps.dataDir }, request);

  async function recorded(
    request: TargetRequest,
    change: (target: DeployTarget) => Promise<Omit<RecordedOutcome, 'serving'>>,
  ): Promise<TargetOutcome> {
    return heartbeating(async () => {
      const existing = await records.get(request.workflowId, request.stage);
      if (existing) return { changed: false, ...existing.outcome };
      const outcome = await refusalsFinal(async () => {
        const t = target(request);
        const made = await change(t);
        return { ...made, serving: await t.serving() };
      });
      const { record, inserted } = await records.record({
        workflowId: request.workflowId,
        stage: request.stage,
        service: request.service,
        environment: request.environment,
        version: request.version,
        outcome,
      });
      return { changed: inserted, ...record.outcome };
    });
  }

  return {
    ...createDeployQueueActivities(),

    async inspectTarget(request) {
      return heartbeating(() =>
        refusalsFinal(async () => {
          const t = target(request);
          const [serving, artifactOk] = await Promise.all([
            t.serving(),
            t.artifactExists(request.version, request.artifact),
          ]);
          const where =
            request.artifact ?? ('artifact' in request.target ? request.target.artifact : request.target.type);
          if (!artifactOk)
            throw ApplicationFailure.nonRetryable(
              `artifact of ${request.service} ${request.version} not found (${where})`,
              'InvalidInput',
            );
          return {
            serving,
            artifactOk,
            detail: `${request.environment} serves ${serving ?? 'nothing yet'}; ${request.version} is available`,
          };
        }),
      );
    },

    deployVersion(request) {
      return recorded(request, async (t) => {
        const made = await t.deploy(request.version, request.artifact);
        return {
          ...(made.baseUrl ? { baseUrl: made.baseUrl } : {}),
          ...(made.publicUrl ? { publicUrl: made.publicUrl } : {}),
          detail: made.switched
            ? `${request.version} deployed and switched to (the target runs one version)`
            : `${request.version} deployed beside the serving version, no traffic yet`,
        };
      });
    },

    setTrafficWeight(request) {
      return recorded(request, async (t) => {
        await t.setWeight(request.version, request.weight);
        return { detail: `${request.weight}% of traffic to ${request.version}` };
      });
    },

    rollbackVersion(request) {
      return recorded(request, async (t) => {
        await t.rollback(request.version, request.previousVersion);
        // The previous version's health is checked where users reach it: it takes all traffic again.
        const publicUrl = request.previousVersion ? t.publicUrl(request.previousVersion) : undefined;
        return {
          ...(publicUrl ? { baseUrl: publicUrl, publicUrl } : {}),
          detail: request.previousVersion
            ? `rolled back from ${request.version} to ${request.previousVersion}`
            : `${request.version} removed; nothing served before it`,
        };
      });
    },

    // Between rounds (and during a slow request) the activity keeps heartbeating.
    runHealthChecks(request) {
      return heartbeating(() => runHealthChecks(request.health, request.vars));
    },

    runSmokeTests(request) {
      return heartbeating(() => runSmokeTests(request.checks, request.vars));
    },

    measureAnalysis(request) {
      return heartbeating((signal) => measureAnalysis({ prometheusUrl: deps.prometheusUrl, signal }, request));
    },

    async qualityVerdict(request) {
      const stored = await quality.latestForCommit(request.repo, request.commit);
      if (!stored) return null;
      // The gate's workflow id (workflows/pipelines/quality-gate.ts qualityGateId): the service is the repo key.
      return { verdict: stored.verdict, gateId: `quality/${stored.service}/${stored.sha}/${stored.attempt}` };
    },

    raiseDeploymentAlert(request) {
      return raiseDeploymentAlert(deps.escalation, request);
    },
  };
}
