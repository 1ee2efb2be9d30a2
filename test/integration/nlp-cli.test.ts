import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { pagerdutyDedupKey } from '../../domain/alerts/dedup';
import { drawRequest, setUpFundingProject } from '../fixtures/funding-gate';
import { NLP_AUDIT_ACTION } from '../../domain/nlp/nlp-audit';
import { STDIN_LINE_MAX_CHARS } from '../../cli/stdin-lines';
import { runArxflowInProcess } from '../support/cli-in-process';
import { ARXFLOW_BIN, type ArxflowResult } from '../support/cli-process';
import { useDevServerWorld } from '../support/dev-server-world';
import { call, tokenFor } from '../support/gateway';

const ROUTING = 'NLP0ROUTING0KEY';

/** The CLI as a child process with `input` on its stdin (a pipe: never a terminal). */
function arxflowWithStdin(
  args: string[],
  input: string,
  env: Record<string, string>,
  [file, argv]: [string, string[]] = [process.execPath, [ARXFLOW_BIN, ...args]],
): Promise<ArxflowResult> {
  const child = spawn(file, argv, { env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  child.stdin.end(input);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** The CLI on a pseudo-terminal (util-linux `script`), `answer` typed at its prompt. */
function arxflowOnTerminal(args: string[], answer: string, env: Record<string, string>): Promise<ArxflowResult> {
  const line = [process.execPath, ARXFLOW_BIN, ...args].map((word) => `'${word.replace(/'/g, `'\\''`)}'`).join(' ');
  return arxflowWithStdin(['--'], answer, env, ['script', ['-qec', line, '/dev/null']]);
}

// `arxflow nlp translate|run` (issue #16): translation without a server, one JSON a line from
// stdin, lookup from the running gateway, confirmation refused without a terminal, and a run
// as the token's subject recorded in the audit chain (text, engine, command), against the
// real alertEscalation workflow on a dev server.
describe('arxflow nlp (CLI)', () => {
  const world = useDevServerWorld('nlp-cli');
  let dataDir: string;
  const alertId = pagerdutyDedupKey(ROUTING, 'nlp-checkout');

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'arxflow-nlp-cli-'));
    const raised = await call(`${world.url}/v1/events`, {
      body: {
        routing_key: ROUTING,
        event_action: 'trigger',
        dedup_key: 'nlp-checkout',
        payload: { summary: 'checkout is failing', source: 'host-1', component: 'checkout', severity: 'critical' },
      },
    });
    expect(raised.status).toBe(202);
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  /** No service found, no gateway: a data dir of its own, nothing listening at ARXFLOW_URL's port. */
  const offline = () => ({ ARXFLOW_DATA_DIR: dataDir, DATABASE_URL: '', ARXFLOW_URL: 'http://127.0.0.1:9' });
  const through = async (subject: string, ...roles: ('viewer' | 'operator' | 'approver' | 'admin')[]) => ({
    ARXFLOW_URL: world.url,
    ARXFLOW_TOKEN: await tokenFor(subject, ...roles),
  });
  const nlpEvents = async () =>
    (await world.store.audit.list({ afterId: 0, limit: 5000 })).filter((event) => event.action === NLP_AUDIT_ACTION);

  it('translate --json: the contract fields, without a server (no lookup) and bad flags exit 2', async () => {
    const done = await runArxflowInProcess(
      ['nlp', 'translate', 'despliega checkout v1.4.2 en producción', '--json'],
      offline(),
    );
    expect(done.status).toBe(0);
    const translation = JSON.parse(done.stdout);
    expect(translation).toEqual({
      intent: 'deploy.start',
      args: { service: 'checkout', version: '1.4.2', environment: 'production' },
      command: 'arxflow deploy start checkout 1.4.2 --env production',
      confidence: expect.any(Number),
      needsConfirmation: true,
      engine: 'local',
    });
    for (const args of [
      ['nlp', 'translate', 'x', '--engine', 'gpt'],
      ['nlp', 'translate'],
      ['nlp', 'translate', 'x', '--stdin'],
    ]) {
      const bad = await runArxflowInProcess(args, offline());
      expect({ args, status: bad.status }).toEqual({ args, status: 2 });
    }
  });

  it('translate --stdin --json: one JSON object per line, in order', async () => {
    const texts = ['approve milestone 3 of PROJ-7 for $12,500', 'delete everything', '', 'deploy status of billing'];
    const done = await arxflowWithStdin(['nlp', 'translate', '--stdin', '--json'], texts.join('\n') + '\n', offline());
    expect(done.status).toBe(0);
    const lines = done.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => [line.intent, line.command])).toEqual([
      ['funding.approve', 'arxflow funding approve PROJ-7 M3'],
      ['unknown', null],
      ['unknown', null],
      ['deploy.status', 'arxflow deploy status billing'],
    ]);
    expect(lines[0].args).toEqual({ projectId: 'PROJ-7', milestoneId: 'M3', amount: 1250000 });
  });

  it('translate --stdin refuses a line without end (/dev/zero) with exit 2 naming it, not holding it until memory runs out', async () => {
    const zero = openSync('/dev/zero', 'r');
    try {
      const child = spawn(process.execPath, [ARXFLOW_BIN, 'nlp', 'translate', '--stdin'], {
        env: { ...process.env, ...offline() },
        stdio: [zero, 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr!.on('data', (chunk) => (stderr += chunk));
      const status = await new Promise((resolve) => child.on('close', resolve));
      expect({ status, stderr: stderr.trim() }).toEqual({
        status: 2,
        stderr: `arxflow: stdin: line 1 is longer than ${STDIN_LINE_MAX_CHARS} characters`,
      });
    } finally {
      closeSync(zero);
    }
    // The lines before a long one are answered; the long one is refused naming its number.
    const long = await arxflowWithStdin(
      ['nlp', 'translate', '--stdin', '--json'],
      `deploy status of billing\r\n${'x'.repeat(STDIN_LINE_MAX_CHARS + 1)}\n`,
      offline(),
    );
    expect(long.status).toBe(2);
    expect(JSON.parse(long.stdout).command).toBe('arxflow deploy status billing');
    expect(long.stderr.trim()).toBe(`arxflow: stdin: line 2 is longer than ${STDIN_LINE_MAX_CHARS} characters`);
  });

  it('lookup: the open alert ids of the service named, from the running gateway', async () => {
    const viewer = await through('vera', 'viewer');
    const deadline = Date.now() + 20_000;
    let translation: { intent: string; args: unknown; lookup?: { openAlerts: string[] } };
    // Visibility is eventually consistent: until the alert is listed.
    do {
      const done = await runArxflowInProcess(['nlp', 'translate', 'pls ack the checkout alert', '--json'], viewer);
      expect(done.status).toBe(0);
      translation = JSON.parse(done.stdout);
      if (translation.lookup?.openAlerts.includes(alertId)) break;
      await new Promise((resolve) => setTimeout(resolve, 300));
    } while (Date.now() < deadline);
    expect(translation.intent).toBe('alerts.ack');
    expect(translation.args).toEqual({ service: 'checkout' });
    expect(translation.lookup).toEqual({ openAlerts: [alertId] });
  });

  it('run: refused without --yes when stdin is not a terminal (nothing runs, nothing audited); unknown exits 2', async () => {
    const operator = await through('olga', 'operator');
    const refused = await arxflowWithStdin(['nlp', 'run', 'ack the checkout alert'], '', {
      ...operator,
      ARXFLOW_DATA_DIR: dataDir,
    });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain(`> arxflow alerts ack ${alertId}`);
    expect(refused.stderr).toMatch(/--yes: .*needs confirmation/);
    const unknown = await runArxflowInProcess(['nlp', 'run', 'delete everything', '--yes'], operator);
    expect(unknown.status).toBe(2);
    expect(await nlpEvents()).toEqual([]);
    const status = await runArxflowInProcess(['alerts', 'show', alertId, '--json'], operator);
    expect(JSON.parse(status.stdout).status).toBe('triggered');
  });

  it("run --yes: the command runs as the token's subject, and the audit chain has the text, engine and command", async () => {
    const operator = await through('olga', 'operator');
    const text = "ackowledge the checkout alert, i'm on it";
    const done = await runArxflowInProcess(['nlp', 'run', text, '--yes', '--json'], operator);
    expect(done.status).toBe(0);
    const answer = JSON.parse(done.stdout);
    expect(answer.command).toBe(`arxflow alerts ack ${alertId}`);
    expect(answer.result).toMatchObject({ dedupKey: alertId, status: 'acknowledged', acknowledged: { by: 'olga' } });
    const events = await nlpEvents();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actor: 'olga',
      subject: `arxflow alerts ack ${alertId}`,
      data: {
        text,
        engine: 'local',
        intent: 'alerts.ack',
        args: { alertId },
        command: `arxflow alerts ack ${alertId}`,
      },
    });
  });

  it('run without confirmation (a read): runs as the token subject and is audited', async () => {
    const viewer = await through('vera', 'viewer');
    const done = await runArxflowInProcess(['nlp', 'run', 'show running workflows of PROJ-7', '--json'], viewer);
    expect(done.status).toBe(0);
    const answer = JSON.parse(done.stdout);
    expect(answer.command).toBe('arxflow workflows list --project PROJ-7 --status open');
    expect(Array.isArray(answer.result)).toBe(true);
    expect((await nlpEvents()).filter((event) => event.actor === 'vera').map((event) => event.subject)).toEqual([
      'arxflow workflows list --project PROJ-7 --status open',
    ]);
  });

  it('POST /v1/nlp/audit: 401 without a token, 400 naming the field, nothing written', async () => {
    const before = (await nlpEvents()).length;
    const body = {
      text: 'x',
      engine: 'local',
      intent: 'deploy.status',
      args: {},
      command: 'arxflow deploy status x',
      confidence: 1,
    };
    expect((await call(`${world.url}/v1/nlp/audit`, { body })).status).toBe(401);
    const token = await tokenFor('vera', 'viewer');
    const { command: _missing, ...noCommand } = body;
    const bad = await call(`${world.url}/v1/nlp/audit`, { body: noCommand, token });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('command');
    const actor = await call(`${world.url}/v1/nlp/audit`, { body: { ...body, actor: 'someone-else' }, token });
    expect(actor.status).toBe(400);
    expect((await nlpEvents()).length).toBe(before);
  });

  it('run --yes: a commit id prefix is made the full id of the document before it runs (and in the audit)', async () => {
    const token = await tokenFor('eddie', 'editor', 'viewer');
    const commits = `${world.url}/v1/sync/DOC-NLP-1/commits`;
    const first = await call(commits, { token, body: { content: { a: 1 }, message: 'first' } });
    expect(first.status).toBe(201);
    const firstId = first.json.commitId as string;
    const second = await call(commits, { token, body: { content: { a: 2 }, parent: firstId, message: 'second' } });
    expect(second.status).toBe(201);
    const env = { ARXFLOW_URL: world.url, ARXFLOW_TOKEN: token };
    const text = `revert DOC-NLP-1 to ${firstId.slice(0, 9)}`;
    const done = await runArxflowInProcess(['nlp', 'run', text, '--yes', '--json'], env);
    expect({ status: done.status, stderr: done.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
    const answer = JSON.parse(done.stdout);
    expect(answer.command).toBe(`arxflow sync revert DOC-NLP-1 ${firstId}`);
    const head = await call(`${world.url}/v1/sync/DOC-NLP-1/commits/${answer.result.commitId}`, { token });
    expect(head.json.content).toEqual({ a: 1 });
    const audited = (await nlpEvents()).filter((event) => event.actor === 'eddie');
    expect(audited.map((event) => [event.subject, event.data.text])).toEqual([
      [`arxflow sync revert DOC-NLP-1 ${firstId}`, text],
    ]);
    const none = await runArxflowInProcess(['nlp', 'run', 'revert DOC-NLP-1 to fffffff', '--yes'], env);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('commitId');
  });

  it('run on a terminal: asks y/N; n runs nothing, y runs it as the caller', async () => {
    const operator = await through('olga', 'operator');
    const before = (await nlpEvents()).length;
    const declined = await arxflowOnTerminal(['nlp', 'run', 'resolve the checkout alert'], 'n\n', operator);
    expect(declined.status).toBe(1);
    expect(declined.stdout).toContain('Run it? [y/N]');
    expect(declined.stdout).toContain('not confirmed: nothing ran');
    expect((await nlpEvents()).length).toBe(before);
    const shown = await runArxflowInProcess(['alerts', 'show', alertId, '--json'], operator);
    expect(JSON.parse(shown.stdout).status).not.toBe('resolved');

    const confirmed = await arxflowOnTerminal(['nlp', 'run', 'resolve the checkout alert'], 'y\n', operator);
    expect(confirmed.status).toBe(0);
    const after = await runArxflowInProcess(['alerts', 'show', alertId, '--json'], operator);
    expect(JSON.parse(after.stdout)).toMatchObject({ status: 'resolved', resolved: { by: 'olga' } });
    expect((await nlpEvents()).slice(before).map((event) => [event.actor, event.subject])).toEqual([
      ['olga', `arxflow alerts resolve ${alertId}`],
    ]);
  });

  it("run: a spoken amount that is not the draw's requested total approves nothing; four eyes still decide; the right amount approves", async () => {
    await setUpFundingProject(world.store, 'PROJ-7');
    const requester = await through('gc-alex', 'operator', 'approver');
    const file = path.join(dataDir, 'draw.json');
    writeFileSync(file, JSON.stringify(drawRequest({ projectId: 'PROJ-7', milestoneId: 'M3' })));
    expect((await runArxflowInProcess(['funding', 'start', file, '--json'], requester)).status).toBe(0);
    const status = async () =>
      JSON.parse((await runArxflowInProcess(['funding', 'status', 'PROJ-7', 'M3', '--json'], requester)).stdout);
    const { requestedTotal } = await status();
    expect(requestedTotal).toBeGreaterThan(100);

    const rita = await through('rita', 'approver');
    const wrong = await runArxflowInProcess(['nlp', 'run', 'approve milestone 3 of PROJ-7 for $1', '--yes'], rita);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain(`requests ${requestedTotal} minor units, not 100: nothing approved`);
    const self = await runArxflowInProcess(['nlp', 'run', 'approve the third milestone of proj-7', '--yes'], requester);
    expect(self.status).toBe(1);
    expect(self.stderr).toMatch(/four eyes/);
    expect((await status()).approvals.votes).toEqual([]);

    const dollars = (requestedTotal / 100).toLocaleString('en-US');
    const right = await runArxflowInProcess(
      ['nlp', 'run', `approve milestone 3 of PROJ-7 for $${dollars}`, '--yes', '--json'],
      rita,
    );
    expect(right.status).toBe(0);
    expect(JSON.parse(right.stdout).command).toBe('arxflow funding approve PROJ-7 M3');
    expect((await status()).approvals.votes).toEqual([expect.objectContaining({ actor: 'rita' })]);
  });
});
