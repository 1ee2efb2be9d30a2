import PDFDocument from 'pdfkit';
import { plainCalendarDay, plainDay, plainDayTime } from '../domain/compliance/report-dates';
import { reportContentHash, type ReportModel } from '../domain/compliance/report-model';
import type { Violation } from '../domain/compliance/violation';

/**
 * The report model as the letter a building department issues and an official signs: a
 * corrections letter while the applicant has items to correct, the approval (denial,
 * expiration) record at the end. pdfkit with the built-in Helvetica (no font files to ship).
 * Every field the application left out reads "not given", never a made-up value. Every
 * page carries "Page N of M" and the report's content hash (reportContentHash), so a signed
 * paper copy can be matched to the stored JSON. Dates are the model's, in its time zone,
 * so the same model renders the same document.
 */
export function renderReportPdf(model: ReportModel, contentSha256 = reportContentHash(model)): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'LETTER',
    margins: { top: 54, left: 54, right: 54, bottom: FOOTER_SPACE },
    bufferPages: true,
    info: {
      Title: `${model.heading}: ${model.application}`,
      Author: 'arxflow',
      Subject: `Content SHA-256 ${contentSha256}`,
      CreationDate: new Date(model.generatedAt),
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const zone = model.timeZone.zone;

  heading(doc, model);
  facts(doc, model);
  opening(doc, model);
  if (model.missing.length) section(doc, 'Incomplete submission', model.missing.map(bullet));
  if (model.decision) {
    const d = model.decision;
    section(doc, 'Decision', [
      `${d.decision.replaceAll('_', ' ')} by ${d.by} on ${plainDay(d.at, zone)}${d.summary ? `: ${d.summary}` : ''}`,
    ]);
  }
  const errors = model.violations.filter((v) => v.severity === 'error');
  const warnings = model.violations.filter((v) => v.severity !== 'error');
  findings(doc, model, `Violations (${errors.length})`, errors);
  if (warnings.length) findings(doc, model, `Warnings (${warnings.length})`, warnings);
  if (model.comments.length)
    section(
      doc,
      'Reviewer comments',
      model.comments.map((c) => bullet(`${c.element ?? 'whole plan'}: ${c.comment} (${c.by})`)),
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
  section(
    doc,
    `Documents reviewed (${model.documents.length})`,
    model.documents.length
      ? model.documents.map((d) => bullet(`${d.kind}: ${d.name}${d.ref ? ` (${d.ref})` : ''}`))
      : ['None submitted with this plan version.'],
  );
  section(
    doc,
    `Rules checked (${model.code?.rules.length ?? 0})`,
    model.code
      ? model.code.rules.map((r) => bullet(`Section ${r.section}: ${r.title} (${r.id})`))
      : ['No automated check of this plan version (see above).'],
  );
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
  signatureBlock(doc, model);
  footers(doc, model, contentSha256);
  doc.end();
  return done;
}

/** Room below the body for the footer: pdfkit starts a new page before text reaches it. */
const FOOTER_SPACE = 72;
const NOT_GIVEN = 'not given';
const LABEL_WIDTH = 170;

function heading(doc: PDFKit.PDFDocument, model: ReportModel): void {
  const authority = model.code ? `${model.jurisdiction}: ${model.code.jurisdictionName}` : model.jurisdiction;
  doc.font('Helvetica').fontSize(9).fillColor('#444').text(`Plan review, ${authority}`);
  doc.moveDown(0.3).font('Helvetica-Bold').fontSize(20).fillColor('black').text(model.heading);
  doc.font('Helvetica').fontSize(10).text(plainDay(model.generatedAt, model.timeZone.zone)).moveDown(0.8);
}

/** The application at a glance, one labelled row each; what the application left out says so. */
function facts(doc: PDFKit.PDFDocument, model: ReportModel): void {
  const zone = model.timeZone.zone;
  const code = model.code;
  const overlays = code
    ? code.overlays.length
      ? code.overlays
          .map(
            (o) =>
              `${o.jurisdiction}: ${
                o.amendments.length
                  ? o.amendments
                      .map((a) => `${a.id} ${a.title} (effective ${plainCalendarDay(a.effective)})`)
                      .join('; ')
                  : 'no amendment in force'
              }`,
          )
          .join('. ')
      : `none (the model code as published)`
    : 'not checked';
  const rows: [string, string][] = [
    ['Permit number', model.permitNumber ?? NOT_GIVEN],
    ['Application', `${model.application} (plan ${model.planId})`],
    ['Applicant', `${model.applicantName ?? NOT_GIVEN} (account ${model.applicant})`],
    ['Site address', model.siteAddress ?? NOT_GIVEN],
    ['Project', model.cycle.planName ?? NOT_GIVEN],
    [
      'Plan version',
      `${model.cycle.planVersion} (review cycle ${model.cycle.number}, submitted ${plainDay(model.cycle.submittedAt, zone)})`,
    ],
    ['Jurisdiction', model.jurisdiction],
    [
      'Code edition',
      code ? `${code.editionTitle} (${code.edition}), in force on ${plainCalendarDay(code.asOf)}` : 'not checked',
    ],
    ['Jurisdiction overlays applied', overlays],
    ['Review status', model.status.replaceAll('_', ' ')],
    ['Occupant load', model.cycle.occupantLoad === undefined ? 'not checked' : String(model.cycle.occupantLoad)],
    ['Dates are in', `${zone} (${ZONE_CHOICE[model.timeZone.chosen]})`],
  ];
  for (const [label, value] of rows) labelled(doc, label, value);
}

const ZONE_CHOICE: Record<ReportModel['timeZone']['chosen'], string> = {
  jurisdiction: "the jurisdiction's time zone",
  reviewer: "the reviewer's time zone",
  default: 'no time zone configured for the jurisdiction or the reviewer',
};

function labelled(doc: PDFKit.PDFDocument, label: string, value: string): void {
  const x = doc.page.margins.left;
  const y = doc.y;
  const width = doc.page.width - x - doc.page.margins.right - LABEL_WIDTH;
  doc
    .font('Helvetica-Bold')
    .fontSize(10)
    .text(`${label}:`, x, y, { width: LABEL_WIDTH - 8 });
  const labelBottom = doc.y;
  doc.font('Helvetica').text(value, x + LABEL_WIDTH, y, { width });
  doc.x = x;
  doc.y = Math.max(doc.y, labelBottom) + 2;
}

/** What the letter asks of the applicant, or what it records. */
function opening(doc: PDFKit.PDFDocument, model: ReportModel): void {
  const zone = model.timeZone.zone;
  const text =
    model.heading === 'Corrections letter'
      ? `The plan review of this application found the items below that must be corrected. Resubmit a corrected plan (the next plan version) ${
          model.respondBy ? `by ${plainDayTime(model.respondBy, zone)}` : 'as soon as possible'
        }; after that date the application expires.`
      : model.heading === 'Approval record'
        ? `The plan of this application was reviewed against the code below and approved${
            model.decision ? ` on ${plainDay(model.decision.at, zone)}` : ''
          }.`
        : model.heading === 'Denial record'
          ? `The plan of this application was reviewed against the code below and denied${
              model.decision ? ` on ${plainDay(model.decision.at, zone)}` : ''
            }.`
          : 'The application expired: no corrected plan was received in time.';
  doc.moveDown(0.8).font('Helvetica').fontSize(10).text(text, doc.page.margins.left);
}

function section(doc: PDFKit.PDFDocument, title: string, lines: string[]): void {
  doc.moveDown().font('Helvetica-Bold').fontSize(13).fillColor('black').text(title, doc.page.margins.left);
  doc.moveDown(0.3).font('Helvetica').fontSize(10);
  for (const text of lines) doc.text(text, { paragraphGap: 3 });
}

/** Each finding numbered, with its section, location and required against actual on lines of their own. */
function findings(doc: PDFKit.PDFDocument, model: ReportModel, title: string, list: Violation[]): void {
  section(doc, title, list.length ? [] : ['None.']);
  const titles = new Map(model.code?.rules.map((r) => [r.id, r.title]));
  list.forEach((v, index) => {
    // Keep a finding's first lines together: start it on a new page when little room is left.
    if (doc.y > doc.page.height - FOOTER_SPACE - 60) doc.addPage();
    const ruleTitle = titles.get(v.rule);
    doc
      .font('Helvetica-Bold')
      .fontSize(10)
      .text(`${index + 1}. Section ${v.section}${ruleTitle ? `, ${ruleTitle}` : ''} (rule ${v.rule})`);
    doc.font('Helvetica').text(`Location: ${v.location ?? v.elements.join(', ')}`, { indent: 14 });
    doc.text(`Required: ${v.required} ${v.unit}    Actual: ${v.actual} ${v.unit}`, { indent: 14 });
    doc.fillColor('#333').text(v.message, { indent: 14, paragraphGap: 6 }).fillColor('black');
  });
}

/** Lines to sign and date by hand, under the name and title of the official who signs. */
function signatureBlock(doc: PDFKit.PDFDocument, model: ReportModel): void {
  const x = doc.page.margins.left;
  if (doc.y > doc.page.height - FOOTER_SPACE - 170) doc.addPage();
  const signer = model.signer;
  doc
    .moveDown(1.5)
    .font('Helvetica-Bold')
    .fontSize(13)
    .text(signer.decided ? 'Reviewed and decided by' : 'Issued for the plan reviewers by', x);
  doc.moveDown(2.5);
  const lineY = doc.y;
  doc
    .moveTo(x, lineY)
    .lineTo(x + 270, lineY)
    .moveTo(x + 310, lineY)
    .lineTo(x + 470, lineY)
    .stroke();
  doc.font('Helvetica').fontSize(9);
  doc.text('Signature', x, lineY + 4, { width: 270 });
  doc.text('Date', x + 310, lineY + 4, { width: 160 });
  doc.x = x;
  doc.moveDown(1).fontSize(10);
  labelled(doc, 'Reviewer name', `${signer.name ?? NOT_GIVEN} (${signer.id})`);
  labelled(doc, 'Title', signer.title ?? NOT_GIVEN);
}

/** "Page N of M" and the content hash at the foot of every page, written once all pages exist. */
function footers(doc: PDFKit.PDFDocument, model: ReportModel, contentSha256: string): void {
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // Writing inside the bottom margin would make pdfkit start a new page: lift it while the footer is written.
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    const x = doc.page.margins.left;
    const width = doc.page.width - x - doc.page.margins.right;
    const y = doc.page.height - FOOTER_SPACE + 24;
    doc
      .moveTo(x, y - 6)
      .lineTo(x + width, y - 6)
      .lineWidth(0.5)
      .strokeColor('#999')
      .stroke();
    doc.font('Helvetica').fontSize(8).fillColor('#333');
    const left = `${model.heading}, ${model.application}, permit ${model.permitNumber ?? NOT_GIVEN}`;
    doc.text(left, x, y, { width, lineBreak: false });
    doc.text(`Page ${i - range.start + 1} of ${range.count}`, x, y, { width, align: 'right', lineBreak: false });
    doc.text(`Content SHA-256: ${contentSha256}`, x, y + 11, { width, lineBreak: false });
    doc.page.margins.bottom = bottom;
  }
}

function bullet(text: string): string {
  return `- ${text}`;
}
