import { reportContentHash, type ReportModel } from './report-model';
import type { Violation } from './violation';

/** A self-contained HTML page (inline style, no scripts): it is mailed and archived as is. */
export function renderReportHtml(model: ReportModel, contentSha256 = reportContentHash(model)): string {
  const errors = model.violations.filter((v) => v.severity === 'error');
  const warnings = model.violations.filter((v) => v.severity !== 'error');
  const sections = [
    `<h1>${esc(model.title)}</h1>`,
    facts(model),
    model.missing.length
      ? `<h2>Incomplete submission</h2><ul>${model.missing.map((m) => `<li>${esc(m)}</li>`).join('')}</ul>`
      : '',
    model.decision ? decision(model) : '',
    `<h2>Violations (${errors.length})</h2>${errors.length ? table(errors) : '<p>None.</p>'}`,
    warnings.length ? `<h2>Warnings (${warnings.length})</h2>${table(warnings)}` : '',
    model.comments.length
      ? `<h2>Reviewer comments</h2><table><tr><th>Element</th><th>Comment</th><th>By</th></tr>${model.comments
          .map(
            (c) => `<tr><td>${esc(c.element ?? 'whole plan')}</td><td>${esc(c.comment)}</td><td>${esc(c.by)}</td></tr>`,
          )
          .join('')}</table>`
      : '',
    model.diff ? diff(model) : '',
    model.history.length > 1 ? history(model) : '',
    model.kind === 'corrections' && model.respondBy
      ? `<p class="due">Resubmit a corrected plan (next plan version) by <strong>${esc(model.respondBy)}</strong>; after that the application expires.</p>`
      : '',
  ];
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(model.title)}</title>
<style>body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #999;padding:.25em .5em;text-align:left;vertical-align:top}th{background:#eee}.due{font-weight:bold;color:#a00}</style>
</head><body>
${sections.filter(Boolean).join('\n')}
<p><small>${esc(model.heading)} generated ${esc(model.generatedAt)} by arxflow. Content SHA-256: ${contentSha256}</small></p>
</body></html>
`;
}

function facts(model: ReportModel): string {
  const rows: [string, string | number | undefined][] = [
    ['Permit number', model.permitNumber ?? 'not given'],
    ['Application', model.application],
    ['Plan', model.cycle.planName ? `${model.planId}: ${model.cycle.planName}` : model.planId],
    ['Jurisdiction', model.jurisdiction],
    ['Code', model.cycle.edition && `${model.cycle.edition}, in force on ${model.cycle.asOf}`],
    ['Review status', model.status],
    ['Applicant', `${model.applicantName ?? 'not given'} (account ${model.applicant})`],
    ['Site address', model.siteAddress ?? 'not given'],
    ['Cycle', `${model.cycle.number} (plan version ${model.cycle.planVersion}, submitted ${model.cycle.submittedAt})`],
    ['Occupant load', model.cycle.occupantLoad],
  ];
  return `<table>${rows
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `<tr><th>${k}</th><td>${esc(String(v))}</td></tr>`)
    .join('')}</table>`;
}

function decision(model: ReportModel): string {
  const d = model.decision!;
  return `<h2>Decision</h2><p>${esc(d.decision.replaceAll('_', ' '))} by ${esc(d.by)} on ${esc(d.at)}${d.summary ? `: ${esc(d.summary)}` : ''}</p>`;
}

function table(violations: readonly Violation[]): string {
  const head =
    '<tr><th>Rule</th><th>Section</th><th>Elements</th><th>Required</th><th>Actual</th><th>Message</th></tr>';
  return `<table>${head}${violations
    .map(
      (v) =>
        `<tr><td>${esc(v.rule)}</td><td>${esc(v.section)}</td><td>${esc(v.elements.join(', '))}</td>` +
        `<td>${esc(`${v.required} ${v.unit}`)}</td><td>${esc(`${v.actual} ${v.unit}`)}</td><td>${esc(v.message)}</td></tr>`,
    )
    .join('')}</table>`;
}

function diff(model: ReportModel): string {
  const d = model.diff!;
  const list = (items: readonly Violation[]) =>
    items.length
      ? `<ul>${items.map((v) => `<li>${esc(v.rule)} on ${esc(v.elements.join(', '))}</li>`).join('')}</ul>`
      : '<p>None.</p>';
  return (
    `<h2>Changes since cycle ${d.fromCycle}</h2><h3>Resolved (${d.resolved.length})</h3>${list(d.resolved)}` +
    `<h3>New (${d.new.length})</h3>${list(d.new)}<h3>Still open (${d.persisting.length})</h3>${list(d.persisting)}`
  );
}

function history(model: ReportModel): string {
  return `<h2>Review cycles</h2><table><tr><th>Cycle</th><th>Plan version</th><th>Violations</th><th>Warnings</th><th>Outcome</th></tr>${model.history
    .map(
      (h) =>
        `<tr><td>${h.cycle}</td><td>${h.planVersion}</td><td>${h.errors}</td><td>${h.warnings}</td><td>${esc(h.outcome)}</td></tr>`,
    )
    .join('')}</table>`;
}

function esc(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}
