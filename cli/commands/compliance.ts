import type { Command } from 'commander';
import { checkPlanAgainst, type ComplianceResult } from '../../domain/compliance/engine';
import { explainRule } from '../../domain/compliance/explain';
import { JURISDICTIONS } from '../../domain/compliance/jurisdictions';
import { parsePlan } from '../../domain/compliance/plan-schema';
import { resolveCode, type ResolvedCode } from '../../domain/compliance/resolve';
import { CliError, EXIT, readJsonFile, print, printTable } from '../output';
import { registerCompliancePlanCommands } from './compliance-plans';
import { registerComplianceReportCommands } from './compliance-reports';

interface CodeOptions {
  jurisdiction?: string;
  asOf?: string;
  json?: boolean;
}

/**
 * `arxflow compliance ...`: the rule engine run locally, no Temporal needed. `check` exits
 * 0 when the plan complies, 1 when it has violations, 2 when the plan or an option is bad.
 */
export function registerComplianceCommands(program: Command): void {
  const compliance = program
    .command('compliance')
    .description(
      `check building plans against a jurisdiction's code, locally (jurisdictions: ${JURISDICTIONS.map((j) => j.id).join(', ')})`,
    );

  const codeOptions = (command: Command, jurisdictionHelp: string) =>
    command
      .option('--jurisdiction <id>', jurisdictionHelp)
      .option('--as-of <date>', 'apply the amendments in force on this day, YYYY-MM-DD (default: today, UTC)')
      .option('--json', 'print JSON');

  codeOptions(
    compliance
      .command('check')
      .description('check a plan file (docs/plan-format.md); exit 0 compliant, 1 violations, 2 bad input')
      .argument('<plan.json>'),
    "the code to check against (default: the plan's jurisdiction)",
  ).action((file: string, options: CodeOptions) => {
    const plan = parsePlan(readJsonFile(file));
    const code = resolveCode(options.jurisdiction ?? plan.jurisdiction, options.asOf ?? today());
    const result = checkPlanAgainst(plan, code);
    if (options.json) console.log(JSON.stringify(result, null, 2));
    else printReport(plan.name, result, code);
    if (!result.compliant) {
      const errors = result.violations.filter((v) => v.severity === 'error').length;
      throw new CliError(
        `${plan.planId} does not comply with ${result.jurisdiction}: ${errors} violation${errors === 1 ? '' : 's'}`,
        EXIT.failed,
      );
    }
  });

  codeOptions(
    compliance.command('rules').description('list the rules in force in a jurisdiction'),
    'jurisdiction (default: IBC-2021)',
  ).action((options: CodeOptions) => {
    const code = resolveCode(options.jurisdiction ?? 'IBC-2021', options.asOf ?? today());
    const rows = code.rules.map(({ definition, definedBy, amendedBy }) => ({
      rule: definition.id,
      section: definition.section,
      title: definition.title,
      definedBy,
      amendedBy: [...new Set(amendedBy.map((a) => a.amendment))].join(' ') || '-',
    }));
    if (options.json) {
      print(
        {
          jurisdiction: code.jurisdiction.id,
          chain: code.jurisdiction.chain,
          edition: code.edition,
          asOf: code.asOf,
          rules: rows,
          deleted: code.deleted,
        },
        true,
      );
      return;
    }
    console.log(
      `${code.jurisdiction.name}: ${code.edition} via ${code.jurisdiction.chain.join(' -> ')}, in force on ${code.asOf}`,
    );
    printTable(rows, ['rule', 'section', 'title', 'definedBy', 'amendedBy'], false);
    for (const [rule, ref] of Object.entries(code.deleted))
      console.log(`deleted: ${rule} by ${ref.jurisdiction} ${ref.amendment} (effective ${ref.effective})`);
  });

  codeOptions(
    compliance
      .command('explain')
      .description('explain one rule: requirement, values and exceptions in force, source, amendments')
      .argument('<ruleId>'),
    'jurisdiction (default: IBC-2021)',
  ).action((ruleId: string, options: CodeOptions) => {
    const explanation = explainRule(ruleId, options.jurisdiction ?? 'IBC-2021', options.asOf ?? today());
    if (options.json) print(explanation as unknown as Record<string, unknown>, true);
    else console.log(`${explanation.text}\nSource: ${explanation.source}`);
  });

  registerComplianceReportCommands(compliance);
  registerCompliancePlanCommands(compliance);
}

/** The CLI is the one place the engine's day comes from the clock. */
function today(): string {
  return new Date().toISOString().slice(0, 10);
}

function printReport(name: string, result: ComplianceResult, code: ResolvedCode): void {
  const errors = result.violations.filter((v) => v.severity === 'error').length;
  const warnings = result.violations.length - errors;
  console.log(`Plan ${result.planId}: ${name}`);
  const amendedIn = code.jurisdiction.chain.slice(1);
  console.log(
    `Code: ${code.editionTitle}${amendedIn.length ? ` as amended by ${amendedIn.join(' -> ')}` : ', as published'}, in force on ${result.asOf}`,
  );
  if (code.jurisdiction.example)
    console.log(`Note: ${result.jurisdiction} is illustrative data, not a real adopted code.`);
  const levels = Object.entries(result.occupantLoad.byLevel)
    .map(([level, load]) => `${level} ${load}`)
    .join(', ');
  console.log(`Occupant load: ${result.occupantLoad.total} (${levels})`);
  console.log(
    `Result: ${result.compliant ? 'COMPLIANT' : 'NOT COMPLIANT'}, ${errors} violation${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`,
  );
  if (result.violations.length === 0) return;
  console.log('');
  printTable(
    result.violations.map((v) => ({ ...v, elements: v.elements.join(' ') })),
    ['rule', 'elements', 'required', 'actual', 'unit', 'severity', 'message'],
    false,
  );
}
