// How a verdict reads for people, in one place: the PR comment, notifications, remediation records
// and the CLI. Pure string work (workflows import it): no parser or library here.
import type { QualityCheck, QualityVerdict } from './quality-types';

/** A check's actual value, required value and baseline as shown (`72.5%`, `>= 80%`). */
export function checkFigures(check: QualityCheck): { actual: string; required: string; baseline: string } {
  const percent = (value: number) => `${value}%`;
  if (check.name.startsWith('coverage.'))
    return {
      actual: check.actual === null ? '-' : percent(check.actual),
      required: `>= ${percent(check.required)}`,
      baseline: '',
    };
  if (check.name === 'tests.failed')
    return {
      actual: check.actual === null ? '-' : String(check.actual),
      required: `<= ${check.required}`,
      baseline: '',
    };
  return {
    actual: check.actual === null ? '-' : `${check.actual > 0 ? '+' : ''}${percent(check.actual)}`,
    required: `<= +${percent(check.required)}`,
    baseline: check.baseline === undefined ? '' : String(check.baseline),
  };
}

/** One line per failed check (`coverage.lines: 72.5% (required >= 80%): 58 of 80 lines covered`). */
export function failedCheckLines(verdict: QualityVerdict): string[] {
  return verdict.checks
    .filter((check) => !check.passed)
    .map((check) => {
      const figures = checkFigures(check);
      const baseline = figures.baseline ? `, baseline ${figures.baseline}` : '';
      return `${check.name}: ${figures.actual} (required ${figures.required}${baseline})${check.detail ? `: ${check.detail}` : ''}`;
    });
}

/** What a remediation record and an owner's notification say: the failed conditions with their numbers. */
export function remediationText(verdict: QualityVerdict, options: { link?: string } = {}): string {
  const lines =
    verdict.verdict === 'pass'
      ? ['Quality gate passed.']
      : [
          `Quality gate failed: ${failedCheckLines(verdict).length} condition(s) not met.`,
          ...failedCheckLines(verdict).map((line) => `- ${line}`),
        ];
  if (verdict.flaky?.length) lines.push(`Flaky (failed, then passed on a rerun): ${verdict.flaky.join(', ')}`);
  if (options.link) lines.push(`Details: ${options.link}`);
  return lines.join('\n');
}

/** The pull request comment: the verdict, a table of every check, what failed and why, flaky tests apart. */
export function qualityVerdictMarkdown(verdict: QualityVerdict, options: { link?: string } = {}): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = [verdict.verdict === 'pass' ? '### ✅ Quality gate passed' : '### ❌ Quality gate failed', ''];
  if (verdict.checks.length === 0) lines.push('No threshold is configured: nothing was checked.');
  else {
    lines.push('| Check | Result | Actual | Required | Baseline | Detail |', '| --- | --- | --- | --- | --- | --- |');
    for (const check of verdict.checks) {
      const figures = checkFigures(check);
      lines.push(
        `| \`${cell(check.name)}\` | ${check.passed ? '✅ pass' : '❌ fail'} | ${figures.actual} | ${cell(figures.required)} | ${figures.baseline} | ${cell(check.detail ?? '')} |`,
      );
    }
  }
  const failed = failedCheckLines(verdict);
  if (failed.length) lines.push('', '**What to fix**', '', ...failed.map((line) => `- ${line}`));
  if (verdict.flaky?.length)
    lines.push(
      '',
      '**Flaky tests** (failed, then passed on a rerun of the same commit; not counted as failures)',
      '',
      ...verdict.flaky.map((id) => `- ${id}`),
    );
  if (options.link) lines.push('', `[Run details](${options.link})`);
  return lines.join('\n');
}
