import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// Typed search attributes that arxflow's workflows upsert, so operators can find them in
// the Web UI. The dev server (`npm start`), the test dev server and temporal-dev.yml
// register exactly this list. The dev server's SQL visibility store takes at most 10
// Keyword attributes per namespace, and the ten before deployments took them all; it has 3
// KeywordList slots, free until now. So the deployment's three are KeywordLists of one value
// each: `DeployService = 'web'` and `DeploymentStatus IN ('paused', 'waiting_approval')`
// still query them as Keywords (a list matches when one of its values does).
export const ProjectId = defineSearchAttributeKey('ProjectId', SearchAttributeType.KEYWORD);
export const MilestoneId = defineSearchAttributeKey('MilestoneId', SearchAttributeType.KEYWORD);
export const GateStatus = defineSearchAttributeKey('GateStatus', SearchAttributeType.KEYWORD);
export const AmountRequested = defineSearchAttributeKey('AmountRequested', SearchAttributeType.INT);
export const PlanId = defineSearchAttributeKey('PlanId', SearchAttributeType.KEYWORD);
export const Jurisdiction = defineSearchAttributeKey('Jurisdiction', SearchAttributeType.KEYWORD);
export const ReviewStatus = defineSearchAttributeKey('ReviewStatus', SearchAttributeType.KEYWORD);
export const Severity = defineSearchAttributeKey('Severity', SearchAttributeType.KEYWORD);
export const AlertStatus = defineSearchAttributeKey('AlertStatus', SearchAttributeType.KEYWORD);
export const IncidentStatus = defineSearchAttributeKey('IncidentStatus', SearchAttributeType.KEYWORD);
export const Service = defineSearchAttributeKey('Service', SearchAttributeType.KEYWORD);
export const DeployService = defineSearchAttributeKey('DeployService', SearchAttributeType.KEYWORD_LIST);
export const DeployEnvironment = defineSearchAttributeKey('DeployEnvironment', SearchAttributeType.KEYWORD_LIST);
export const DeploymentStatus = defineSearchAttributeKey('DeploymentStatus', SearchAttributeType.KEYWORD_LIST);

export const ARXFLOW_SEARCH_ATTRIBUTES = [
  ProjectId,
  MilestoneId,
  GateStatus,
  AmountRequested,
  PlanId,
  Jurisdiction,
  ReviewStatus,
  Severity,
  AlertStatus,
  IncidentStatus,
  Service,
  DeployService,
  DeployEnvironment,
  DeploymentStatus,
];
