import { InputError } from '../validation';
import type { CoverageFile, CoverageReport } from './report-types';
import { reportOfFiles } from './coverage-files';
import { childrenOf, numberAttribute, parseXmlReport } from './xml-input';

/**
 * Cobertura XML (`coverage > packages > package > classes > class > lines > line`): per-line hits,
 * branches from `condition-coverage="50% (1/2)"`. A report without class lines falls back to the
 * root's lines-valid/lines-covered (branches-valid/-covered) counts.
 */
export function parseCobertura(text: string, fileName: string): CoverageReport {
  const document = parseXmlReport(text, fileName, ['package', 'class', 'line', 'source']);
  const root = document.coverage as Record<string, unknown> | undefined;
  if (!root || typeof root !== 'object')
    throw new InputError(`${fileName}: not a Cobertura report: no <coverage> root element`);
  const classes = childrenOf(root.packages, 'package').flatMap((pkg) => childrenOf(pkg.classes, 'class'));
  const byPath = new Map<string, Pick<CoverageFile, 'path' | 'lineHits' | 'branchHits'>>();
  for (const [index, cls] of classes.entries()) {
    const where = `class ${index + 1}`;
    if (typeof cls.filename !== 'string' || cls.filename === '')
      throw new InputError(`${fileName}: ${where}: no filename attribute`);
    const file: Pick<CoverageFile, 'path' | 'lineHits' | 'branchHits'> = byPath.get(cls.filename) ?? {
      path: cls.filename,
      lineHits: {},
      branchHits: {},
    };
    const lineHits: Record<number, number> = file.lineHits!;
    const branchHits: Record<string, number> = file.branchHits!;
    // Only the class's own <lines>: <methods> repeat some of the same lines.
    for (const line of childrenOf(cls.lines, 'line')) {
      const number = numberAttribute(line.number, fileName, `${cls.filename}: line number`);
      const hits = numberAttribute(line.hits, fileName, `${cls.filename}: line ${number}: hits`);
      lineHits[number] = Math.max(lineHits[number] ?? 0, hits);
      const conditions = /\((\d+)\/(\d+)\)/.exec(String(line['condition-coverage'] ?? ''));
      if (line.branch === 'true' && conditions) {
        const [covered, total] = [Number(conditions[1]), Number(conditions[2])];
        for (let i = 0; i < total; i++) branchHits[`${number}.${i}`] = i < covered ? 1 : 0;
      }
    }
    byPath.set(cls.filename, file);
  }
  const files = [...byPath.values()].map((file): CoverageFile => {
    const lines = Object.values(file.lineHits!);
    const branches = Object.values(file.branchHits!);
    return {
      ...file,
      lines: { covered: lines.filter((h) => h > 0).length, total: lines.length },
      branches: { covered: branches.filter((h) => h > 0).length, total: branches.length },
    };
  });
  if (files.some((file) => file.lines.total > 0)) return reportOfFiles(files, 'cobertura', fileName);
  // No per-line data: the root's counts, as a single file-less total.
  if (root['lines-valid'] === undefined)
    throw new InputError(`${fileName}: Cobertura report with no <line> elements and no lines-valid attribute`);
  const count = (name: string) =>
    root[name] === undefined ? 0 : numberAttribute(root[name], fileName, `<coverage ${name}>`);
  return {
    formats: ['cobertura'],
    sources: [fileName],
    lines: { covered: count('lines-covered'), total: count('lines-valid') },
    branches: { covered: count('branches-covered'), total: count('branches-valid') },
    files: [],
  };
}
