// Part of `npm run bench -- compliance`: time to render a corrections report (HTML, PDF,
// CSV, permit export) for 10 to 10,000 violations, next to JSON.stringify of the same
// report model measured in the same run (the least any format has to do). Writes
// bench/results/compliance-reports.json.
import { renderReportPdf } from '../activities/compliance-pdf';
import { permitRecord } from '../domain/compliance/permit-export';
import { violationsCsv } from '../domain/compliance/report-csv';
import { renderReportHtml } from '../domain/compliance/report-html';
import { reportModel } from '../domain/compliance/report-model';
import type { ReviewStatusView } from '../domain/compliance/review-types';
import type { Violation } from '../domain/compliance/violation';
import { writeResults } from './results';

const SIZES = (process.env.BENCH_REPORT_SIZES ?? '10,100,1000,10000').split(',').map(Number);

function reviewWith(violations: number): ReviewStatusView {
  const list: Violation[] = Array.from({ length: violations }, (_, i) => ({
    rule: 'IBC-1010.1.1',
    section: '1010.1.1',
    elements: [`L${Math.floor(i / 100) + 1}-D${i}`],
    required: 32,
    actual: 30,
    unit: 'in',
    severity: 'error',
    message: `Door L${Math.floor(i / 100) + 1}-D${i} clear width 30 in is below 32 in, "measured" at the stop (1010.1.1)`,
  }));
  return {
    planId: `BENCH-${violations}`,
    jurisdiction: 'IBC-2021',
    status: 'corrections_required',
    applicant: 'bench',
    reviewers: ['bench'],
    supervisor: 'bench',
    policy: { reviewSlaBusinessDays: 15, correctionBusinessDays: 10, holidays: [], requiredDocuments: [] },
    waitingOn: 'applicant',
    correctionDueAt: '2026-12-11T15:00:00.000Z',
    sla: { usedBusinessHours: 0, limitBusinessDays: 15, running: false, escalated: false },
    cycles: [
      {
        number: 1,
        planVersion: 1,
        submittedAt: '2026-11-27T15:00:00.000Z',
        submittedBy: 'bench',
        documents: [],
        check: {
          compliant: false,
          planName: 'Generated',
          edition: 'IBC-2021',
          asOf: '2026-11-01',
          occupantLoad: 1000,
          violations: list,
        },
      },
    ],
    refused: [],
    timeline: [],
  };
}

async function medianMs(rounds: number, work: () => unknown): Promise<number> {
  await work();
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const started = process.hrtime.bigint();
    await work();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export async function benchComplianceReports(): Promise<void> {
  const rows = [];
  for (const violations of SIZES) {
    const view = reviewWith(violations);
    const model = reportModel('corrections', view, '2026-12-01T00:00:00.000Z');
    const rounds = Math.max(3, Math.min(50, Math.round(5_000 / violations)));
    rows.push({
      violations,
      rounds,
      jsonMs: await medianMs(rounds, () => JSON.stringify(model)),
      htmlMs: await medianMs(rounds, () => renderReportHtml(model)),
      csvMs: await medianMs(rounds, () => violationsCsv(model.violations)),
      exportMs: await medianMs(rounds, () => JSON.stringify(permitRecord(view, '2026-12-01T00:00:00.000Z'))),
      pdfMs: await medianMs(rounds, () => renderReportPdf(model)),
      pdfKiB: (await renderReportPdf(model)).length / 1024,
    });
  }
  const ms = (value: number) => value.toFixed(value < 10 ? 3 : 1);
  console.log(
    'compliance reports: rendering a corrections report, median of the rounds shown; baseline JSON.stringify of the model in the same run',
  );
  console.table(
    rows.map((r) => ({
      violations: r.violations.toLocaleString('en-US'),
      'JSON.stringify ms (baseline)': ms(r.jsonMs),
      'HTML ms': ms(r.htmlMs),
      'CSV ms': ms(r.csvMs),
      'export ms': ms(r.exportMs),
      'PDF ms': ms(r.pdfMs),
      'PDF KiB': r.pdfKiB.toFixed(0),
      'HTML / baseline': `${(r.htmlMs / r.jsonMs).toFixed(1)}x`,
    })),
  );
  writeResults('compliance-reports', { rows });
}
