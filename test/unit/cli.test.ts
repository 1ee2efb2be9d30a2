import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../scripts/ports';
import { createAuthenticator } from '../../platform/tokens';
import { parseSettings } from '../../domain/settings';

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'arxflow.js');

function arxflow(args: string[], env: Record<string, string> = {}) {
  return spawnSync('node', [BIN, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30_000 });
}

describe('arxflow CLI', () => {
  it('--help lists the command areas and exits 0', () => {
    const result = arxflow(['--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/Usage: arxflow/);
    for (const area of ['health', 'workflows', 'probe', 'schedules', 'audit', 'token', 'triggers'])
      expect(result.stdout).toContain(area);
  });

  it('exits 2 naming the field for a bad duration, without contacting Temporal', () => {
    const result = arxflow(['probe', 'start', '--sleep', 'next tuesday']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('probe start: sleep: must be a duration');
  });

  it('exits 2 for a missing required option and for an unknown command', () => {
    expect(arxflow(['probe', 'start']).status).toBe(2);
    expect(arxflow(['bogus']).status).toBe(2);
  });

  it('exits 2 when the environment is malformed', () => {
    const result = arxflow(['health'], { ARXFLOW_TEMPORAL_PORT: 'x' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('ARXFLOW_TEMPORAL_PORT');
  });

  it('token create mints a token the gateway accepts; a bad role exits 2', async () => {
    const env = { ARXFLOW_JWT_SECRET: 'cli-test-secret-cli-test-secret-123456' };
    const minted = arxflow(
      ['token', 'create', '--sub', 'ana', '--role', 'approver', '--role', 'viewer', '--json'],
      env,
    );
    expect(minted.status).toBe(0);
    const { token } = JSON.parse(minted.stdout);
    const principal = await createAuthenticator(parseSettings(env)).verify(token);
    expect(principal).toEqual({ subject: 'ana', roles: ['approver', 'viewer'] });
    const refused = arxflow(['token', 'create', '--sub', 'ana', '--role', 'Over Lord!'], env);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/roles\.0/);
  });

  it('exits 2 naming the option when --body is not JSON', () => {
    const result = arxflow(['workflows', 'update', 'x', 'wakeUp', '--body', '{reason:']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--body: not valid JSON');
  });

  it('exits 2 naming the field for a bad trigger file, before any store or gateway is reached', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'arxflow-cli-'));
    try {
      const file = path.join(dir, 'trigger.json');
      writeFileSync(
        file,
        JSON.stringify({
          id: 't',
          projectId: 'P',
          taskId: 'T',
          triggerType: 'task_completed',
          actions: [{ type: 'teleport' }],
        }),
      );
      // An unreachable gateway: reaching it would exit 1, not 2.
      const result = arxflow(['triggers', 'put', file], { ARXFLOW_URL: 'http://127.0.0.1:1' });
      expect(result.status).toBe(2);
      expect(result.stderr).toContain(
        `${file}: actions.0.type: type must be one of signal_gate, start_workflow, notify, webhook`,
      );
      expect(arxflow(['triggers', 'put', path.join(dir, 'missing.yaml')]).status).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 1 with a hint when Temporal is unreachable', async () => {
    const result = arxflow(['health'], { ARXFLOW_TEMPORAL_PORT: String(await freePort()), TEMPORAL_ADDRESS: '' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/cannot reach Temporal at 127\.0\.0\.1:\d+.*npm start/);
  });
});
