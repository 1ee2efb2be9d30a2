import { isSafeDedupKey } from './dedup';
import { policyProblem, TARGET_KINDS, type EscalationPolicy } from './escalation-policy';
import { isRecord, isSeverity } from './types';

/**
 * What is wrong with an alertEscalation start input, naming the field, or undefined.
 * The intake builds valid inputs; this guards a start by hand (API, CLI, Web UI), where a
 * malformed input would otherwise fail the workflow's first task again and again. Light
 * and zod-free: it runs in the workflow.
 */
export function alertInputProblem(input: unknown): string | undefined {
  if (!isRecord(input)) return 'input: must be an object';
  const { event, policy, policies, intakeId } = input;
  if (typeof intakeId !== 'string' || intakeId === '') return 'intakeId: must be a text';
  if (!isRecord(event)) return 'event: must be an object';
  if (typeof event.dedupKey !== 'string' || !isSafeDedupKey(event.dedupKey))
    return 'event.dedupKey: must be 1 to 255 of A-Z a-z 0-9 . _ ~ -';
  if (typeof event.summary !== 'string' || event.summary === '') return 'event.summary: must be a text';
  if (!isSeverity(event.severity)) return 'event.severity: must be critical, error, warning or info';
  for (const field of ['labels', 'annotations'] as const) {
    const value = event[field];
    if (!isRecord(value) || Object.values(value).some((v) => typeof v !== 'string'))
      return `event.${field}: must map names to texts`;
  }
  for (const field of ['links', 'images'] as const)
    if (!Array.isArray(event[field])) return `event.${field}: must be a list`;
  const problem = policyShapeProblem(policy, 'policy');
  if (problem) return problem;
  if (policies !== undefined) {
    if (!Array.isArray(policies)) return 'policies: must be a list';
    for (const [i, p] of policies.entries()) {
      const found = policyShapeProblem(p, `policies.${i}`);
      if (found) return found;
    }
  }
  return undefined;
}

function policyShapeProblem(policy: unknown, path: string): string | undefined {
  if (!isRecord(policy)) return `${path}: must be an escalation policy`;
  if (typeof policy.name !== 'string' || policy.name === '') return `${path}.name: must be a text`;
  if (policy.urgency !== 'high' && policy.urgency !== 'low') return `${path}.urgency: must be high or low`;
  if (!Number.isInteger(policy.repeat) || (policy.repeat as number) < 0)
    return `${path}.repeat: must be a whole number`;
  if (!Array.isArray(policy.match)) return `${path}.match: must be a list of matchers`;
  if (!isRecord(policy.incident) || !Array.isArray(policy.incident.severities))
    return `${path}.incident.severities: must be a list`;
  if (!Array.isArray(policy.levels)) return `${path}.levels: must be a list`;
  for (const [i, level] of policy.levels.entries()) {
    if (!isRecord(level) || typeof level.escalateAfterMs !== 'number' || level.escalateAfterMs < 0)
      return `${path}.levels.${i}.escalateAfterMs: must be a duration in ms, 0 or more`;
    if (!Array.isArray(level.targets) || level.targets.length === 0)
      return `${path}.levels.${i}.targets: name at least one target`;
    for (const [j, target] of level.targets.entries()) {
      if (
        !isRecord(target) ||
        !(TARGET_KINDS as readonly unknown[]).includes(target.kind) ||
        typeof target.to !== 'string' ||
        target.to === ''
      ) {
        return `${path}.levels.${i}.targets.${j}: must be {kind: ${TARGET_KINDS.join('|')}, to}`;
      }
    }
  }
  const crossField = policyProblem(policy as unknown as EscalationPolicy);
  return crossField && `${path}.${crossField.path.join('.')}: ${crossField.message}`;
}
