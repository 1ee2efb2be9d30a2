// What the report parsers produce: plain data (JSON-safe), so activities can store it and pass it on.

/** Covered out of total (lines, branches). */
export interface Counts {
  covered: number;
  total: number;
}

/** One source file of a coverage report. */
export interface CoverageFile {
  /** As the report names it: often absolute (lcov, istanbul), relative to a source root (Cobertura). */
  path: string;
  lines: Counts;
  branches: Counts;
  /** Executable line number -> hits. Absent when the format has no per-line data (coverage-summary.json). */
  lineHits?: Record<number, number>;
  /** Branch id (`line.block.branch`) -> times taken; lets reports of the same file be merged. */
  branchHits?: Record<string, number>;
}

export type CoverageFormat = 'istanbul-summary' | 'lcov' | 'cobertura';

export interface CoverageReport {
  /** The formats it was read from (several after mergeCoverage). */
  formats: CoverageFormat[];
  /** The files it was read from, for messages. */
  sources: string[];
  lines: Counts;
  branches: Counts;
  files: CoverageFile[];
}

export type TestStatus = 'passed' | 'failed' | 'error' | 'skipped';

export interface TestCase {
  /** `classname > name` (or name alone): what flaky detection matches across attempts. */
  id: string;
  name: string;
  classname?: string;
  status: TestStatus;
  durationMs?: number;
  /** First line of the failure or error message. */
  message?: string;
}

export interface TestReport {
  sources: string[];
  tests: number;
  passed: number;
  failed: number;
  errors: number;
  skipped: number;
  cases: TestCase[];
}

/** Coverage of the lines a change added or modified (Codecov's patch, SonarQube's new code). */
export interface PatchCoverage {
  covered: number;
  total: number;
  /** Null when no executable line changed (or it could not be measured: see `unmeasured`). */
  percent: number | null;
  /** Uncovered changed lines per file, for the PR comment. */
  uncovered: { file: string; lines: number[] }[];
  /** Why it could not be measured at all (a coverage report without per-line data); the check then fails. */
  unmeasured?: string;
}
