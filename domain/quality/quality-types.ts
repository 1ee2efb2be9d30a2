// The shapes the quality gate agrees on with its callers (pipelines, CLI, API, deployments next).

/** The thresholds file (YAML) and the pipeline's `quality:` section; every key optional (absent: not checked). */
export interface QualityThresholds {
  coverage?: { lines?: number; branches?: number; patch?: number };
  tests?: { maxFailed?: number };
  benchmarks?: {
    maxRegressionPercent?: number;
    /** green runs the baseline median is taken over (default 5) */ baselineRuns?: number;
  };
}

/** One condition of the verdict. Names: coverage.lines|branches|patch, tests.failed, bench.<name>. */
export interface QualityCheck {
  name: string;
  passed: boolean;
  actual: number | null;
  required: number;
  /** The baseline it was compared with (benchmarks), and in words what it means. */
  baseline?: number;
  detail?: string;
}

export interface QualityVerdict {
  verdict: 'pass' | 'fail';
  checks: QualityCheck[];
  /** Tests that failed and then passed on a rerun of the same sha: reported apart, not failures. */
  flaky?: string[];
}

/** `{name: {value, unit, better}}`: the benchmark JSON format (`--bench`, `--baseline`). */
export type BenchResults = Record<string, { value: number; unit?: string; better: 'lower' | 'higher' }>;
