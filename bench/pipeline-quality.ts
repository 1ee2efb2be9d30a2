// The quality gate's evaluation time for a large change: a 50,000-line lcov file and a 5,000-test
// JUnit file parsed, a 2,000-line diff's patch coverage computed and the verdict taken, beside a
// bare parse of the same files (fast-xml-parser alone; the lcov text split into lines alone), in
// the same process. bench/pipeline.ts prints the rows with the pipeline's own.
import { XMLParser } from 'fast-xml-parser';
import { parseCoverageReport } from '../domain/quality/coverage-report';
import { evaluateQuality } from '../domain/quality/evaluate-quality';
import { parseJUnitReport } from '../domain/quality/junit-report';
import { patchCoverage } from '../domain/quality/patch-coverage';
import { parseThresholdsYaml } from '../domain/quality/thresholds';

const ROUNDS = Number(process.env.BENCH_QUALITY_ROUNDS ?? 15);
const FILES = 1_000; // x 50 lines each: 50,000 lcov lines
const TESTS = 5_000;

export interface QualityBenchRow {
  path: string;
  /** Median over the rounds. */
  ms: number;
  vsBaseline: number;
}

/** Evaluation beside a bare parse of the same files; medians of ROUNDS rounds after a warm-up. */
export async function benchQualityParsing(): Promise<QualityBenchRow[]> {
  const { lcov, junit, diff } = generatedReports();
  const thresholds = parseThresholdsYaml(
    'coverage: { lines: 80, branches: 70, patch: 80 }\ntests: { maxFailed: 0 }\n',
    'quality.yml',
  );
  const bare = () => {
    new XMLParser({ ignoreAttributes: false }).parse(junit);
    return lcov.split('\n').length;
  };
  const full = () => {
    const coverage = parseCoverageReport(lcov, 'coverage/lcov.info');
    const tests = parseJUnitReport(junit, 'junit.xml');
    const patch = patchCoverage(diff, coverage, 'change.diff');
    return evaluateQuality({ coverage, tests, patch, thresholds });
  };
  const verdict = full();
  if (verdict.checks.length !== 4) throw new Error(`expected 4 checks, got ${JSON.stringify(verdict.checks)}`);
  const baseline = await medianMs(bare);
  const evaluation = await medianMs(full);
  return [
    { path: 'bare parse: fast-xml-parser + lcov split into lines (baseline)', ms: baseline, vsBaseline: 1 },
    { path: 'quality gate: parse + patch coverage + verdict', ms: evaluation, vsBaseline: evaluation / baseline },
  ];
}

async function medianMs(work: () => unknown): Promise<number> {
  for (let i = 0; i < 3; i++) work();
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const started = performance.now();
    work();
    times.push(performance.now() - started);
    await new Promise((resolve) => setImmediate(resolve)); // let the event loop (and GC) breathe between rounds
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** lcov of FILES files (39 executable lines, 4 branches each: 50 lines a record), JUnit of TESTS tests, a diff of 200 files. */
function generatedReports(): { lcov: string; junit: string; diff: string } {
  const lcov: string[] = [];
  const diff: string[] = [];
  for (let f = 0; f < FILES; f++) {
    const path = `src/module-${f}/file-${f}.ts`;
    lcov.push('TN:', `SF:/home/ci/app/${path}`);
    for (let line = 1; line <= 39; line++) lcov.push(`DA:${line * 2},${(line + f) % 7 === 0 ? 0 : line}`);
    for (let b = 0; b < 4; b++) lcov.push(`BRDA:${b * 10 + 2},${b},0,${(b + f) % 3 === 0 ? '-' : 1}`);
    lcov.push('LF:39', 'LH:34', 'BRF:4', 'BRH:3', 'end_of_record');
    if (f % 5 === 0) {
      diff.push(`diff --git a/${path} b/${path}`, `--- a/${path}`, `+++ b/${path}`, `@@ -20,0 +21,10 @@`);
      for (let line = 21; line <= 30; line++) diff.push(`+  const line${line} = ${line};`);
    }
  }
  const junit = ['<?xml version="1.0" encoding="utf-8"?>', `<testsuites tests="${TESTS}">`];
  for (let s = 0; s < TESTS / 50; s++) {
    junit.push(`  <testsuite name="suite ${s}" tests="50">`);
    for (let t = 0; t < 50; t++) {
      const name = `suite ${s} does thing ${t}`;
      junit.push(
        (s * 50 + t) % 100 === 0
          ? `    <testcase name="${name}" classname="test/s${s}.test.ts" time="0.01"><failure message="expected 1 to be 2">AssertionError: expected 1 to be 2\n    at test/s${s}.test.ts:${t}:5</failure></testcase>`
          : `    <testcase name="${name}" classname="test/s${s}.test.ts" time="0.002"/>`,
      );
    }
    junit.push('  </testsuite>');
  }
  junit.push('</testsuites>');
  return { lcov: lcov.join('\n') + '\n', junit: junit.join('\n'), diff: diff.join('\n') + '\n' };
}
