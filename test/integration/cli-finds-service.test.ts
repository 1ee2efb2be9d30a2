import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ReviewStatusView } from '../../domain/compliance/review-types';
import { reviewStartBody } from '../fixtures/compliance-review';
import { runArxflow } from '../support/cli-process';
import { seedMigratedPglite } from '../support/pglite-template';
import { serviceEnv, spawnService, waitForOutput, type ServiceProcess } from '../support/service-process';

/**
 * The README's promise, on the real `npm start`: with the service running on PGlite, a second
 * terminal that sets nothing but the data dir runs store commands (audit, reports) and
 * workflow commands without stopping it; once the service stops, the same commands read the
 * store directly. The service's ports are unusual on purpose: the CLI learns them from
 * service.json, never from a default.
 */
describe('the CLI finds the running npm start of its data dir', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'arxflow-cli-finds-'));
  let service: ServiceProcess | undefined;
  /** A shell with no arxflow variable but the data dir (no ARXFLOW_URL, no port, no token). */
  const cli = (args: string[], extra: Record<string, string> = {}) =>
    runArxflow(args, {
      ARXFLOW_DATA_DIR: dataDir,
      ARXFLOW_PORT: undefined,
      ARXFLOW_TEMPORAL_PORT: undefined,
      ARXFLOW_URL: undefined,
      ARXFLOW_TOKEN: undefined,
      ARXFLOW_ACTOR: undefined,
      ARXFLOW_JWT_SECRET: undefined,
      ARXFLOW_CONFIG: undefined,
      TEMPORAL_ADDRESS: undefined,
      DATABASE_URL: undefined,
      ...extra,
    });
  const ok = async (args: string[], extra: Record<string, string> = {}) => {
    const result = await cli(args, extra);
    if (result.status !== 0) throw new Error(`arxflow ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
    return result.stdout;
  };

  beforeAll(async () => {
    const config = path.join(dataDir, 'arxflow.config.yaml');
    writeFileSync(
      config,
      'compliance:\n  jurisdictions:\n    - { id: IBC-2021, reviewers: [rev-ray, rev-rosa], supervisor: sup-sam }\n',
    );
    seedMigratedPglite(dataDir); // a migrated store in place: the CLI is the subject, not a fresh store's initdb
    service = spawnService(await serviceEnv(dataDir, { ARXFLOW_CONFIG: config, ARXFLOW_JWT_SECRET: '' }));
    await waitForOutput(service, /arxflow is running/);
  });
  afterAll(async () => {
    if (service && service.child.exitCode === null) {
      process.kill(-service.child.pid!, 'SIGKILL');
      await service.exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('reads reports and the audit trail while the service holds the store, and the store itself once it stopped', async () => {
    // The service's own Temporal, end to end: the healthCheck workflow ran (a worker touched the store).
    expect(JSON.parse(await ok(['health', '--json']))).toMatchObject({ status: 'healthy' });
    const started = JSON.parse(
      await ok(
        ['workflows', 'start', 'complianceReview', '--input', JSON.stringify(reviewStartBody('NPM-1')), '--json'],
        {
          ARXFLOW_ACTOR: 'arch-amy',
        },
      ),
    );
    expect(started).toMatchObject({ workflowId: 'compliance/NPM-1' });
    let status: ReviewStatusView | undefined;
    for (const deadline = Date.now() + 60_000; status?.status !== 'corrections_required' && Date.now() < deadline;) {
      status = JSON.parse(await ok(['workflows', 'query', 'compliance/NPM-1', 'status', '--json'])).result;
    }
    expect(status).toMatchObject({ status: 'corrections_required', applicant: 'arch-amy' });

    const listed = JSON.parse(await ok(['compliance', 'reports', 'NPM-1', '--json'])) as {
      key: string;
      format: string;
    }[];
    expect(listed.map((r) => r.format).sort()).toEqual(['csv', 'html', 'json', 'pdf']);
    const pdfKey = listed.find((r) => r.format === 'pdf')!.key;
    const pdf = path.join(dataDir, 'corrections.pdf');
    await ok(['compliance', 'report', pdfKey, '--out', pdf]);
    expect(readFileSync(pdf).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    // The audit trail is admin-only through the gateway: the CLI's own token is admin, as direct mode is.
    const events = (await ok(['audit', 'export']))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events.some((e) => e.workflowId === 'compliance/NPM-1' && e.actor === 'arch-amy')).toBe(true);

    process.kill(service!.child.pid!, 'SIGTERM');
    expect(await service!.exited).toBe(0);
    // No service: the same command opens the data dir's store itself and finds the same reports.
    const direct = JSON.parse(await ok(['compliance', 'reports', 'NPM-1', '--json'])) as { key: string }[];
    expect(direct.map((r) => r.key)).toEqual(listed.map((r) => r.key));
  });
});
