import { InputError } from '../validation';
import type { CoverageFile, CoverageReport } from './report-types';
import { reportOfFiles } from './coverage-files';

/**
 * lcov tracefile (`SF`, `DA`, `BRDA`, `LF/LH`, `BRF/BRH`, `end_of_record`) with per-line hits kept
 * for patch coverage. Totals come from the DA/BRDA lines when present (LF/LH otherwise). A record
 * left open at the end (a file cut off while written) or a malformed line names the file and line.
 */
export function parseLcov(text: string, fileName: string): CoverageReport {
  if (text.trim() === '') throw new InputError(`${fileName}: empty file`);
  const files: CoverageFile[] = [];
  let open: { file: LcovRecord; line: number } | undefined;
  const lines = text.split('\n');
  const fail = (index: number, problem: string): never => {
    throw new InputError(`${fileName}: line ${index + 1}: ${problem}`);
  };
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.trim();
    if (line === '') continue;
    if (line === 'end_of_record') {
      if (!open) fail(index, 'end_of_record outside a record');
      files.push(closed(open!.file));
      open = undefined;
      continue;
    }
    // DA lines are most of a tracefile: read them without splitting; anything odd takes the general path below.
    if (open && line.startsWith('DA:')) {
      const comma = line.indexOf(',', 3);
      const checksum = comma < 0 ? -1 : line.indexOf(',', comma + 1);
      const at = comma < 0 ? -1 : wholeNumber(line, 3, comma);
      const hits = at < 0 ? -1 : wholeNumber(line, comma + 1, checksum < 0 ? line.length : checksum);
      if (hits >= 0) {
        const lineHits = open.file.lineHits;
        lineHits[at] = (lineHits[at] ?? 0) + hits;
        continue;
      }
    }
    const colon = line.indexOf(':');
    if (colon < 0) fail(index, `not an lcov line: ${JSON.stringify(line.slice(0, 80))}`);
    const tag = line.slice(0, colon);
    const value = line.slice(colon + 1);
    if (tag === 'SF') {
      if (open) fail(index, `record for ${open.file.path} (line ${open.line + 1}) has no end_of_record`);
      if (value === '') fail(index, 'SF without a path');
      open = { file: newRecord(value), line: index };
      continue;
    }
    if (tag === 'TN' || tag === 'VER') continue;
    if (!open) {
      if (/^[A-Z]+$/.test(tag)) fail(index, `${tag} outside a record (no SF before it)`);
      fail(index, `not an lcov line: ${JSON.stringify(line.slice(0, 80))}`);
    }
    const record = open!.file;
    const fields = value.split(',');
    const int = (field: string | undefined, what: string): number => {
      if (field === undefined || field === '') fail(index, `${tag}: ${what} missing (a line cut short?)`);
      const number = /^\d+$/.test(field!) ? Number(field) : NaN;
      if (!Number.isFinite(number)) fail(index, `${tag}: ${what} is not a whole number: ${JSON.stringify(field)}`);
      return number;
    };
    switch (tag) {
      case 'DA': {
        const at = int(fields[0], 'line number');
        record.lineHits[at] = (record.lineHits[at] ?? 0) + int(fields[1], 'hit count');
        break;
      }
      case 'BRDA': {
        if (fields.length < 4) fail(index, 'BRDA needs line,block,branch,taken');
        const taken = fields[3] === '-' ? 0 : int(fields[3], 'taken count');
        const id = `${int(fields[0], 'line number')}.${fields[1]}.${fields[2]}`;
        record.branchHits[id] = (record.branchHits[id] ?? 0) + taken;
        break;
      }
      case 'LF':
        record.lf = int(fields[0], 'count');
        break;
      case 'LH':
        record.lh = int(fields[0], 'count');
        break;
      case 'BRF':
        record.brf = int(fields[0], 'count');
        break;
      case 'BRH':
        record.brh = int(fields[0], 'count');
        break;
      default:
        // FN, FNDA, FNF, FNH and other tags: functions are not a gate metric.
        if (!/^[A-Z]+$/.test(tag)) fail(index, `not an lcov line: ${JSON.stringify(line.slice(0, 80))}`);
    }
  }
  if (open)
    throw new InputError(
      `${fileName}: line ${open.line + 1}: record for ${open.file.path} has no end_of_record (the file ends at line ${lines[lines.length - 1] === '' ? lines.length - 1 : lines.length})`,
    );
  if (files.length === 0) throw new InputError(`${fileName}: no SF record: not an lcov file`);
  return reportOfFiles(files, 'lcov', fileName);
}

/** The whole number written in text[start, end), or -1 when it is not one. */
function wholeNumber(text: string, start: number, end: number): number {
  if (end <= start) return -1;
  let number = 0;
  for (let i = start; i < end; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    number = number * 10 + digit;
  }
  return number;
}

interface LcovRecord {
  path: string;
  lineHits: Record<number, number>;
  branchHits: Record<string, number>;
  lf?: number;
  lh?: number;
  brf?: number;
  brh?: number;
}

const newRecord = (path: string): LcovRecord => ({ path, lineHits: {}, branchHits: {} });

function closed(record: LcovRecord): CoverageFile {
  const hits = Object.values(record.lineHits);
  const branches = Object.values(record.branchHits);
  return {
    path: record.path,
    lines: hits.length
      ? { covered: hits.filter((h) => h > 0).length, total: hits.length }
      : { covered: record.lh ?? 0, total: record.lf ?? 0 },
    branches: branches.length
      ? { covered: branches.filter((h) => h > 0).length, total: branches.length }
      : { covered: record.brh ?? 0, total: record.brf ?? 0 },
    lineHits: record.lineHits,
    branchHits: record.branchHits,
  };
}
