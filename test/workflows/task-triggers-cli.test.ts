import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { TaskTriggers } from '../../db/task-triggers';
import { REDACTED_SECRET } from '../../client/api/trigger-operations';
import { runArxflowInProcess } from '../support/cli-in-process';
import { seedMigratedPglite } from '../support/pglite-template';
import { startGateway, tokenFor } from '../support/gateway';
import { createTestWorker, uniqueTaskQueue, useTimeSkippingWorld } from '../support/temporal-env';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';

const SECRET = 'partner-secret-0123456789';

const triggerYaml = (id: string, projectId: string, hookUrl: string) => `
id: ${id}
projectId: ${projectId}
taskId: T-1
triggerType: task_completed
actions:
  - type: webhook
    url: ${hookUrl}
    secret: ${SECRET}
  - type: notify
    channel: log
    recipients: [ops]
    subject: "Task {{taskId}} done"
    body: ""
`;

// `arxflow triggers ...` as a user runs it: through the gateway with a token, and directly
// on a PGlite store in a data dir. The CLI runs in this process (its binary as a child process
// is tested in cli-dev-server and pipeline-cli); the gateway and the worker run here on the
// time-skipping server.
describe('arxflow triggers', () => {
  const world = useTimeSkippingWorld();
  const taskQueue = uniqueTaskQueue('triggers-cli');
  let gateway: FastifyInstance;
  let url: string;
  let receiver: WebhookReceiver;
  let dir: string;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    ({ app: gateway, url } = await startGateway(world.env, world.store, taskQueue));
    dir = mkdtempSync(path.join(tmpdir(), 'arxflow-triggers-'));
    seedMigratedPglite(path.join(dir, 'data')); // direct mode's store, migrated: the CLI is the subject, not initdb
  });
  afterAll(async () => {
    await gateway?.close();
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const arxflow = (args: string[], extraEnv: Record<string, string> = {}) =>
    // DATABASE_URL emptied: direct mode uses a PGlite store of its own in dir, never rows of earlier runs.
    runArxflowInProcess(args, {
      TEMPORAL_ADDRESS: world.env.address,
      ARXFLOW_TASK_QUEUE: taskQueue,
      ARXFLOW_DATA_DIR: path.join(dir, 'data'),
      DATABASE_URL: '',
      ...extraEnv,
    });
  const as = async (role: 'operator' | 'viewer') => ({
    ARXFLOW_URL: url,
    ARXFLOW_TOKEN: await tokenFor(`${role}-cli`, role),
  });
  const file = (name: string, text: string) => {
    const written = path.join(dir, name);
    writeFileSync(written, text);
    return written;
  };

  it('manages triggers and replays a dead letter through the gateway', async () => {
    const operator = await as('operator');
    const put = await arxflow(
      ['triggers', 'put', file('partner.yaml', triggerYaml('partner', 'CLI', `${receiver.url}/cli`)), '--json'],
      operator,
    );
    expect(put.stderr).toBe('');
    expect(JSON.parse(put.stdout)).toMatchObject({
      id: 'partner',
      actions: [{ secret: REDACTED_SECRET }, { type: 'notify' }],
    });

    const listed = await arxflow(['triggers', 'list', '--project', 'CLI', '--task', 'T-1', '--json'], operator);
    expect(JSON.parse(listed.stdout).triggers.map((t: { id: string }) => t.id)).toEqual(['partner']);
    const table = await arxflow(['triggers', 'list', '--project', 'CLI'], operator);
    expect(table.stdout).toMatch(/partner\s+CLI\s+T-1\s+task_completed\s+0\s+webhook, notify/);
    const shown = await arxflow(['triggers', 'show', 'partner'], operator);
    expect(shown.status).toBe(0);
    expect(shown.stdout).not.toContain(SECRET);

    // A delivery that failed every attempt, as taskEvent records it.
    const key = 'task-event/CLI/e1/partner/0';
    await new TaskTriggers(world.store.db).recordDeadLetter({
      key,
      triggerId: 'partner',
      attempts: 5,
      error: `POST ${receiver.url}/cli answered 503`,
      action: {
        step: 'partner/0',
        triggerId: 'partner',
        actionIndex: 0,
        type: 'webhook',
        url: `${receiver.url}/cli`,
        body: { task: 'T-1' },
      },
    });
    const letters = await arxflow(['triggers', 'dead-letters', '--trigger', 'partner', '--json'], operator);
    expect(JSON.parse(letters.stdout).deadLetters).toEqual([expect.objectContaining({ key, replayedAt: null })]);

    const worker = await createTestWorker(world.env, taskQueue, { store: world.store });
    const replayed = await worker.runUntil(arxflow(['triggers', 'replay', key, '--wait', '--json'], operator));
    expect(replayed.stderr).toBe('');
    expect(JSON.parse(replayed.stdout)).toMatchObject({
      deadLetterKey: key,
      outcome: 'delivered',
      replayWorkflowId: `trigger-replay/${key}/1`,
    });
    expect(receiver.to('/cli').map((request) => [request.answered, request.delivery])).toEqual([[200, key]]);
    const again = await arxflow(['triggers', 'replay', key], operator);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('already replayed');

    const deleted = await arxflow(['triggers', 'delete', 'partner'], operator);
    expect(deleted.status).toBe(0);
    const gone = await arxflow(['triggers', 'show', 'partner'], operator);
    expect(gone.status).toBe(1);
    expect(gone.stderr).toContain('no task trigger partner');
  });

  it('exits 2 naming the field for a bad file and writes nothing; a viewer is refused with exit 1', async () => {
    const bad = await arxflow(
      ['triggers', 'put', file('bad.yaml', triggerYaml('bad', 'CLI', 'ftp://partner.example')), '--json'],
      await as('operator'),
    );
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('actions.0.url: must be an http(s) URL');
    const notYaml = await arxflow(['triggers', 'put', file('broken.yaml', 'id: [unclosed')], await as('operator'));
    expect(notYaml.status).toBe(2);
    expect(notYaml.stderr).toContain('not valid JSON or YAML');

    const viewer = await arxflow(
      ['triggers', 'put', file('viewer.yaml', triggerYaml('by-viewer', 'CLI', `${receiver.url}/v`))],
      await as('viewer'),
    );
    expect(viewer.status).toBe(1);
    expect(viewer.stderr).toMatch(/role operator required/);
    expect(await world.store.db.query("SELECT id FROM task_triggers WHERE id IN ('bad', 'by-viewer')")).toEqual([]);
  });

  it('works on the store directly without ARXFLOW_URL', async () => {
    const json = file(
      'direct.json',
      JSON.stringify({
        id: 'direct',
        projectId: 'LOCAL',
        taskId: 'T-9',
        triggerType: 'date_reached',
        actions: [{ type: 'notify', channel: 'email', recipients: ['pm@example.com'], subject: 'Due', body: '' }],
      }),
    );
    expect((await arxflow(['triggers', 'put', json])).status).toBe(0);
    const listed = await arxflow(['triggers', 'list', '--json']);
    expect(JSON.parse(listed.stdout).triggers).toEqual([
      expect.objectContaining({ id: 'direct', triggerType: 'date_reached' }),
    ]);
    expect(JSON.parse((await arxflow(['triggers', 'dead-letters', '--json'])).stdout)).toEqual({ deadLetters: [] });
    expect((await arxflow(['triggers', 'delete', 'direct'])).status).toBe(0);
    const again = await arxflow(['triggers', 'delete', 'direct']);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('no task trigger direct');
  });
});
