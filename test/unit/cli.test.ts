import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../scripts/ports';
import { createAuthenticator } from '../../platform/tokens';
import { parseSettings } from '../../domain/settings';
import { CommanderError } from 'commander';
import { WorkflowFailedError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure, RetryState } from '@temporalio/common';
import { z } from 'zod';
import { ApiError } from '../../client/api/errors';
import { TemporalOperations } from '../../client/api/temporal-operations';
import { translate } from '../../client/api/temporal-errors';
import { InputError } from '../../domain/validation';
import { CliError, exitCodeOf } from '../../cli/output';
import { runArxflow } from '../support/cli-process';

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

describe('exit codes: 2 for input that fails validation, 1 for a refusal by the rules (cli/output.ts exitCodeOf)', () => {
  const caught = async (work: () => Promise<unknown>) =>
    work().then(
      () => undefined,
      (err: unknown) => err,
    );

  it('maps each kind of error once, for every command', () => {
    expect(exitCodeOf(new InputError('evidence: name: required', []))).toBe(2);
    expect(exitCodeOf(z.object({ name: z.string() }).safeParse({}).error)).toBe(2);
    expect(exitCodeOf(new CommanderError(1, 'commander.missingArgument', 'missing'))).toBe(2);
    expect(exitCodeOf(new CommanderError(0, 'commander.helpDisplayed', '(help)'))).toBe(0);
    expect(exitCodeOf(new CliError('--body: not valid JSON', 2))).toBe(2);
    expect(exitCodeOf(new CliError('deposit ended FAILED'))).toBe(1);
    expect(exitCodeOf(new ApiError('bad', 400, 'bad_input'))).toBe(2);
    for (const status of [403, 404, 409, 422, 503] as const)
      expect(exitCodeOf(new ApiError('no', status, 'x'))).toBe(1);
    expect(exitCodeOf(new Error('socket hang up'))).toBe(1);
  });

  it('on the Temporal path: a refused body is 2 before anything is sent, a refused update 1, an InvalidInput run 2', async () => {
    // No server behind the client: validation comes first, so reaching Temporal would throw something else.
    const operations = new TemporalOperations({} as Client, 'arxflow');
    const badStart = await caught(() =>
      operations.start('fundingGate', { projectId: 'P' }, { subject: 'gc-alex', roles: ['operator'] }),
    );
    expect(badStart).toBeInstanceOf(ApiError);
    expect(exitCodeOf(badStart)).toBe(2);

    const refusedUpdate = await caught(() =>
      translate(async () => {
        throw new WorkflowUpdateFailedError('update failed', ApplicationFailure.create({ message: 'four eyes' }));
      }),
    );
    expect(refusedUpdate).toMatchObject({ status: 422 });
    expect(exitCodeOf(refusedUpdate)).toBe(1);

    const invalidRun = new WorkflowFailedError(
      'workflow failed',
      ApplicationFailure.nonRetryable('fundingGate input: lines: required', 'InvalidInput'),
      RetryState.NON_RETRYABLE_FAILURE,
    );
    expect(exitCodeOf(invalidRun)).toBe(2);
    const refusedRun = new WorkflowFailedError(
      'workflow failed',
      ApplicationFailure.nonRetryable('not enough funds', 'InsufficientFunds'),
      RetryState.NON_RETRYABLE_FAILURE,
    );
    expect(exitCodeOf(refusedRun)).toBe(1);
  });

  it('an evidence body missing fields exits 2 naming them, before the gateway is reached', () => {
    // An unreachable gateway: reaching it would exit 1, not 2.
    const result = arxflow(['funding', 'evidence', 'P', 'M', '--body', '{"kind":"document"}'], {
      ARXFLOW_URL: 'http://127.0.0.1:1',
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('evidence: name:');
  });

  describe('through the gateway (its HTTP errors, as client/api/http-operations.ts maps them)', () => {
    let server: Server;
    let url: string;
    const answers: Record<string, [number, Record<string, unknown>]> = {
      '/v1/workflows/funding-gate%2FP%2FM/updates/decide': [422, { error: 'rejected', message: 'four eyes' }],
      '/v1/workflows/funding-gate%2FP%2FM/updates/hold': [403, { error: 'forbidden', message: 'hold needs role' }],
      '/v1/workflows/funding-gate%2FP%2FM/updates/resume': [409, { error: 'conflict', message: 'not on hold' }],
      '/v1/workflows/x/updates/wakeUp': [
        400,
        { error: 'bad_input', message: 'wakeUp update: reason: required', issues: [{ path: 'reason' }] },
      ],
    };

    beforeAll(async () => {
      server = createServer((req, res) => {
        const [status, body] = answers[req.url ?? ''] ?? [404, { error: 'not_found', message: `no ${req.url}` }];
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    });
    afterAll(() => server.close());

    const viaGateway = (args: string[]) => runArxflow(args, { ARXFLOW_URL: url, ARXFLOW_TOKEN: 'stand-in' });

    it('400 bad_input exits 2; 422, 409 and 403 refusals exit 1 with the reason', async () => {
      const bad = await viaGateway(['workflows', 'update', 'x', 'wakeUp', '--body', '{}']);
      expect([bad.status, bad.stderr]).toEqual([2, 'arxflow: wakeUp update: reason: required\n']);
      for (const [verb, reason] of [
        ['approve', 'four eyes'],
        ['hold', 'hold needs role'],
        ['resume', 'not on hold'],
      ] as const) {
        const args = ['funding', verb, 'P', 'M', ...(verb === 'approve' ? [] : ['--reason', 'r'])];
        const refused = await viaGateway(args);
        expect([refused.status, refused.stderr]).toEqual([1, `arxflow: ${reason}\n`]);
      }
    });
  });
});
