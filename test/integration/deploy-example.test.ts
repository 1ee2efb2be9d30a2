import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLocalTarget } from '../../activities/deploy/local/local-target';
import type { DeploymentsConfig, DeploymentView, LocalTargetConfig } from '../../domain/deploy/deploy-types';
import { loadConfigFile } from '../../platform/config-file';
import { freePorts, getOnce, versionsAnswering } from '../support/deploy-test-service';
import { useDevServerWorld } from '../support/dev-server-world';
import { createToken } from '../../platform/tokens';
import { call, TEST_SETTINGS, tokenFor } from '../support/gateway';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus';

// The README's walk-through, for real: examples/deploy/arxflow.config.yaml (its ports moved to
// free ones, its intervals shortened) on a dev server with the production worker and gateway,
// example-web's real processes behind the local target's proxy, and Debian's prometheus running
// examples/deploy/prometheus.yml (its ports moved alike), so the analysis reads the error ratio
// through Prometheus's HTTP API as the example's `provider: auto` does when PROMETHEUS_URL is set.

const EXAMPLE_DIR = path.resolve(__dirname, '../../examples/deploy');
const dir = mkdtempSync(path.join(tmpdir(), 'arxflow-deploy-example-'));
const dataDir = path.join(dir, 'data');
/** The example's ports, in the order its files name them: staging public, slots; production public, slots. */
const EXAMPLE_PORTS = [18480, 18481, 18482, 18490, 18491, 18492];

/** The example's text with its ports swapped for `ports` (same order as EXAMPLE_PORTS). */
function withPorts(text: string, ports: number[]): string {
  return EXAMPLE_PORTS.reduce((out, port, index) => out.replaceAll(String(port), String(ports[index])), text);
}

describe('the deployment example (examples/deploy) end to end: real processes, real Prometheus', () => {
  let ports: number[];
  let deployments: DeploymentsConfig;
  let configDir: string;
  let prometheus: RunningPrometheus | undefined;
  const publicUrl = (environment: 'staging' | 'production') =>
    `http://127.0.0.1:${ports[environment === 'staging' ? 0 : 3]}`;

  beforeAll(async () => {
    ports = await freePorts(EXAMPLE_PORTS.length);
    // The example's config in a temp folder: ports moved, artifacts still the example's
    // folders (made absolute), analysis every 2 s, a 2 s watch, one health round.
    configDir = path.join(dir, 'config');
    const text = withPorts(readFileSync(path.join(EXAMPLE_DIR, 'arxflow.config.yaml'), 'utf8'), ports)
      .replaceAll('artifact: example-web/{{version}}', `artifact: ${path.join(EXAMPLE_DIR, 'example-web')}/{{version}}`)
      .replace(/^(\s+)interval: 5 seconds$/m, '$1interval: 2 seconds')
      .replace(/^(\s+)watch: 1 minute$/m, '$1watch: 2 seconds')
      .replaceAll(/^(\s+)successes: 3$/gm, '$1successes: 1');
    const file = path.join(configDir, 'arxflow.config.yaml');
    mkdirSync(configDir, { recursive: true });
    writeFileSync(file, text);
    deployments = loadConfigFile(file).deployments;
    // Debian's prometheus with the example's prometheus.yml (ports moved, scraping every second).
    const scrapeConfig = withPorts(readFileSync(path.join(EXAMPLE_DIR, 'prometheus.yml'), 'utf8'), ports);
    prometheus = await startPrometheus({ config: scrapeConfig.replace(/: 2s$/gm, ': 1s') });
  });

  afterAll(async () => {
    for (const environment of deployments?.services[0]?.environments ?? [])
      await createLocalTarget({
        service: 'example-web',
        environment: environment.name,
        config: environment.target as LocalTargetConfig,
        configDir,
        dataDir,
      }).stopAll();
    await prometheus?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const world = useDevServerWorld('deploy-example', {
    activities: () => ({ dataDir, prometheusUrl: prometheus!.url }),
    gateway: () => ({ deployments: { config: deployments, configDir } }),
  });

  async function endOf(environment: string, version: string, token: string): Promise<DeploymentView> {
    const deadline = Date.now() + 45_000;
    for (;;) {
      const { status, json } = await call(`${world.url}/v1/deployments/example-web/${environment}?version=${version}`, {
        token,
      });
      const view = json as unknown as DeploymentView;
      if (status === 200 && ['succeeded', 'rolled_back', 'rejected', 'failed'].includes(view.status)) return view;
      if (Date.now() > deadline) throw new Error(`timed out: ${JSON.stringify(view)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  async function statusWhen(environment: string, version: string, token: string, wanted: string) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { json } = await call(`${world.url}/v1/deployments/example-web/${environment}?version=${version}`, {
        token,
      });
      const view = json as unknown as DeploymentView;
      if (view?.status === wanted) return view;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${wanted}: ${JSON.stringify(view)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  it('1.0.0 to staging succeeds; 1.1.0 fails its analysis, rolls back, 1.0.0 still serving; production with an approval succeeds', async () => {
    const ci = await tokenFor('ci', 'deployer', 'viewer');
    const start = (version: string, environment: string) =>
      call(`${world.url}/v1/deployments`, { token: ci, body: { service: 'example-web', environment, version } });

    // 1.0.0 to staging.
    let started = await start('1.0.0', 'staging');
    expect(started.status).toBe(202);
    expect(started.json).toMatchObject({ workflowId: 'deploy/example-web/staging/1.0.0', existing: false });
    let view = await endOf('staging', '1.0.0', ci);
    expect(view).toMatchObject({ status: 'succeeded', requestedBy: 'ci' });
    expect(await versionsAnswering(publicUrl('staging'), 4)).toEqual(['1.0.0', '1.0.0', '1.0.0', '1.0.0']);
    // The analysis read Prometheus: it holds the version's requests, labelled by environment.
    const series = await prometheus!.query(
      'sum(http_requests_total{job="example-web",environment="staging",version="1.0.0"})',
    );
    expect(Number((series.result as Array<{ value: [number, string] }>)[0]?.value[1])).toBeGreaterThan(0);

    // 1.1.0 to staging: healthy by its health check, half its answers are 500s.
    started = await start('1.1.0', 'staging');
    expect(started.status).toBe(202);
    view = await endOf('staging', '1.1.0', ci);
    expect(view).toMatchObject({ status: 'rolled_back', previousVersion: '1.0.0' });
    expect(view.reason).toMatch(/^staging analysis failed at step 1\b/);
    // The first measurement failed it: half of 1.1.0's answers were 500s, through Prometheus.
    const [measured] = view.progress!.analysis!;
    expect(measured).toMatchObject({ phase: 'failed' });
    expect(measured!.values['error-ratio']).toBeGreaterThanOrEqual(0.3);
    expect(view.stages.find((stage) => stage.name === 'rollback')).toMatchObject({ status: 'done' });
    expect(await versionsAnswering(publicUrl('staging'), 4)).toEqual(['1.0.0', '1.0.0', '1.0.0', '1.0.0']);
    expect((await getOnce(`${publicUrl('staging')}/`)).body).toBe('hello from 1.0.0\n');

    // 1.0.0 to production: through staging again, then the release-manager's approval.
    started = await start('1.0.0', 'production');
    expect(started.status).toBe(202);
    const waiting = await statusWhen('production', '1.0.0', ci, 'waiting_approval');
    expect(waiting.approvals).toMatchObject({ quorum: 1, roles: ['release-manager'], votes: [] });
    // ci started it: even with the reviewer's roles it may not approve (409 with the reason).
    const selfApproval = await call(`${world.url}/v1/deployments/example-web/production/1.0.0/approve`, {
      token: await createToken(TEST_SETTINGS, { subject: 'ci', roles: ['deployer', 'reviewer', 'release-manager'] }),
      body: { comment: 'mine' },
    });
    expect(selfApproval.status).toBe(409);
    expect(JSON.stringify(selfApproval.json)).toMatch(/self-approval/);
    const approved = await call(`${world.url}/v1/deployments/example-web/production/1.0.0/approve`, {
      token: await createToken(TEST_SETTINGS, { subject: 'rita', roles: ['reviewer', 'release-manager'] }),
      body: { comment: 'release notes read' },
    });
    expect(approved.status).toBe(200);
    view = await endOf('production', '1.0.0', ci);
    expect(view.status).toBe('succeeded');
    expect(view.approvals?.votes).toEqual([
      expect.objectContaining({ actor: 'rita', decision: 'approve', comment: 'release notes read' }),
    ]);
    expect(view.progress?.steps).toEqual([50, 100]);
    expect(await versionsAnswering(publicUrl('production'), 4)).toEqual(['1.0.0', '1.0.0', '1.0.0', '1.0.0']);
  }, 120_000);
});
