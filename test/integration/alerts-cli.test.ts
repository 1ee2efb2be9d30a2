import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pagerdutyDedupKey } from '../../domain/alerts/dedup';
import { runArxflowInProcess } from '../support/cli-in-process';
import { useDevServerWorld } from '../support/dev-server-world';
import { call, tokenFor } from '../support/gateway';

const ROUTING = 'R0UTING0KEY';

// `arxflow alerts ...` through the gateway (token identity) and on Temporal directly,
// against the real alertEscalation workflow on a dev server.
describe('arxflow alerts (CLI)', () => {
  const world = useDevServerWorld('alerts-cli');
  let dataDir: string;
  const keys = { disk: pagerdutyDedupKey(ROUTING, 'cli-disk'), api: pagerdutyDedupKey(ROUTING, 'cli-api') };

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'arxflow-alerts-cli-'));
    for (const [key, severity] of [
      ['cli-disk', 'warning'],
      ['cli-api', 'critical'],
    ] as const) {
      const raised = await call(`${world.url}/v1/events`, {
        body: {
          routing_key: ROUTING,
          event_action: 'trigger',
          dedup_key: key,
          payload: { summary: `${key} is failing`, source: 'host-1', severity },
        },
      });
      expect(raised.status).toBe(202);
    }
  });
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  const arxflow = (args: string[], extraEnv: Record<string, string> = {}) =>
    // DATABASE_URL emptied: direct mode uses a PGlite store of its own in dataDir, never rows of earlier runs.
    runArxflowInProcess(args, {
      TEMPORAL_ADDRESS: world.env.address,
      ARXFLOW_TASK_QUEUE: world.taskQueue,
      ARXFLOW_DATA_DIR: dataDir,
      DATABASE_URL: '',
      ...extraEnv,
    });
  const as = async (subject: string, ...roles: ('viewer' | 'operator' | 'admin')[]) => ({
    ARXFLOW_URL: world.url,
    ARXFLOW_TOKEN: await tokenFor(subject, ...roles),
  });

  /** Visibility is eventually consistent: list until `check` holds. */
  async function listUntil(
    args: string[],
    extraEnv: Record<string, string>,
    check: (rows: Record<string, unknown>[]) => boolean,
  ) {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const listed = await arxflow(['alerts', 'list', '--json', ...args], extraEnv);
      expect(listed.status).toBe(0);
      const rows = JSON.parse(listed.stdout) as Record<string, unknown>[];
      if (check(rows) || Date.now() > deadline) return rows;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }

  it('lists alerts with dedup key, status, severity and level (--json), through the gateway and directly', async () => {
    const viewer = await as('vera', 'viewer');
    const rows = await listUntil([], viewer, (found) =>
      Object.values(keys).every((key) => found.some((row) => row.dedupKey === key)),
    );
    const api = rows.find((row) => row.dedupKey === keys.api);
    expect(api).toEqual({
      dedupKey: keys.api,
      senderKey: 'cli-api',
      status: 'triggered',
      severity: 'critical',
      level: expect.any(Number),
      summary: 'cli-api is failing',
      service: 'host-1',
      workflowId: `alert/${keys.api}`,
    });
    const direct = await listUntil([], {}, (found) => found.some((row) => row.dedupKey === keys.disk));
    expect(direct.find((row) => row.dedupKey === keys.disk)).toMatchObject({
      status: 'triggered',
      severity: 'warning',
    });

    const table = await arxflow(['alerts', 'list'], viewer);
    expect(table.stdout).toMatch(/^DEDUPKEY\s+SENDERKEY\s+STATUS\s+SEVERITY\s+LEVEL/);
    expect(table.stdout).toMatch(new RegExp(`${keys.api}\\s+cli-api\\s+triggered\\s+critical`));
  });

  it('acknowledges by the dedup key as the sender gave it, through the gateway as the token subject; a viewer is refused (exit 1)', async () => {
    const refused = await arxflow(['alerts', 'ack', 'cli-disk'], await as('vera', 'viewer'));
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/needs role operator/);

    const acked = await arxflow(
      ['alerts', 'ack', 'cli-disk', '--note', 'looking at it', '--json'],
      await as('olga', 'operator'),
    );
    expect(acked.stderr).toBe('');
    expect(acked.status).toBe(0);
    expect(JSON.parse(acked.stdout)).toMatchObject({
      dedupKey: keys.disk,
      status: 'acknowledged',
      acknowledged: { by: 'olga' },
    });
  });

  it('shows an alert by its sender key or its alert id, with both; names both forms when none matches (exit 1)', async () => {
    for (const alert of ['cli-disk', keys.disk, `alert/${keys.disk}`]) {
      const shown = await arxflow(['alerts', 'show', alert]);
      expect(shown.stderr).toBe('');
      expect(shown.stdout).toMatch(new RegExp(`^alert\\s+${keys.disk}$`, 'm'));
      expect(shown.stdout).toMatch(/^sender\s+cli-disk \(pagerduty\)$/m);
      expect(shown.stdout).toMatch(/^status\s+acknowledged$/m);
    }
    const json = await arxflow(['alerts', 'show', 'cli-disk', '--json'], await as('vera', 'viewer'));
    expect(JSON.parse(json.stdout)).toMatchObject({
      dedupKey: keys.disk,
      sourceKey: 'cli-disk',
      status: 'acknowledged',
    });

    const missing = await arxflow(['alerts', 'ack', 'db-disk']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(
      /no alert "db-disk": it is neither an alert id \(no workflow alert\/db-disk\) nor the dedup key a sender gave/,
    );
    const missingViaGateway = await arxflow(['alerts', 'ack', 'db-disk'], await as('olga', 'operator'));
    expect(missingViaGateway.status).toBe(1);
    expect(missingViaGateway.stderr).toMatch(/no alert "db-disk".*PagerDuty dedup_key/);
  });

  it('escalates by alert id and resolves by sender key directly on Temporal; resolving twice is refused (exit 1)', async () => {
    const escalated = await arxflow(['alerts', 'escalate', keys.api, '--level', '2', '--json'], {
      ARXFLOW_ACTOR: 'cli:ops',
    });
    expect(escalated.stderr).toBe('');
    expect(escalated.status).toBe(0);

    const resolved = await arxflow(['alerts', 'resolve', 'cli-api', '--note', 'fixed'], { ARXFLOW_ACTOR: 'cli:ops' });
    expect(resolved.status).toBe(0);
    expect(resolved.stdout).toMatch(/status\s+resolved/);
    const again = await arxflow(['alerts', 'resolve', keys.api]);
    expect(again.status).toBe(1);

    const rows = await listUntil(['--status', 'resolved'], {}, (found) =>
      found.some((row) => row.dedupKey === keys.api),
    );
    expect(rows.find((row) => row.dedupKey === keys.api)).toMatchObject({ status: 'resolved', severity: 'critical' });
    expect(rows.every((row) => row.status === 'resolved')).toBe(true);
  });

  it('exits 2 for bad input before reaching anything', async () => {
    expect((await arxflow(['alerts', 'ack', 'k'.repeat(256)])).status).toBe(2);
    const control = await arxflow(['alerts', 'ack', 'db\u0007disk']);
    expect(control.status).toBe(2);
    expect(control.stderr).toMatch(/control characters/);
    expect((await arxflow(['alerts', 'list', '--status', 'burning'])).status).toBe(2);
    expect((await arxflow(['alerts', 'escalate', keys.disk, '--level', 'zero'])).status).toBe(2);
    expect((await arxflow(['alerts', 'silence', 'add', '--for', '2h', '--comment', 'x'])).status).toBe(2);
    expect((await arxflow(['alerts', 'silence', 'add', '--match', 'service=db', '--comment', 'x'])).status).toBe(2);
    expect((await arxflow(['alerts', 'unknown-verb'])).status).toBe(2);
  });

  it('adds, lists and expires silences through the gateway', async () => {
    const operator = await as('olga', 'operator');
    const added = await arxflow(
      [
        'alerts',
        'silence',
        'add',
        '--match',
        'service=db',
        '--match',
        'env=~"prod|staging"',
        '--for',
        '2h',
        '--comment',
        'db maintenance',
        '--json',
      ],
      operator,
    );
    expect(added.stderr).toBe('');
    const silence = JSON.parse(added.stdout) as { id: string; createdBy: string; state: string };
    expect(silence).toMatchObject({ createdBy: 'olga', state: 'active' });

    const listed = await arxflow(['alerts', 'silence', 'list', '--json'], await as('vera', 'viewer'));
    expect((JSON.parse(listed.stdout) as { id: string }[]).map((s) => s.id)).toContain(silence.id);
    const table = await arxflow(['alerts', 'silence', 'list'], await as('vera', 'viewer'));
    expect(table.stdout).toMatch(/service="db", env=~"prod\|staging"/);

    expect(
      (
        await arxflow(
          ['alerts', 'silence', 'add', '--match', 'service=db', '--for', '2h', '--comment', 'x'],
          await as('vera', 'viewer'),
        )
      ).status,
    ).toBe(1);
    const badDuration = await arxflow(
      ['alerts', 'silence', 'add', '--match', 'service=db', '--for', 'soon', '--comment', 'x'],
      operator,
    );
    expect(badDuration.status).toBe(2);
    expect(badDuration.stderr).toMatch(/duration/);

    expect((await arxflow(['alerts', 'silence', 'expire', silence.id], operator)).status).toBe(0);
    expect((await arxflow(['alerts', 'silence', 'expire', silence.id], operator)).status).toBe(1);
  });

  it('adds and lists silences directly on the store when ARXFLOW_URL is not set', async () => {
    const added = await arxflow(
      [
        'alerts',
        'silence',
        'add',
        '--match',
        'team=infra',
        '--until',
        new Date(Date.now() + 3_600_000).toISOString(),
        '--comment',
        'window',
        '--json',
      ],
      { ARXFLOW_ACTOR: 'cli:ops' },
    );
    expect(added.stderr).toBe('');
    expect(JSON.parse(added.stdout)).toMatchObject({
      createdBy: 'cli:ops',
      matchers: [{ name: 'team', op: '=', value: 'infra' }],
    });
    const listed = await arxflow(['alerts', 'silence', 'list', '--json']);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ comment: 'window', state: 'active' })]);
  });
});
