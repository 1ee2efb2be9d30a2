import type { RuleDefinition, Severity } from './rules';

/** One finding: which rule, on which elements, what was required against what the plan shows. */
export interface Violation {
  rule: string;
  section: string;
  elements: string[];
  /** A number in `unit`, or words where the requirement is not a number ("sprinklered (nfpa13)"). */
  required: number | string;
  actual: number | string;
  unit: string;
  severity: Severity;
  message: string;
  /**
   * Where the elements are, in words ("door D3 on level Ground (L1)"): added by the review's
   * check activity, which has the plan; absent in checks recorded before it did.
   */
  location?: string;
}

/** A finding of `rule`: its id, section and severity filled in, the section appended to the message. */
export function violationOf(
  rule: RuleDefinition,
  finding: Omit<Violation, 'rule' | 'section' | 'severity'>,
): Violation {
  return {
    rule: rule.id,
    section: rule.section,
    elements: finding.elements,
    required: finding.required,
    actual: finding.actual,
    unit: finding.unit,
    severity: rule.severity,
    message: `${finding.message} (${rule.section})`,
  };
}
