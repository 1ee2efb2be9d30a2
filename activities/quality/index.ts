import type { Store } from '../../db/store';
import type { DeliveryRequest } from '../notifications/deliver';
import { evaluateQualityGate } from './evaluate-quality-gate';
import type { QualityGateInput, QualityGateResult } from './quality-gate-input';

export type { QualityGateInput, QualityGateResult, RemediationState, StoredFile } from './quality-gate-input';

export interface QualityActivityDeps {
  store: Store;
  /** Report refs must lie under <dataDir>/pipelines (where finishPipelineJob keeps them). */
  dataDir: string;
  /**
   * How remediation owners are told: the worker's `deliverNotification` (Slack, email, webhook,
   * once per key). Default: the notification activities without channels, i.e. the outbox.
   */
  notify?: (request: DeliveryRequest) => Promise<unknown>;
}

/** The quality gate's side of the worker: read the reports, judge them, remember the verdict, tell the owners. */
export function createQualityActivities(deps: QualityActivityDeps) {
  return {
    /** Idempotent per run id: a retry returns the stored verdict (and re-sends only notifications not yet delivered). */
    evaluateQualityGate(input: QualityGateInput): Promise<QualityGateResult> {
      return evaluateQualityGate(deps, input);
    },
  };
}

export type QualityActivities = ReturnType<typeof createQualityActivities>;
