import type { Violation } from './violation';

/*
 * Violations as CSV (RFC 4180): a field with a comma, quote, CR or LF is quoted and its
 * quotes doubled; lines end in CRLF. A field starting with = + - @ is prefixed with a quote
 * mark so a spreadsheet shows the text instead of running it as a formula (messages come
 * from applicants' element names, which arxflow does not control).
 */

const VIOLATION_CSV_COLUMNS = [
  'rule',
  'section',
  'elements',
  'required',
  'actual',
  'unit',
  'severity',
  'message',
] as const;

export function violationsCsv(violations: readonly Violation[]): string {
  const rows = violations.map((v) => [
    v.rule,
    v.section,
    v.elements.join(' '),
    v.required,
    v.actual,
    v.unit,
    v.severity,
    v.message,
  ]);
  return [[...VIOLATION_CSV_COLUMNS], ...rows].map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

export function csvField(value: string | number): string {
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
