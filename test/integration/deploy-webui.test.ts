import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Worker } from '@temporalio/worker';
import { createLocalTarget } from '../../activities/deploy/local/local-target';
import { deploymentsConfigSchema } from '../../domain/deploy/deploy-config';
import {
  deploymentWorkflowId,
  type DeploymentInput,
  type DeploymentView,
  type LocalTargetConfig,
  type ServiceConfig,
} from '../../domain/deploy/deploy-types';
import { codecsFor, dataConverterOf } from '../../platform/codec/data-converter';
import { IDENTITY_METADATA } from '../../platform/codec/identity-codec';
import { createToken } from '../../platform/tokens';
import { deploymentStatusQuery } from '../../workflows/deploy/deploy-messages';
import { exampleLocalTargetConfig, getOnce } from '../support/deploy-test-service';
import { useDevServerWorld } from '../support/dev-server-world';
import { call, TEST_SETTINGS } from '../support/gateway';
import { createTestWorker, testCodecs, uniqueTaskQueue } from '../support/temporal-env';

// The Web UI approves a production deployment the only way it can: a Signal whose payload went
// through the gateway's codec server (docs/web-ui.md). With stamps required (real auth), the
// deployment counts the vote under the signed-in subject whatever was typed, and records what it
// refuses in `status.refused`: an anonymous (unstamped) vote, a self-approval. Real processes:
// example-web 1.0.0 on the local target, then reached through its proxy.

const EXAMPLE_ARTIFACT = path.resolve(__dirname, '../../examples/deploy/example-web/{{version}}');
const dir = mkdtempSync(path.join(tmpdir(), 'arxflow-deploy-webui-'));
const dataDir = path.join(dir, 'data');

type WirePayload = { metadata: Record<string, string>; data: string };
const b64 = (text: string) => Buffer.from(text).toString('base64');
const jsonPayload = (value: unknown): WirePayload => ({
  metadata: { encoding: b64('json/plain') },
  data: b64(JSON.stringify(value)),
});

describe('approving a deployment from the Web UI (a signal through the codec server, stamps required)', () => {
  // The world's worker trusts unstamped identities; the deployments here run on a queue whose
  // worker requires stamps, as with real auth.
  const taskQueue = uniqueTaskQueue('deploy-webui');
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  let trusted: Client; // stamps what it sends, like the gateway and the CLI
  let service: ServiceConfig;
  afterAll(async () => {
    worker?.shutdown();
    await running;
    if (service)
      await createLocalTarget({
        service: service.name,
        environment: 'production',
        config: service.environments[0]!.target as LocalTargetConfig,
        configDir: dir,
        dataDir,
      }).stopAll();
    rmSync(dir, { recursive: true, force: true });
  });
  const world = useDevServerWorld('deploy-webui');

  beforeAll(async () => {
    worker = await createTestWorker(
      world.env,
      taskQueue,
      { store: world.store, dataDir },
      dataConverterOf(codecsFor(TEST_SETTINGS), 'worker'),
    );
    running = worker.run();
    trusted = new Client({ connection: world.env.connection, dataConverter: dataConverterOf(testCodecs('stamped')) });
    const target = await exampleLocalTargetConfig(EXAMPLE_ARTIFACT);
    service = deploymentsConfigSchema.parse({
      services: [
        {
          name: 'webui-web',
          environments: [
            {
              name: 'production',
              target,
              health: { checks: [{ name: 'healthz', path: '/healthz' }], interval: '200 ms', timeout: '20 seconds' },
              smoke: [{ name: 'home', path: '/', bodyMatch: '^hello from 1\\.0\\.0' }],
              approval: { roles: ['release-manager'], deadline: '10 minutes' },
            },
          ],
        },
      ],
    }).services[0]!;
  });

  /** What the Web UI does: sends the payloads its codec server returned, as they are. */
  async function signalRaw(workflowId: string, signalName: string, payloads: WirePayload[]): Promise<void> {
    await world.env.connection.workflowService.signalWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId },
      signalName,
      identity: 'web-ui',
      input: temporal.api.common.v1.Payloads.create({
        payloads: payloads.map((p) => ({
          metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
          data: Buffer.from(p.data, 'base64'),
        })),
      }),
    });
  }

  async function statusWhen(workflowId: string, done: (view: DeploymentView) => boolean): Promise<DeploymentView> {
    const deadline = Date.now() + 40_000;
    for (;;) {
      const view = await trusted.workflow.getHandle(workflowId).query(deploymentStatusQuery);
      if (done(view)) return view;
      if (Date.now() > deadline) throw new Error(`timed out; the deployment is ${JSON.stringify(view)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('counts the signed-in reviewer whatever was typed; records an anonymous vote and a self-approval as refused', async () => {
    const workflowId = deploymentWorkflowId('webui-web', 'production', '1.0.0');
    const input: DeploymentInput = {
      service: 'webui-web',
      environment: 'production',
      version: '1.0.0',
      requestedBy: 'dora',
      whenBusy: 'refuse',
      config: service,
      configDir: dir,
    };
    const handle = await trusted.workflow.start('deployment', { taskQueue, workflowId, args: [input] });
    await statusWhen(workflowId, (view) => view.status === 'waiting_approval');

    // Anonymous: the codec server passes the payload unstamped; the worker rewrites the actor.
    const typed = { actor: 'rita', roles: ['release-manager'], comment: 'looks good' };
    const anonymous = await call(`${world.url}/codec/encode`, { body: { payloads: [jsonPayload(typed)] } });
    expect(anonymous.status).toBe(200);
    const anonymousPayloads = (anonymous.json as { payloads: WirePayload[] }).payloads;
    expect(anonymousPayloads[0]!.metadata[IDENTITY_METADATA]).toBeUndefined();
    await signalRaw(workflowId, 'approve', anonymousPayloads);
    let view = await statusWhen(workflowId, (v) => v.refused.length >= 1);
    expect(view.refused).toEqual([
      expect.objectContaining({ kind: 'approve', actor: 'unverified:rita', reason: expect.any(String) }),
    ]);

    // dora started it: signed in with the reviewer role she still may not approve her own deployment.
    const doraToken = await createToken(TEST_SETTINGS, { subject: 'dora', roles: ['release-manager'] });
    const asDora = await call(`${world.url}/codec/encode`, {
      token: doraToken,
      body: { payloads: [jsonPayload({ ...typed, actor: 'someone-else' })] },
    });
    await signalRaw(workflowId, 'approve', (asDora.json as { payloads: WirePayload[] }).payloads);
    view = await statusWhen(workflowId, (v) => v.refused.length >= 2);
    expect(view.refused[1]).toEqual(
      expect.objectContaining({ kind: 'approve', actor: 'dora', reason: expect.stringMatching(/no self-approval/) }),
    );
    expect(view.status).toBe('waiting_approval');
    expect(view.approvals!.votes).toEqual([]);

    // rita, through a session cookie (the UI's "include credentials"), types someone else: her vote counts.
    const session = await call(`${world.url}/v1/ui-session`, {
      method: 'POST',
      token: await createToken(TEST_SETTINGS, { subject: 'rita', roles: ['release-manager'] }),
    });
    expect(session.status).toBe(200);
    const cookie = session.headers.get('set-cookie')!.split(';')[0]!;
    const viaSession = await call(`${world.url}/codec/encode`, {
      body: { payloads: [jsonPayload({ ...typed, actor: 'mallory', roles: [] })] },
      headers: { cookie },
    });
    const payloads = (viaSession.json as { payloads: WirePayload[] }).payloads;
    expect(payloads[0]!.metadata[IDENTITY_METADATA]).toBeDefined();
    await signalRaw(workflowId, 'approve', payloads);

    const ended = (await handle.result()) as DeploymentView;
    expect(ended.status).toBe('succeeded');
    expect(ended.approvals!.votes).toEqual([
      expect.objectContaining({ actor: 'rita', decision: 'approve', comment: 'looks good' }),
    ]);
    expect(ended.refused.map((refusal) => refusal.actor)).toEqual(['unverified:rita', 'dora']);
    const publicPort = (service.environments[0]!.target as LocalTargetConfig).port;
    expect(await getOnce(`http://127.0.0.1:${publicPort}/`)).toMatchObject({ status: 200, version: '1.0.0' });
  }, 60_000);
});
