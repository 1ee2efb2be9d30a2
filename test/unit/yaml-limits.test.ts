import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { MAX_YAML_CHARS, MAX_YAML_DEPTH, yamlTextRefusal } from '../../domain/yaml-limits';
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

describe('YAML size and nesting depth, before the parser', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), 'yaml-depth-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(Object.entries(deepFiles))('refuses %s nested past the limit, at once', (_name, text) => {
    const started = performance.now();
    expect(yamlTextRefusal(text)).toMatch(/^nested too deep \(more than 64 levels/);
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
      expect(yamlTextRefusal(readFileSync(path.join(__dirname, '..', '..', file), 'utf8'))).toBeUndefined();
    const atLimit = `${'['.repeat(MAX_YAML_DEPTH)}1${']'.repeat(MAX_YAML_DEPTH)}`;
    expect(yamlTextRefusal(atLimit)).toBeUndefined();
    expect(yamlTextRefusal(`[${atLimit}]`)).toMatch(/nested too deep/);
    // Brackets inside quotes and comments are text, not nesting.
    const quoted = `a: "${'['.repeat(200)}"\nb: '${'{'.repeat(200)}'\n# ${'['.repeat(200)}\n`;
    expect(yamlTextRefusal(quoted)).toBeUndefined();
    expect(parse(quoted)).toEqual({ a: '['.repeat(200), b: '{'.repeat(200) });
  });

  it('refuses a file over 1 MiB before parsing it, naming the file (a 5 MB schedule id once overflowed the stack in CI)', () => {
    const config = parse(readFileSync(path.join(__dirname, '..', '..', 'arxflow.config.yaml'), 'utf8')) as {
      schedules: { id: string }[];
    };
    config.schedules[0]!.id = 'x'.repeat(5 * 1024 * 1024);
    const huge = JSON.stringify(config);
    const tooLarge = `too large (${huge.length.toLocaleString('en-US')} characters; at most 1,048,576)`;
    expect(yamlTextRefusal(huge)).toBe(tooLarge);
    const file = path.join(dir, 'arxflow.config.yaml');
    writeFileSync(file, huge);
    expect(() => loadConfigFile(file)).toThrow(`${file}: not valid YAML: ${tooLarge}`);
    expect(() => parseThresholdsYaml(huge, 'quality.yml')).toThrow(`quality.yml: not valid YAML: ${tooLarge}`);
    expect(() => parseEscalationYaml(huge)).toThrow(InputError);
    expect(() => parsePipelineYaml(huge, '.arxflow/pipeline.yml')).toThrow(
      `.arxflow/pipeline.yml: not valid YAML: ${tooLarge}`,
    );
    // At the limit the text is parsed: the size is what was refused.
    const atLimit = `a: "${'x'.repeat(MAX_YAML_CHARS - 6)}"\n`;
    expect(atLimit.length).toBe(MAX_YAML_CHARS);
    expect(yamlTextRefusal(atLimit)).toBeUndefined();
    expect(yamlTextRefusal(`${atLimit} `)).toMatch(/^too large/);
  });

  it('refuses an alias bomb as bad YAML naming the file, not with yaml’s ReferenceError', () => {
    expect(() => parsePipelineYaml(aliasBomb, '.arxflow/pipeline.yml')).toThrow(InputError);
    expect(() => parsePipelineYaml(aliasBomb, '.arxflow/pipeline.yml')).toThrow(
      /pipeline\.yml: not valid YAML: Excessive alias count/,
    );
    expect(() => parseThresholdsYaml(aliasBomb, 'quality.yml')).toThrow(InputError);
  });
});
