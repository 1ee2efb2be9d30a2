import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  HttpReportReader,
  StoreReportReader,
  type ComplianceReportReader,
  type ReportFile,
} from '../../client/api/compliance-report-readers';
import { openSettingsStore } from '../../db/settings-store';
import { withCliContext } from '../context';
import { CliError, EXIT, printTable } from '../output';

/**
 * `arxflow compliance reports <planId>`, `report <key>` and `export <planId>`: the reports and
 * jurisdiction exports reviews stored (table compliance_reports). Through the gateway when
 * there is one (ARXFLOW_URL, or the running service of the data dir), so they can be read
 * while `npm start` holds its PGlite store; else from the store DATABASE_URL or the data dir names.
 */
export function registerComplianceReportCommands(compliance: Command): void {
  compliance
    .command('reports')
    .description("list the reports and exports stored for a plan's review")
    .argument('<planId>')
    .option('--json', 'print JSON')
    .action(async (planId: string, options: { json?: boolean }) => {
      const rows = await withReports((reports) => reports.list(planId));
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
      output(report, options.out);
    });

  compliance
    .command('export')
    .description(
      "print the plan's jurisdiction export (the permit record its review wrote last), or write it with --out",
    )
    .argument('<planId>')
    .option('--out <file>', 'write the export to this file')
    .action(async (planId: string, options: { out?: string }) => {
      const record = await withReports((reports) => reports.latestExport(planId));
      if (!record)
        throw new CliError(`no jurisdiction export for plan "${planId}": it is written when the plan's review ends`);
      output(record, options.out);
    });
}

function output(report: ReportFile, out: string | undefined): void {
  if (out) writeFileSync(out, report.body);
  else if (report.contentType.startsWith('application/pdf'))
    throw new CliError('a PDF is not printed to the terminal: give --out <file>', EXIT.badInput);
  else process.stdout.write(report.body);
}

async function withReports<T>(work: (reports: ComplianceReportReader) => Promise<T>): Promise<T> {
  return withCliContext(async (ctx) => {
    if (ctx.gateway) return work(new HttpReportReader(ctx.gateway));
    const store = await openSettingsStore(ctx.settings);
    try {
      return await work(new StoreReportReader(store.db));
    } finally {
      await store.close();
    }
  });
}
