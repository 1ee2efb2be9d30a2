import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { MAX_YAML_DEPTH, yamlDepthRefusal } from '../../domain/yaml-depth';
import { parseThresholdsYaml } from '../../domain/quality/thresholds';
import { parseEscalationYaml } from '../../domain/alerts/escalation-policy-schemas';
import { parsePipelineYaml } from '../../domain/pipelines/pipeline-schema';
import { loadConfigFile } from '../../platform/config-file';
import { InputError } from '../../domain/validation';

// Found by the bad-input chaos scenario: a 10,000-deep YAML file took the parser 19-50 s (or overflowed
// its stack), and an alias bomb in a pipeline file threw yaml's ReferenceError instead of a refusal.
const DEEP = 10_000;
const deepFiles = {
  'flow sequences': `${'['.repeat(DEEP)}${']'.repeat(DEEP)}`,
  'flow mappings': `${'{"a":'.repeat(DEEP)}1${'}'.repeat(DEEP)}`,
  'block sequences on one line': `${'- '.repeat(DEEP)}x\n`,
  'block indentation': Array.from({ length: 400 }, (_, i) => `${' '.repeat(i)}a${i}:`).join('\n') + ' 1\n',
};
const aliasBomb = `a: &a ["x","x","x","x","x","x","x","x","x"]\n${Array.from(
  { length: 9 },
  (_, i) =>
    `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9)
      .fill(`*${String.fromCharCode(97 + i)}`)
      .join(',')}]`,
).join('\n')}\n`;

describe('YAML nesting depth, before the parser', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), 'yaml-depth-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(Object.entries(deepFiles))('refuses %s nested past the limit, at once', (_name, text) => {
    const started = performance.now();
    expect(yamlDepthRefusal(text)).toMatch(/^nested too deep \(more than 64 levels/);
    expect(() => parseThresholdsYaml(text, 'quality.yml')).toThrow(/quality\.yml: not valid YAML: nested too deep/);
    expect(() => parseEscalationYaml(text)).toThrow(InputError);
    expect(() => parsePipelineYaml(text, '.arxflow/pipeline.yml')).toThrow(
      /pipeline\.yml: not valid YAML: nested too deep/,
    );
    const file = path.join(dir, 'arxflow.config.yaml');
    writeFileSync(file, text);
    expect(() => loadConfigFile(file)).toThrow(`${file}: not valid YAML: nested too deep`);
    // A mechanism, not a speed: without the check one parse alone took 19 s (a loaded machine gets 5 s).
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('lets every real file through: the shipped config, the pipeline example, nesting at the limit', () => {
    for (const file of [
      'arxflow.config.yaml',
      'test/fixtures/pipelines/full.yml',
      'examples/deploy/arxflow.config.yaml',
    ])
      expect(yamlDepthRefusal(readFileSync(path.join(__dirname, '..', '..', file), 'utf8'))).toBeUndefined();
    const atLimit = `${'['.repeat(MAX_YAML_DEPTH)}1${']'.repeat(MAX_YAML_DEPTH)}`;
    expect(yamlDepthRefusal(atLimit)).toBeUndefined();
    expect(yamlDepthRefusal(`[${atLimit}]`)).toMatch(/nested too deep/);
    // Brackets inside quotes and comments are text, not nesting.
    const quoted = `a: "${'['.repeat(200)}"\nb: '${'{'.repeat(200)}'\n# ${'['.repeat(200)}\n`;
    expect(yamlDepthRefusal(quoted)).toBeUndefined();
    expect(parse(quoted)).toEqual({ a: '['.repeat(200), b: '{'.repeat(200) });
  });

  it('refuses an alias bomb as bad YAML naming the file, not with yaml’s ReferenceError', () => {
    expect(() => parsePipelineYaml(aliasBomb, '.arxflow/pipeline.yml')).toThrow(InputError);
    expect(() => parsePipelineYaml(aliasBomb, '.arxflow/pipeline.yml')).toThrow(
      /pipeline\.yml: not valid YAML: Excessive alias count/,
    );
    expect(() => parseThresholdsYaml(aliasBomb, 'quality.yml')).toThrow(InputError);
  });
});
