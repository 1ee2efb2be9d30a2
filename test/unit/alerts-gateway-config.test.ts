import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfigFile } from '../../platform/config-file';
import { describeIntakeAuth, isLoopback } from '../../gateway/alerts/intake-auth';
import { selectPolicy } from '../../domain/alerts/escalation-policy';
import { configFileSchema } from '../../domain/config-file';

describe('escalation section of the config file', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'arxflow-escalation-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const fileWith = (text: string) => {
    const file = path.join(dir, `${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, text);
    return file;
  };

  it('ships a default policy: #ops on Slack, then oncall@example.com; the same applies without the section', () => {
    const shipped = loadConfigFile(path.resolve(__dirname, '..', '..', 'arxflow.config.yaml')).escalation;
    expect(shipped.defaultPolicy).toBe('default');
    expect(selectPolicy(shipped, { service: 'anything' }, 'critical').levels.map((level) => level.targets)).toEqual([
      [{ kind: 'slack_channel', to: '#ops' }],
      [{ kind: 'email', to: 'oncall@example.com' }],
    ]);
    expect(configFileSchema.parse({}).escalation).toEqual(shipped);
    expect(loadConfigFile(fileWith('schedules: []\n')).escalation).toEqual(shipped);
  });

  it('reads configured policies, first match wins', () => {
    const config = loadConfigFile(
      fileWith(
        [
          'escalation:',
          '  default: ops',
          '  policies:',
          '    - name: db',
          '      match: [\'service="db"\']',
          '      levels: [{ notify: [{ slack: "#db" }] }]',
          '    - name: ops',
          '      levels: [{ notify: [{ email: ops@example.com }] }]',
        ].join('\n'),
      ),
    ).escalation;
    expect(selectPolicy(config, { service: 'db' }, 'warning').name).toBe('db');
    expect(selectPolicy(config, { service: 'web' }, 'warning').name).toBe('ops');
  });

  it('stops start-up with the file and the field named when a policy is wrong', () => {
    const file = fileWith(
      'escalation:\n  default: nope\n  policies:\n    - name: a\n      levels: [{ notify: [{ slack: "ops" }] }]\n',
    );
    expect(() => loadConfigFile(file)).toThrow(/escalation\.default: no policy is named "nope"/);
    expect(() => loadConfigFile(file)).toThrow(/escalation\.policies\.0\.levels\.0\.notify\.0\.slack/);
    expect(() => loadConfigFile(file)).toThrow(new RegExp(file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  });
});

describe('alert intake authentication', () => {
  it('takes only loopback socket addresses as loopback', () => {
    for (const address of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1'])
      expect(isLoopback(address)).toBe(true);
    for (const address of [
      undefined,
      '',
      '10.0.0.1',
      '::ffff:10.0.0.1',
      '128.0.0.1',
      'fe80::1',
      '::2',
      '127.0.0.1.example',
    ]) {
      expect(isLoopback(address)).toBe(false);
    }
  });

  it('describes each source for the start-up log', () => {
    expect(describeIntakeAuth({ alertmanager: 'secret' })).toEqual([
      { source: 'alertmanager', auth: 'bearer token', variable: 'ARXFLOW_ALERTMANAGER_TOKEN' },
      { source: 'events', auth: 'loopback only', variable: 'ARXFLOW_EVENTS_TOKEN' },
      { source: 'metrics', auth: 'loopback only', variable: 'ARXFLOW_METRICS_TOKEN' },
    ]);
    // The token itself never appears in what is logged.
    expect(JSON.stringify(describeIntakeAuth({ alertmanager: 'secret' }))).not.toMatch(/secret/);
  });
});
