import { InputError } from '../validation';
import { resolveCode, type AmendmentRef } from './resolve';
import type { Jurisdiction, RuleDefinition, RuleException } from './rules';

/** A rule as it stands in a jurisdiction on a day: for people, reports and the MCP `explain_rule` tool. */
export interface RuleExplanation {
  rule: string;
  section: string;
  title: string;
  /** The requirement, then the values and exceptions in force, in plain words. */
  text: string;
  severity: RuleDefinition['severity'];
  kind: RuleDefinition['kind'];
  jurisdiction: string;
  edition: string;
  asOf: string;
  /** The numbers and tables the engine applies, as data. */
  values: Record<string, unknown>;
  exceptions: RuleException[];
  source: string;
  definedBy: string;
  amendedBy: AmendmentRef[];
}

const DESCRIPTIVE_FIELDS = new Set(['id', 'kind', 'section', 'title', 'summary', 'source', 'severity', 'exceptions']);

export function explainRule(
  ruleId: string,
  jurisdiction: string,
  asOf: string,
  registry?: readonly Jurisdiction[],
): RuleExplanation {
  const code = resolveCode(jurisdiction, asOf, registry);
  const resolved = code.rules.find((rule) => rule.definition.id === ruleId);
  if (!resolved) {
    const deletedBy = code.deleted[ruleId];
    const message = deletedBy
      ? `${ruleId} is not in force in ${code.jurisdiction.id} on ${asOf}: deleted by ${deletedBy.jurisdiction} amendment ${deletedBy.amendment} (effective ${deletedBy.effective})`
      : `unknown rule "${ruleId}" in ${code.jurisdiction.id} on ${asOf}; rules in force: ${code.rules.map((rule) => rule.definition.id).join(', ')}`;
    throw new InputError(`rule: ${message}`, [{ path: 'rule', message }]);
  }
  const definition = resolved.definition;
  const values = Object.fromEntries(Object.entries(definition).filter(([key]) => !DESCRIPTIVE_FIELDS.has(key)));
  const exceptions = 'exceptions' in definition ? definition.exceptions : [];
  const lines = [
    `${definition.title} (${definition.section}), ${code.jurisdiction.id} on ${asOf}: ${definition.summary}`,
    ...inForce(definition),
    ...exceptions.map((e) => `Exception ${e.id}: ${e.description}.`),
    ...resolved.amendedBy.map(
      (a) => `Amended by ${a.jurisdiction} ${a.amendment} (effective ${a.effective}): ${a.change}.`,
    ),
  ];
  return {
    rule: definition.id,
    section: definition.section,
    title: definition.title,
    text: lines.join('\n'),
    severity: definition.severity,
    kind: definition.kind,
    jurisdiction: code.jurisdiction.id,
    edition: code.edition,
    asOf,
    values,
    exceptions,
    source: definition.source,
    definedBy: resolved.definedBy,
    amendedBy: resolved.amendedBy,
  };
}

/** The governing numbers in words; tables stay in `values`. */
function inForce(rule: RuleDefinition): string[] {
  switch (rule.kind) {
    case 'limit':
      return typeof rule.limit === 'number'
        ? [`In force: ${rule.label} ${rule.bound === 'min' ? 'at least' : 'at most'} ${rule.limit} ${rule.unit}.`]
        : [
            `In force: ${rule.label} ${rule.bound === 'min' ? 'at least' : 'at most'} by group (unsprinklered / sprinklered, ${rule.unit}): ${Object.entries(
              rule.limit.byGroup,
            )
              .map(([group, row]) => `${group} ${row.unsprinklered ?? 'NP'}/${row.sprinklered ?? 'NP'}`)
              .join(', ')}.`,
          ];
    case 'egress-capacity':
      return [`In force: ${rule.inchesPerOccupant} in per occupant.`];
    case 'exit-count':
      return [
        `In force: ${rule.tiers.map((t) => `${t.maxOccupantLoad === null ? 'above' : `up to ${t.maxOccupantLoad}`}: ${t.exits} exits`).join('; ')}.`,
      ];
    case 'occupant-load':
      return [
        `In force (sq ft per occupant): ${Object.entries(rule.factors)
          .map(([use, f]) => `${use} ${f.sqftPerOccupant} ${f.basis}`)
          .join(', ')}.`,
      ];
    case 'single-exit-space':
      return [
        `In force (max occupants; common path ft unsprinklered <=${rule.smallLoadMax} / >${rule.smallLoadMax} / sprinklered): ${Object.entries(
          rule.byGroup,
        )
          .map(
            ([group, row]) =>
              `${group} ${row.maxOccupantLoad}; ${row.commonPathFt.unsprinkleredSmallLoad ?? 'NP'}/${row.commonPathFt.unsprinkleredLargeLoad ?? 'NP'}/${row.commonPathFt.sprinklered ?? 'NP'}`,
          )
          .join(', ')}.`,
      ];
  }
}
