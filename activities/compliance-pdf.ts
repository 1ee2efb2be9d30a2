import PDFDocument from 'pdfkit';
import type { ReportModel } from '../domain/compliance/report-model';
import type { Violation } from '../domain/compliance/violation';

/**
 * The report model as a PDF (pdfkit, built-in Helvetica: no font files to ship). Same
 * content as the HTML, laid out as a list per violation instead of a wide table, which
 * does not fit a portrait page. Dates are fixed from the model, so the same model renders
 * the same document.
 */
export function renderReportPdf(model: ReportModel): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'LETTER',
    margin: 54,
    info: { Title: model.title, Author: 'arxflow', CreationDate: new Date(model.generatedAt) },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  doc.font('Helvetica-Bold').fontSize(18).text(model.title).moveDown(0.5);
  doc.font('Helvetica').fontSize(10);
  const facts: [string, string | number | undefined][] = [
    ['Plan', model.cycle.planName ? `${model.planId}: ${model.cycle.planName}` : model.planId],
    ['Jurisdiction', model.jurisdiction],
    ['Code', model.cycle.edition && `${model.cycle.edition}, in force on ${model.cycle.asOf}`],
    ['Review status', model.status],
    ['Cycle', `${model.cycle.number} (plan version ${model.cycle.planVersion}, submitted ${model.cycle.submittedAt})`],
    ['Occupant load', model.cycle.occupantLoad],
  ];
  for (const [label, value] of facts) if (value !== undefined) doc.text(`${label}: ${value}`);
  if (model.missing.length)
    section(
      doc,
      'Incomplete submission',
      model.missing.map((m) => `- ${m}`),
    );
  if (model.decision) {
    const d = model.decision;
    section(doc, 'Decision', [
      `${d.decision.replaceAll('_', ' ')} by ${d.by} on ${d.at}${d.summary ? `: ${d.summary}` : ''}`,
    ]);
  }
  const errors = model.violations.filter((v) => v.severity === 'error');
  const warnings = model.violations.filter((v) => v.severity !== 'error');
  section(doc, `Violations (${errors.length})`, errors.length ? errors.map(line) : ['None.']);
  if (warnings.length) section(doc, `Warnings (${warnings.length})`, warnings.map(line));
  if (model.comments.length)
    section(
      doc,
      'Reviewer comments',
      model.comments.map((c) => `${c.element ?? 'whole plan'}: ${c.comment} (${c.by})`),
    );
  if (model.diff) {
    const d = model.diff;
    const ids = (list: Violation[]) => list.map((v) => `${v.rule} on ${v.elements.join(', ')}`).join('; ') || 'none';
    section(doc, `Changes since cycle ${d.fromCycle}`, [
      `Resolved: ${ids(d.resolved)}`,
      `New: ${ids(d.new)}`,
      `Still open: ${ids(d.persisting)}`,
    ]);
  }
  if (model.history.length > 1) {
    section(
      doc,
      'Review cycles',
      model.history.map(
        (h) =>
          `Cycle ${h.cycle}, plan version ${h.planVersion}: ${h.errors} violation(s), ${h.warnings} warning(s), ${h.outcome}`,
      ),
    );
  }
  if (model.kind === 'corrections' && model.respondBy) {
    section(doc, 'Next step', [
      `Resubmit a corrected plan (next plan version) by ${model.respondBy}; after that the application expires.`,
    ]);
  }
  doc.moveDown().fontSize(8).fillColor('#666').text(`Generated ${model.generatedAt} by arxflow.`);
  doc.end();
  return done;
}

function section(doc: PDFKit.PDFDocument, heading: string, lines: string[]): void {
  doc.moveDown().font('Helvetica-Bold').fontSize(13).fillColor('black').text(heading).moveDown(0.3);
  doc.font('Helvetica').fontSize(10);
  for (const text of lines) doc.text(text, { paragraphGap: 4 });
}

function line(v: Violation): string {
  return `${v.rule} (${v.section}) on ${v.elements.join(', ')}: required ${v.required} ${v.unit}, actual ${v.actual} ${v.unit}. ${v.message}`;
}
