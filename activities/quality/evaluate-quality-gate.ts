import { ApplicationFailure, Context } from '@temporalio/activity';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { benchBaseline, parseBenchResults } from '../../domain/quality/bench-results';
import { mergeCoverage, percentOf } from '../../domain/quality/coverage-files';
import { parseCoverageReport } from '../../domain/quality/coverage-report';
import { evaluateQuality } from '../../domain/quality/evaluate-quality';
import { mergeTestReports, parseJUnitReport } from '../../domain/quality/junit-report';
import { patchCoverage } from '../../domain/quality/patch-coverage';
import type { BenchResults, QualityThresholds, QualityVerdict } from '../../domain/quality/quality-types';
import type { CoverageReport, PatchCoverage, TestReport } from '../../domain/quality/report-types';
import { parseThresholdsYaml } from '../../domain/quality/thresholds';
import { remediationText } from '../../domain/quality/verdict-markdown';
import { InputError } from '../../domain/validation';
import { QualityResults, type QualityMetrics, type Remediation, type RemediationState } from '../../db/quality-results';
import { diffBetween, GitError } from '../../platform/git';
import { INPUT_FILE_MAX_BYTES } from '../../platform/input-file';
import { parseActivityInput } from '../activity-input';
import { heartbeating } from '../heartbeat';
import { createNotificationActivities } from '../notifications/deliver';
import type { QualityActivityDeps } from './index';
import { ownerTarget } from './owner-targets';
import type { QualityGateInput, QualityGateResult, StoredFile } from './quality-gate-input';
import { qualityGateInputSchema } from './quality-gate-schema';

/** Green runs the benchmark baseline is the median of, unless the thresholds say otherwise. */
const DEFAULT_BASELINE_RUNS = 5;

/**
 * The gate of one run: parse the reports the run kept (H1's parsers), measure patch coverage on
 * `git diff base..sha`, take the benchmark baseline of the service's base branch and the earlier
 * attempts of the sha (flaky tests), judge, record it all at once, then tell the owners when the
 * branch's remediation record opened or closed. Keyed by run id: a retry returns what was recorded.
 */
export async function evaluateQualityGate(
  deps: QualityActivityDeps,
  raw: QualityGateInput,
): Promise<QualityGateResult> {
  const input = parseActivityInput(qualityGateInputSchema, raw, 'quality gate input') as QualityGateInput;
  const results = new QualityResults(deps.store.db);
  const service = input.service ?? input.repoKey;

  const earlier = await results.get(input.runId);
  let outcome: Judged;
  if (earlier) {
    const remediation = earlier.remediation ? await results.remediation(earlier.remediation.id) : undefined;
    outcome = { verdict: earlier, ...(remediation ? { remediation, state: earlier.remediation?.state } : {}) };
  } else {
    outcome = await judge(deps, results, input, service);
  }
  const { verdict, remediation, state } = outcome;
  // After the record, and again on a retry: deliveries are keyed, so an owner is told once.
  if (remediation && state) await tellOwners(deps, service, verdict, remediation, state);
  return {
    verdict: verdict.verdict,
    checks: verdict.checks,
    ...(verdict.flaky?.length ? { flaky: verdict.flaky } : {}),
    ...(outcome.state && remediation ? { remediation: { id: remediation.id, state: outcome.state } } : {}),
  };
}

async function judge(
  deps: QualityActivityDeps,
  results: QualityResults,
  input: QualityGateInput,
  service: string,
): Promise<Judged> {
  // One beat per file: a gate over many large reports stays inside the workflow's heartbeat timeout.
  const read = (file: StoredFile) => {
    Context.current().heartbeat(file.path);
    return readStoredFile(deps.dataDir, file);
  };
  const thresholds: QualityThresholds = input.thresholdsFile
    ? parsed(parseThresholdsYaml, input.thresholdsFile, await read(input.thresholdsFile))
    : (input.thresholds ?? {});

  const coverageReports: CoverageReport[] = [];
  for (const file of input.reports.coverage) coverageReports.push(parsed(parseCoverageReport, file, await read(file)));
  const testReports: TestReport[] = [];
  for (const file of input.reports.junit) testReports.push(parsed(parseJUnitReport, file, await read(file)));
  const benchRuns: BenchResults[] = [];
  for (const file of input.reports.bench) benchRuns.push(parsed(parseBenchResults, file, await read(file)));

  const coverage = coverageReports.length ? mergeCoverage(coverageReports) : undefined;
  const tests = testReports.length ? mergeTestReports(testReports) : undefined;
  // Several bench files: one set of results (a name measured twice keeps the later file's value).
  const bench = benchRuns.length ? (Object.assign({}, ...benchRuns) as BenchResults) : undefined;

  const patch = coverage && input.base?.sha ? await measurePatch(deps, input, input.base.sha, coverage) : undefined;
  const baselineRuns = bench
    ? await results.baseline({
        service,
        branch: input.base?.branch ?? input.branch,
        names: Object.keys(bench),
        runs: thresholds.benchmarks?.baselineRuns ?? DEFAULT_BASELINE_RUNS,
        excludeSha: input.sha,
      })
    : [];
  const baseline = baselineRuns.length ? benchBaseline(baselineRuns) : undefined;
  const earlierTests =
    tests && input.attempt > 1 ? await results.earlierTestReports(service, input.sha, input.attempt) : [];

  const verdict = evaluateQuality({
    thresholds,
    ...(coverage ? { coverage } : {}),
    ...(tests ? { tests } : {}),
    ...(bench ? { bench } : {}),
    ...(baseline ? { baseline } : {}),
    ...(patch ? { patch } : {}),
    ...(earlierTests.length ? { earlierTests } : {}),
  });

  const failedBefore = new Set(
    earlierTests.flatMap((r) => r.cases.filter((c) => c.status === 'failed' || c.status === 'error').map((c) => c.id)),
  );
  const { stored, remediation } = await results.record({
    runId: input.runId,
    service,
    branch: input.branch,
    sha: input.sha,
    attempt: input.attempt,
    verdict,
    metrics: metricsOf(coverage, patch, tests, bench),
    ...(bench ? { bench } : {}),
    // Bounded: this attempt's failures, and what became of the sha's earlier failures.
    testResults: (tests?.cases ?? [])
      .filter((c) => c.status === 'failed' || c.status === 'error' || failedBefore.has(c.id))
      .map((c) => ({ id: c.id, status: c.status })),
    flaky: verdict.flaky ?? [],
    owners: input.owners,
    ...(input.link ? { link: input.link } : {}),
  });
  return {
    verdict: stored,
    ...(remediation && stored.remediation ? { remediation, state: stored.remediation.state } : {}),
  };
}

interface Judged {
  verdict: QualityVerdict;
  remediation?: Remediation;
  state?: RemediationState;
}

/**
 * A report the run kept, by its ref. Refs come from finishPipelineJob (or an API caller): only
 * files under <dataDir>/pipelines are read. A file that is gone will not come back, and one over
 * the size limit of every named file will not shrink: InvalidReport, the latter before it is read
 * (a step can write gigabytes; past V8's longest string, 512 MiB, the read failed on every attempt).
 */
async function readStoredFile(dataDir: string, file: StoredFile): Promise<string> {
  const root = path.resolve(dataDir, 'pipelines');
  const ref = path.resolve(file.ref);
  if (!path.isAbsolute(file.ref) || !ref.startsWith(root + path.sep))
    throw ApplicationFailure.nonRetryable(
      `${file.path}: its stored copy ${file.ref} is not under ${root}`,
      'InvalidInput',
    );
  try {
    // Not readInputFile: that reads synchronously, and a worker's other activities would wait out a large report.
    const { size } = await stat(ref);
    if (size > INPUT_FILE_MAX_BYTES)
      throw ApplicationFailure.nonRetryable(
        `${file.path}: ${size} bytes, over the limit of ${INPUT_FILE_MAX_BYTES}`,
        'InvalidReport',
        { file: file.path },
      );
    return await readFile(ref, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw ApplicationFailure.nonRetryable(`${file.path}: the stored report is gone (${file.ref})`, 'InvalidReport', {
        file: file.path,
      });
    throw err;
  }
}

/** H1's parsers throw InputError naming the file and the problem: final, the gate fails with it. */
function parsed<T>(parse: (text: string, fileName: string) => T, file: StoredFile, text: string): T {
  try {
    return parse(text, file.path);
  } catch (err) {
    if (err instanceof InputError)
      throw ApplicationFailure.nonRetryable(err.message, 'InvalidReport', { file: file.path });
    throw err;
  }
}

/**
 * Patch coverage of `git diff base..sha` (through the pipeline's mirror under the data dir). A
 * base git cannot diff against (gone after a force-push, never fetched) is "not measured" with
 * git's words, which fails the check when one is configured: never a silent pass.
 */
async function measurePatch(
  deps: QualityActivityDeps,
  input: QualityGateInput,
  baseSha: string,
  coverage: CoverageReport,
): Promise<PatchCoverage> {
  const range = `${baseSha.slice(0, 7)}..${input.sha.slice(0, 7)}`;
  try {
    const diff = await heartbeating(() => diffBetween(input.repo, baseSha, input.sha, { dataDir: deps.dataDir }));
    return patchCoverage(diff, coverage, `git diff ${range}`);
  } catch (err) {
    if (!(err instanceof GitError || err instanceof InputError)) throw err;
    return { covered: 0, total: 0, percent: null, uncovered: [], unmeasured: `git diff ${range}: ${err.message}` };
  }
}

/** The numbers the trend shows, flat by check name. */
function metricsOf(
  coverage: CoverageReport | undefined,
  patch: PatchCoverage | undefined,
  tests: TestReport | undefined,
  bench: BenchResults | undefined,
): QualityMetrics {
  const metrics: QualityMetrics = {};
  if (coverage) {
    metrics['coverage.lines'] = percentOf(coverage.lines);
    metrics['coverage.branches'] = percentOf(coverage.branches);
  }
  if (patch && !patch.unmeasured) metrics['coverage.patch'] = patch.percent;
  if (tests) {
    metrics['tests.failed'] = tests.failed + tests.errors;
    metrics['tests.total'] = tests.tests;
  }
  for (const [name, result] of Object.entries(bench ?? {})) metrics[`bench.${name}`] = result.value;
  return metrics;
}

/**
 * Owners hear when the branch's remediation opens and when it closes (a run that fails again
 * while it is open updates the record and the PR comment, not everyone's inbox). One delivery
 * key per remediation, state and owner.
 */
async function tellOwners(
  deps: QualityActivityDeps,
  service: string,
  verdict: QualityVerdict,
  remediation: Remediation,
  state: RemediationState,
): Promise<void> {
  if (state === 'still-open') return;
  const notify = deps.notify ?? createNotificationActivities({ store: deps.store }).deliverNotification;
  const where = `${service} ${remediation.branch}`;
  const message =
    state === 'opened'
      ? {
          title: `Quality gate failed: ${where}`,
          text: remediationText(verdict, remediation.link ? { link: remediation.link } : {}),
          severity: 'warning',
          fields: [
            ['Commit', remediation.sha.slice(0, 12)],
            ['Remediation', remediation.id],
          ] as [string, string][],
          ...(remediation.link ? { link: remediation.link } : {}),
        }
      : {
          title: `Quality gate passing again: ${where}`,
          text: `Remediation ${remediation.id} closed by ${remediation.closedByRun ?? 'a passing run'} after ${remediation.failingRuns} failing run(s).`,
          ...(remediation.link ? { link: remediation.link } : {}),
        };
  for (const owner of remediation.owners) {
    const target = ownerTarget(owner);
    if (!target) {
      Context.current().log.warn('remediation owner not understood; not notified', {
        owner,
        remediation: remediation.id,
      });
      continue;
    }
    await notify({ key: `quality/${remediation.id}/${state}/${owner}`, target, message });
  }
}
