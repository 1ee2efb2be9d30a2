import { inputErrorOf } from '../support/input-error';
import { parseThresholdsYaml } from '../../domain/quality/thresholds';

const refusal = (text: string): string => inputErrorOf(() => parseThresholdsYaml(text, '.arxflow/quality.yml')).message;

describe('thresholds YAML', () => {
  it('reads every key of the contract, each optional', () => {
    const text = `coverage:
  lines: 80
  branches: 70.5
  patch: 90
tests: { maxFailed: 0 }
benchmarks:
  maxRegressionPercent: 10
  baselineRuns: 7
`;
    expect(parseThresholdsYaml(text, 'q.yml')).toEqual({
      coverage: { lines: 80, branches: 70.5, patch: 90 },
      tests: { maxFailed: 0 },
      benchmarks: { maxRegressionPercent: 10, baselineRuns: 7 },
    });
    expect(parseThresholdsYaml('coverage: { lines: 50 }\n', 'q.yml')).toEqual({ coverage: { lines: 50 } });
    expect(parseThresholdsYaml('', 'q.yml')).toEqual({});
  });

  it('names the file, the field and its line for a value out of range', () => {
    expect(refusal('coverage:\n  lines: 80\n  branches: 120\n')).toBe(
      '.arxflow/quality.yml: coverage.branches: must be a percent from 0 to 100 (line 3)',
    );
    expect(refusal('tests:\n  maxFailed: -1\n')).toBe(
      '.arxflow/quality.yml: tests.maxFailed: must be 0 or more (line 2)',
    );
    expect(refusal('tests:\n  maxFailed: 1.5\n')).toBe(
      '.arxflow/quality.yml: tests.maxFailed: must be a whole number (line 2)',
    );
    expect(refusal('benchmarks:\n\n  maxRegressionPercent: "ten"\n')).toMatch(
      /^\.arxflow\/quality\.yml: benchmarks\.maxRegressionPercent: .*number.* \(line 3\)$/,
    );
  });

  it('refuses a misspelt key rather than silently checking nothing', () => {
    expect(refusal('coverage:\n  line: 80\n')).toBe('.arxflow/quality.yml: coverage.line: unknown field (line 2)');
    expect(refusal('tests: {}\ncoverge: { lines: 80 }\n')).toBe(
      '.arxflow/quality.yml: coverge: unknown field (line 2)',
    );
  });

  it('refuses YAML that does not parse, naming the file', () => {
    expect(refusal('coverage: [lines: 80\n')).toMatch(/^\.arxflow\/quality\.yml: not valid YAML: /);
    expect(refusal('- 80\n')).toMatch(/^\.arxflow\/quality\.yml: \(root\): /);
  });
});
