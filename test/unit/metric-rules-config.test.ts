import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfigFile } from '../../platform/config-file';
import { metricEvaluatorId } from '../../client/api/metric-intake';
import { configFileSchema } from '../../domain/config-file';

const SHIPPED = path.resolve(__dirname, '..', '..', 'arxflow.config.yaml');

describe('metricRules section of the config file', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'arxflow-metric-rules-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const fileWith = (text: string) => {
    const file = path.join(dir, `${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, text);
    return file;
  };

  it('has no rules when left out, empty, or as shipped (the example is commented out)', () => {
    expect(configFileSchema.parse({}).metricRules).toEqual([]);
    expect(loadConfigFile(fileWith('metricRules:\n')).metricRules).toEqual([]);
    expect(loadConfigFile(SHIPPED).metricRules).toEqual([]);
  });

  it('parses the shipped example once uncommented', () => {
    const text = readFileSync(SHIPPED, 'utf8').replace(/^# (metricRules:| {2}.*)$/gm, '$1');
    expect(loadConfigFile(fileWith(text)).metricRules).toEqual([
      {
        name: 'disk-full',
        metric: 'disk.used_percent',
        op: '>',
        threshold: 90,
        forMs: 5 * 60_000,
        severity: 'critical',
        summary: 'Disk on {{tags.host}} at {{value}}{{unit}}',
        labels: { team: 'infra' },
        match: [{ name: 'env', op: '=', value: 'prod' }],
      },
    ]);
  });

  it('stops loading with the file and the field named', () => {
    const file = fileWith('metricRules:\n  rules:\n    - name: cpu\n      expr: cpu.load >> 3\n');
    expect(() => loadConfigFile(file)).toThrow(/metricRules\.rules\.0\.expr: must be "<metric> <op> <number>"/);
  });

  it('gives each configuration its own evaluator: any change to the rules or policies starts a fresh one', () => {
    const base = loadConfigFile(fileWith('metricRules:\n  rules:\n    - { name: cpu, expr: cpu.load > 3 }\n'));
    const id = metricEvaluatorId({ rules: base.metricRules, escalation: base.escalation });
    expect(id).toMatch(/^metric-evaluator\/[0-9a-f]{16}$/);
    expect(metricEvaluatorId({ rules: base.metricRules, escalation: base.escalation })).toBe(id);
    expect(
      metricEvaluatorId({ rules: [{ ...base.metricRules[0]!, threshold: 4 }], escalation: base.escalation }),
    ).not.toBe(id);
    expect(
      metricEvaluatorId({ rules: base.metricRules, escalation: { ...base.escalation, defaultPolicy: 'other' } }),
    ).not.toBe(id);
  });
});
