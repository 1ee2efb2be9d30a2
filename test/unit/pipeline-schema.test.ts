import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parsePipelineYaml } from '../../domain/pipelines/pipeline-schema';
import { inputErrorOf } from '../support/input-error';

const FILE = '.arxflow/pipeline.yml';
const refusalOf = (text: string): string => inputErrorOf(() => parsePipelineYaml(text, FILE)).message;

describe('parsePipelineYaml: a valid file', () => {
  it('reads the documented example with every default filled in', () => {
    const text = readFileSync(path.join(__dirname, '../fixtures/pipelines/full.yml'), 'utf8');
    const definition = parsePipelineYaml(text, FILE);
    expect(Object.keys(definition.jobs)).toEqual(['install', 'lint', 'test', 'bench']);
    expect(definition).toMatchObject({
      name: 'CI',
      maxParallel: 2,
      owners: ['slack:#builds', 'email:team@example.com'],
      concurrency: { group: 'ci-${{ github.ref }}', cancelInProgress: true },
      quality: { thresholds: { coverage: { lines: 80, branches: 70, patch: 90 }, tests: { maxFailed: 0 } } },
    });
    const { install, lint, test, bench } = definition.jobs;
    expect(install).toMatchObject({
      id: 'install',
      name: 'install',
      needs: [],
      env: { CI: 'true' },
      timeoutMs: 600_000,
      cache: { key: "deps-${{ hashFiles('package-lock.json') }}", restoreKeys: ['deps-'], paths: ['node_modules'] },
      steps: [{ name: 'Run npm ci', run: 'npm ci', env: {} }],
      artifacts: [],
      reports: { coverage: [], junit: [], bench: [] },
    });
    expect(install?.steps[0]?.timeoutMs).toBeUndefined();
    expect(lint).toMatchObject({ needs: ['install'], timeoutMs: 30 * 60_000 });
    expect(test).toMatchObject({
      env: { CI: 'true', NPM_TOKEN: '${{ secrets.NPM_TOKEN }}' },
      artifacts: ['junit.xml', 'coverage/**'],
      reports: { coverage: ['coverage/lcov.info'], junit: ['junit.xml'], bench: [] },
    });
    expect(test?.steps[0]).toMatchObject({ name: 'unit tests', timeoutMs: 300_000 });
    expect(bench?.if).toEqual({
      branches: ['main', 'release/**'],
      events: ['push', 'manual'],
      pathsIgnore: ['docs/**', '**/*.md'],
    });
  });

  it('takes the short forms: a string group, a quality file path, one need, one owner', () => {
    const definition = parsePipelineYaml(
      'concurrency: ci\nquality: .arxflow/quality.yml\nowners: slack:#ci\njobs:\n  a: {steps: [{run: x}]}\n  b: {needs: a, steps: [{run: y}]}\n',
      FILE,
    );
    expect(definition.concurrency).toEqual({ group: 'ci', cancelInProgress: false });
    expect(definition.quality).toEqual({ file: '.arxflow/quality.yml' });
    expect(definition.owners).toEqual(['slack:#ci']);
    expect(definition.jobs.b?.needs).toEqual(['a']);
    expect(definition.maxParallel).toBe(4);
    expect(parsePipelineYaml('quality: {file: q.yml}\njobs: {a: {steps: [{run: x}]}}', FILE).quality).toEqual({
      file: 'q.yml',
    });
  });

  it('lets a job env override the pipeline env, numbers and booleans as texts', () => {
    const definition = parsePipelineYaml('env: {A: 1, B: x}\njobs:\n  a: {env: {B: true}, steps: [{run: x}]}\n', FILE);
    expect(definition.jobs.a?.env).toEqual({ A: '1', B: 'true' });
  });
});

describe('parsePipelineYaml: refusals name the file, line, column and field', () => {
  it.each([
    [
      'an unknown need, with a likely meant job',
      'jobs:\n  build: {steps: [{run: x}]}\n  test:\n    needs: [biuld]\n    steps: [{run: y}]\n',
      `${FILE}:4:13: jobs.test.needs[0]: unknown job "biuld" (did you mean "build"?)`,
    ],
    [
      'a cycle, named',
      'jobs:\n  a: {needs: b, steps: [{run: x}]}\n  b: {needs: [c], steps: [{run: x}]}\n  c: {needs: a, steps: [{run: x}]}\n',
      `${FILE}:2:14: jobs.a.needs: needs form a cycle: a -> b -> c -> a`,
    ],
    [
      'a job needing itself',
      'jobs:\n  a: {needs: a, steps: [{run: x}]}\n',
      `${FILE}:2:14: jobs.a.needs: needs form a cycle: a -> a`,
    ],
    [
      'a typo of a key',
      'jobs:\n  test:\n    need: build\n    steps: [{run: x}]\n',
      `${FILE}:3:5: jobs.test.need: unknown field (did you mean "needs"?)`,
    ],
    [
      'a step without run',
      'jobs:\n  test:\n    steps:\n      - name: unit\n',
      `${FILE}:4:9: jobs.test.steps[0].run: required: the shell command the step runs`,
    ],
    [
      'a bad job id',
      'jobs:\n  1st: {steps: [{run: x}]}\n',
      `${FILE}:2:3: jobs.1st: must be a job id: a letter or _ first, then letters, digits, _ or -`,
    ],
    [
      'a bad duration',
      'jobs:\n  a:\n    timeout: 5 lightyears\n    steps: [{run: x}]\n',
      `${FILE}:3:14: jobs.a.timeout: must be a duration such as "90s", "15 minutes" or "30 days"`,
    ],
    [
      'a secret in run',
      'jobs:\n  a:\n    steps:\n      - run: curl -u ${{ secrets.TOKEN }} x\n',
      `${FILE}:4:14: jobs.a.steps[0].run: \${{ secrets.TOKEN }}: secrets may only be used in env values`,
    ],
    [
      'an unknown expression',
      'jobs:\n  a:\n    steps:\n      - run: echo ${{ github.nope }}\n',
      `${FILE}:4:14: jobs.a.steps[0].run: unknown expression \${{ github.nope }}`,
    ],
    [
      'hashFiles outside a cache key',
      'jobs:\n  a:\n    env: {H: "${{ hashFiles(\'x\') }}"}\n    steps: [{run: x}]\n',
      `${FILE}:3:14: jobs.a.env.H: \${{ hashFiles('x') }}: hashFiles() only works in cache.key`,
    ],
    [
      'an expression where none is expanded',
      'jobs:\n  a:\n    artifacts: out-${{ github.sha }}\n    steps: [{run: x}]\n',
      `${FILE}:3:16: jobs.a.artifacts: \${{ ... }} is only expanded in env values`,
    ],
    [
      'an unclosed expression',
      'jobs:\n  a:\n    steps: [{run: "echo ${{ github.sha"}]\n',
      `${FILE}:3:19: jobs.a.steps[0].run: "\${{" without its closing "}}"`,
    ],
    [
      'a string if',
      "jobs:\n  a:\n    if: github.ref == 'refs/heads/main'\n    steps: [{run: x}]\n",
      `${FILE}:3:9: jobs.a.if: must be a filter such as`,
    ],
    [
      'an unknown event',
      'jobs:\n  a:\n    if: {events: [push, release]}\n    steps: [{run: x}]\n',
      `${FILE}:3:25: jobs.a.if.events[1]: must be push, pull_request or manual`,
    ],
    [
      'a deploy section',
      'jobs: {a: {steps: [{run: x}]}}\ndeploy: {to: prod}\n',
      `${FILE}:2:1: deploy: unknown field: deployments arrive with issue #14`,
    ],
    [
      'runs-on',
      'jobs:\n  a:\n    runs-on: ubuntu-latest\n    steps: [{run: x}]\n',
      `${FILE}:3:5: jobs.a.runs-on: unknown field: jobs run on arxflow's workers`,
    ],
    [
      'uses in a step',
      'jobs:\n  a:\n    steps:\n      - uses: actions/checkout@v4\n',
      `${FILE}:4:9: jobs.a.steps[0].uses: unknown field: actions are not supported`,
    ],
    ['no steps', 'jobs:\n  a:\n    steps: []\n', `${FILE}:3:12: jobs.a.steps: must list at least one step`],
    ['no jobs', 'jobs: {}\n', `${FILE}:1:7: jobs: must have at least one job`],
    ['an empty file', '', `${FILE}:1:1: jobs: required`],
    ['a list for a file', '- a\n', `${FILE}:1:1: must be a mapping with jobs:`],
    [
      'timeout twice',
      'jobs:\n  a:\n    timeout: 1m\n    timeout-minutes: 2\n    steps: [{run: x}]\n',
      `${FILE}:4:5: jobs.a.timeout-minutes: give timeout or timeout-minutes, not both`,
    ],
    [
      'a cache without paths',
      'jobs:\n  a:\n    cache: {key: k}\n    steps: [{run: x}]\n',
      `${FILE}:3:12: jobs.a.cache.paths: required`,
    ],
    [
      'a coverage above 100',
      'quality: {coverage: {lines: 120}}\njobs: {a: {steps: [{run: x}]}}\n',
      `${FILE}:1:29: quality.coverage.lines: must be a percent from 0 to 100`,
    ],
    [
      'a thresholds file and inline thresholds',
      'quality: {file: q.yml, tests: {maxFailed: 0}}\njobs: {a: {steps: [{run: x}]}}\n',
      `${FILE}:1:17: quality.file: a thresholds file or tests inline, not both`,
    ],
    [
      'a bad env name',
      'env: {"A-B": x}\njobs: {a: {steps: [{run: x}]}}\n',
      `${FILE}:1:7: env.A-B: must be an environment variable name`,
    ],
    [
      'a number for quality',
      'quality: 5\njobs: {a: {steps: [{run: x}]}}\n',
      `${FILE}:1:10: quality: must be a mapping`,
    ],
    [
      'a number for a report path',
      'jobs: {a: {steps: [{run: x}], reports: {coverage: [1]}}}\n',
      `${FILE}:1:52: jobs.a.reports.coverage[0]: must be a text`,
    ],
    [
      'a fraction for max-parallel',
      'max-parallel: 2.5\njobs: {a: {steps: [{run: x}]}}\n',
      `${FILE}:1:15: max-parallel: must be a whole number`,
    ],
    [
      'a typo in inline thresholds',
      'quality: {coverage: {line: 80}}\njobs: {a: {steps: [{run: x}]}}\n',
      `${FILE}:1:22: quality.coverage.line: unknown field (did you mean "lines"?)`,
    ],
    [
      'a job named __proto__ (it would vanish)',
      'jobs:\n  __proto__: {steps: [{run: x}]}\n',
      `${FILE}:2:3: jobs.__proto__: not accepted as a name`,
    ],
    [
      'a step key named __proto__, once',
      'jobs: {a: {steps: [{run: x, __proto__: 1}]}}\n',
      `${FILE}:1:29: jobs.a.steps[0].__proto__: unknown field`,
    ],
    [
      'a cache path outside the workspace',
      'jobs: {a: {steps: [{run: x}], cache: {key: k, paths: [ok, ../up]}}}\n',
      `${FILE}:1:59: jobs.a.cache.paths[1]: must be a path inside the workspace (relative, no ..)`,
    ],
    [
      'an absolute artifact path',
      'jobs: {a: {steps: [{run: x}], artifacts: /etc/passwd}}\n',
      `${FILE}:1:42: jobs.a.artifacts[0]: must be a path inside the workspace`,
    ],
    [
      'a thresholds file outside the repository',
      'quality: ../q.yml\njobs: {a: {steps: [{run: x}]}}\n',
      `${FILE}:1:10: quality.file: must be a path inside the workspace`,
    ],
    [
      'a duplicate key (YAML)',
      'jobs:\n  a: {steps: [{run: x}]}\n  a: {steps: [{run: y}]}\n',
      `${FILE}:3:3: not valid YAML: Map keys must be unique`,
    ],
    [
      'broken YAML',
      'jobs: [\n',
      `${FILE}:2:1: not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]`,
    ],
  ])('%s', (_what, text, expected) => {
    expect(refusalOf(text)).toContain(expected);
  });

  it('refuses a file far larger than any pipeline before parsing it', () => {
    expect(refusalOf(`# ${'x'.repeat(1024 * 1024)}\njobs: {a: {steps: [{run: x}]}}`)).toBe(
      `${FILE}: not valid YAML: too large (1,048,609 characters; at most 1,048,576)`,
    );
  });

  it('refuses one field once', () => {
    expect(refusalOf('jobs: {a: {steps: [{run: x, __proto__: 1}]}}\n').split('\n')).toHaveLength(1);
  });

  it('names every refusal at once, in file order, each with its field in the error issues', () => {
    const text = 'jobs:\n  a:\n    need: b\n    steps:\n      - run: echo ${{ secrets.X }}\n  b:\n    steps: []\n';
    const error = inputErrorOf(() => parsePipelineYaml(text, 'p.yml'));
    expect(error.message.split('\n')).toEqual([
      'p.yml:3:5: jobs.a.need: unknown field (did you mean "needs"?)',
      expect.stringMatching(/^p\.yml:5:14: jobs\.a\.steps\[0\]\.run: \$\{\{ secrets\.X \}\}: secrets may only/),
      'p.yml:7:12: jobs.b.steps: must list at least one step',
    ]);
    expect(error.issues.map((issue) => issue.path)).toEqual(['jobs.a.need', 'jobs.a.steps[0].run', 'jobs.b.steps']);
  });

  it('accepts secrets in env values at every level and github fields in run, cache keys and the group', () => {
    const text = [
      'concurrency: {group: "${{ github.ref_name }}-${{ github.event_name }}"}',
      'env: {A: "${{ secrets.A }}"}',
      'jobs:',
      '  a:',
      '    env: {B: "x-${{ secrets.B }}-${{ github.sha }}"}',
      '    cache:',
      '      key: k-${{ github.ref_name }}-${{ hashFiles(\'a\', "b/**") }}',
      '      restore-keys: ["k-${{ github.ref_name }}-", "k-"]',
      '      paths: [x]',
      '    steps:',
      '      - run: echo ${{ github.sha }}',
      '        env: {C: "${{ secrets.C }}"}',
    ].join('\n');
    expect(() => parsePipelineYaml(text, FILE)).not.toThrow();
  });
});

describe('parsePipelineYaml: a run stays within a bounded history', () => {
  const jobs = (count: number, steps: number) =>
    'jobs:\n' +
    Array.from({ length: count }, (_, j) => `  j${j}:\n    steps:\n${'      - run: x\n'.repeat(steps)}`).join('');

  it('takes 10 jobs of 100 steps and refuses 11, and refuses 51 jobs', () => {
    expect(Object.keys(parsePipelineYaml(jobs(10, 100), FILE).jobs)).toHaveLength(10);
    expect(() => parsePipelineYaml(jobs(11, 100), FILE)).toThrow(/jobs: must have at most 1000 steps in all/);
    expect(() => parsePipelineYaml(jobs(51, 1), FILE)).toThrow(/jobs: must have at most 50 jobs/);
  });
});
