import { renderReportPdf } from '../../activities/compliance-pdf';
import { diffViolations } from '../../domain/compliance/cycle-diff';
import { permitRecord } from '../../domain/compliance/permit-export';
import { csvField, violationsCsv } from '../../domain/compliance/report-csv';
import { renderReportHtml } from '../../domain/compliance/report-html';
import { reportModel } from '../../domain/compliance/report-model';
import type { ReviewStatusView } from '../../domain/compliance/review-types';
import type { Violation } from '../../domain/compliance/violation';

const violation = (
  elements: string[],
  actual: number,
  message = 'Door clear width below 32 in (IBC 1010.1.1)',
): Violation => ({
  rule: 'IBC-1010.1.1',
  section: '1010.1.1',
  elements,
  required: 32,
  actual,
  unit: 'in',
  severity: 'error',
  message,
});
const check = (violations: Violation[]) => ({
  compliant: violations.length === 0,
  planName: 'Office <A&B>',
  edition: 'IBC-2021',
  asOf: '2026-11-01',
  occupantLoad: 71,
  violations,
});

function view(overrides: Partial<ReviewStatusView> = {}): ReviewStatusView {
  return {
    planId: 'P-1',
    jurisdiction: 'IBC-2021',
    status: 'corrections_required',
    applicant: 'arch-amy',
    reviewers: ['rev-ray'],
    supervisor: 'sup-sam',
    policy: { reviewSlaBusinessDays: 15, correctionBusinessDays: 10, holidays: [], requiredDocuments: [] },
    waitingOn: 'applicant',
    correctionDueAt: '2026-12-11T15:00:00.000Z',
    sla: { usedBusinessHours: 0, limitBusinessDays: 15, running: false, escalated: false },
    cycles: [
      {
        number: 1,
        planVersion: 1,
        submittedAt: '2026-11-27T15:00:00.000Z',
        submittedBy: 'arch-amy',
        documents: [],
        check: check([violation(['D3'], 30), violation(['D6'], 31)]),
      },
      {
        number: 2,
        planVersion: 2,
        submittedAt: '2026-12-01T10:00:00.000Z',
        submittedBy: 'arch-amy',
        documents: [],
        check: check([violation(['D6'], 31.5, 'Width "31.5", see <note>, = bad')]),
        diff: diffViolations(1, [violation(['D3'], 30), violation(['D6'], 31)], 2, [violation(['D6'], 31.5)]),
        decision: {
          decision: 'request_corrections',
          actor: 'rev-ray',
          at: '2026-12-02T10:00:00.000Z',
          comments: [{ element: 'D6', comment: 'Widen <D6>' }],
        },
      },
    ],
    refused: [],
    timeline: [],
    ...overrides,
  };
}

describe('cycle diff', () => {
  it('matches findings by rule and elements: resolved, new and persisting (numbers may change)', () => {
    const diff = diffViolations(1, [violation(['D3'], 30), violation(['D6'], 31)], 2, [
      violation(['D6'], 31.5),
      violation(['D9'], 20),
    ]);
    expect(diff.resolved.map((v) => v.elements)).toEqual([['D3']]);
    expect(diff.new.map((v) => v.elements)).toEqual([['D9']]);
    expect(diff.persisting.map((v) => v.actual)).toEqual([31.5]);
  });
});

describe('report rendering', () => {
  const model = reportModel('corrections', view(), '2026-12-02T10:00:00.000Z');

  it('HTML lists the violations and comments, escaped, with the deadline', () => {
    const html = renderReportHtml(model);
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('<td>IBC-1010.1.1</td>');
    expect(html).toContain('<td>D6</td>');
    expect(html).toContain('Widen &lt;D6&gt;');
    expect(html).toContain('Office &lt;A&amp;B&gt;');
    expect(html).not.toContain('<note>');
    expect(html).toContain('2026-12-11T15:00:00.000Z');
    expect(html).toMatch(/Resolved \(1\)/);
  });

  it('PDF is a PDF with pages', async () => {
    const pdf = await renderReportPdf(model);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.toString('latin1')).toMatch(/\/Type \/Pages/);
    expect(Number(/\/Count (\d+)/.exec(pdf.toString('latin1'))![1])).toBeGreaterThanOrEqual(1);
    expect(pdf.toString('latin1').trimEnd().endsWith('%%EOF')).toBe(true);
  });

  it('CSV quotes commas, quotes and line breaks, and defuses formulas', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('=SUM(A1)')).toBe("'=SUM(A1)");
    expect(csvField(-3)).toBe('-3');
    const csv = violationsCsv(model.violations);
    expect(csv.split('\r\n')).toEqual([
      'rule,section,elements,required,actual,unit,severity,message',
      'IBC-1010.1.1,1010.1.1,D6,32,31.5,in,error,"Width ""31.5"", see <note>, = bad"',
      '',
    ]);
  });
});

describe('jurisdiction export', () => {
  it('is a permit record with dates, status and every violation with its history', () => {
    const record = permitRecord(view({ status: 'approved' }), '2026-12-03T09:00:00.000Z', undefined);
    expect(record).toMatchObject({
      recordType: 'arxflow.permit-review/1',
      permitNum: 'BLD-2026-P-1',
      description: 'Office <A&B>',
      appliedDate: '2026-11-27',
      issuedDate: '2026-12-02',
      statusCurrent: 'Issued',
      statusDate: '2026-12-03',
      reviewCycles: 2,
      planVersion: 2,
      codeEdition: 'IBC-2021',
      occupantLoad: 71,
    });
    expect(
      record.violations.map((v) => [v.elements[0], v.status, v.firstFoundCycle, v.resolvedCycle, v.actual]),
    ).toEqual([
      ['D3', 'resolved', 1, 2, 30],
      ['D6', 'open', 1, undefined, 31.5],
    ]);
    expect(permitRecord(view(), '2026-12-03T09:00:00.000Z', 'CITY-0042')).toMatchObject({
      permitNum: 'CITY-0042',
      issuedDate: null,
      statusCurrent: 'Corrections Required',
    });
  });
});
