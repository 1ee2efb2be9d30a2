import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ComplianceReports } from '../../db/compliance-reports';
import { openSettingsStore } from '../../db/settings-store';
import { withCliContext } from '../context';
import { CliError, EXIT, printTable } from '../output';

/**
 * `arxflow compliance reports <planId>` and `arxflow compliance report <key>`: the reports
 * and jurisdiction exports reviews stored (table compliance_reports), read from the store
 * DATABASE_URL or the data dir names. Not through the gateway yet: it has no report route.
 */
export function registerComplianceReportCommands(compliance: Command): void {
  compliance
    .command('reports')
    .description("list the reports and exports stored for a plan's review")
    .argument('<planId>')
    .option('--json', 'print JSON')
    .action(async (planId: string, options: { json?: boolean }) => {
      const rows = await withReports((reports) => reports.listForPlan(planId));
      printTable(
        rows as unknown as Record<string, unknown>[],
        ['key', 'cycle', 'kind', 'format', 'contentType'],
        !!options.json,
      );
    });

  compliance
    .command('report')
    .description('print one stored report (or write it with --out; PDFs need --out)')
    .argument('<key>')
    .option('--out <file>', 'write the report to this file')
    .action(async (key: string, options: { out?: string }) => {
      const report = await withReports((reports) => reports.get(key));
      if (!report)
        throw new CliError(`no report with key "${key}"; list them with \`arxflow compliance reports <planId>\``);
      if (options.out) writeFileSync(options.out, report.body);
      else if (report.format === 'pdf')
        throw new CliError('a PDF is not printed to the terminal: give --out <file>', EXIT.badInput);
      else process.stdout.write(report.body);
    });
}

async function withReports<T>(work: (reports: ComplianceReports) => Promise<T>): Promise<T> {
  return withCliContext(async (ctx) => {
    if (ctx.gateway)
      throw new CliError(
        'compliance reports are read from the store; unset ARXFLOW_URL and set DATABASE_URL (or use the data dir)',
      );
    const store = await openSettingsStore(ctx.settings);
    try {
      return await work(new ComplianceReports(store.db));
    } finally {
      await store.close();
    }
  });
}
