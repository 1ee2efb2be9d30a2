import type { Command } from 'commander';
import { parseBenchResults } from '../../domain/quality/bench-results';
import { mergeCoverage } from '../../domain/quality/coverage-files';
import { parseCoverageReport } from '../../domain/quality/coverage-report';
import { evaluateQuality } from '../../domain/quality/evaluate-quality';
import { mergeTestReports, parseJUnitReport } from '../../domain/quality/junit-report';
import { patchCoverage } from '../../domain/quality/patch-coverage';
import { parseThresholdsYaml } from '../../domain/quality/thresholds';
import { checkFigures } from '../../domain/quality/verdict-markdown';
import { CliError, EXIT, print, printTable, readFileArgument } from '../output';

interface EvaluateOptions {
  coverage: string[];
  junit: string[];
  bench?: string;
  baseline?: string;
  thresholds: string;
  diff?: string;
  json?: boolean;
}

/** `arxflow quality ...`: returns the `quality` command so the history commands (trend, flaky) join it. */
export function registerQualityCommands(program: Command): Command {
  const quality = program
    .command('quality')
    .description('quality gate: evaluate coverage, test and benchmark reports against thresholds');
  const repeatable = (value: string, earlier: string[]) => [...earlier, value];
  quality
    .command('evaluate')
    .description(
      'the quality gate without Temporal: exit 0 pass, 1 fail, 2 bad input (a missing, empty, malformed or ' +
        'truncated report names the file and the problem; it is never a pass)',
    )
    .option(
      '--coverage <file>',
      'coverage report: istanbul coverage-summary.json, lcov or Cobertura XML (repeat to merge)',
      repeatable,
      [],
    )
    .option('--junit <file>', 'JUnit XML test results (repeat to merge)', repeatable, [])
    .option('--bench <file>', 'benchmark JSON: {name: {value, unit, better: "lower"|"higher"}}')
    .requiredOption('--thresholds <file>', 'thresholds YAML: coverage.{lines,branches,patch}, tests.maxFailed, ...')
    .option('--baseline <file>', 'benchmark JSON of the baseline, same shape as --bench')
    .option(
      '--diff <file>',
      'unified diff of the change (git diff -U0 <base> <head>): adds the coverage.patch check, which needs ' +
        'lcov or Cobertura line hits (without it, coverage.patch is reported as not measured)',
    )
    .option('--json', 'print JSON: {verdict, checks: [{name, passed, actual, required}]}')
    .action((options: EvaluateOptions) => {
      const verdict = evaluateFiles(options);
      if (options.json) print({ ...verdict }, true);
      else {
        const rows = verdict.checks.map((check) => {
          const figures = checkFigures(check);
          return { check: check.name, result: check.passed ? 'pass' : 'FAIL', ...figures, detail: check.detail };
        });
        printTable(rows, ['check', 'result', 'actual', 'required', 'baseline', 'detail'], false);
        if (verdict.flaky?.length) console.log(`flaky: ${verdict.flaky.join(', ')}`);
        console.log(`verdict: ${verdict.verdict}`);
      }
      const failed = verdict.checks.filter((check) => !check.passed).map((check) => check.name);
      if (verdict.verdict === 'fail') throw new CliError(`quality gate failed: ${failed.join(', ')}`, EXIT.failed);
    });
  return quality;
}

/** Reads and parses every file first (any bad one: exit 2, nothing evaluated), then evaluates. */
function evaluateFiles(options: EvaluateOptions) {
  const thresholds = parseThresholdsYaml(readFileArgument(options.thresholds), options.thresholds);
  const coverage = options.coverage.length
    ? mergeCoverage(options.coverage.map((file) => parseCoverageReport(readFileArgument(file), file)))
    : undefined;
  const tests = options.junit.length
    ? mergeTestReports(options.junit.map((file) => parseJUnitReport(readFileArgument(file), file)))
    : undefined;
  const bench =
    options.bench === undefined ? undefined : parseBenchResults(readFileArgument(options.bench), options.bench);
  const baseline =
    options.baseline === undefined
      ? undefined
      : parseBenchResults(readFileArgument(options.baseline), options.baseline);
  if (options.diff !== undefined && !coverage)
    throw new CliError('--diff: patch coverage needs a --coverage report (lcov or Cobertura)', EXIT.badInput);
  const patch =
    options.diff === undefined || !coverage
      ? undefined
      : patchCoverage(readFileArgument(options.diff), coverage, options.diff);
  return evaluateQuality({ coverage, tests, bench, baseline, patch, thresholds });
}
