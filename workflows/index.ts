// Every workflow type the arxflow worker runs; the bundle is built from this file.
export { healthCheck } from './health-check';
export { durabilityProbe, wakeUpUpdate, wakeUpSignal, probeStatusQuery } from './durability-probe';
export { auditChainCheck } from './audit-chain-check';
export {
  fundingGate,
  decideUpdate,
  decideSignal,
  evidenceUpdate,
  evidenceSignal,
  waiveUpdate,
  waiveSignal,
  resubmitUpdate,
  resubmitSignal,
  holdUpdate,
  holdSignal,
  resumeUpdate,
  resumeSignal,
  reverseUpdate,
  reverseSignal,
  statusQuery,
  setupChangedSignal,
} from './funding-gate';
export { fundingDeposit } from './funding-deposit';
export { taskEvent } from './task-event';
export { replayTriggerAction } from './replay-trigger-action';
export {
  complianceReview,
  complianceResubmitUpdate,
  complianceResubmitSignal,
  complianceDecideUpdate,
  complianceDecideSignal,
  complianceStatusQuery,
} from './compliance-review';
export { alertEscalation } from './alerts/alert-escalation';
export { incident } from './alerts/incident';
export { incidentReview } from './alerts/incident-review';
export { metricEvaluator, metricSamplesSignal, metricEvaluatorStatusQuery } from './alerts/metric-evaluator';
export * from './alerts/messages';
export { pipelineRun } from './pipelines/pipeline-run';
export { qualityGate } from './pipelines/quality-gate';
export {
  pipelinePullRequestSignal,
  pipelineStatusQuery,
  pipelineSupersededSignal,
  qualityGateStatusQuery,
} from './pipelines/pipeline-messages';
export { deployment } from './deploy/deployment';
export { deployQueue } from './deploy/deploy-queue';
export { documentSync } from './sync/document-sync';
