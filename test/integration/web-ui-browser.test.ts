import { freePort } from '../../scripts/ports';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { dataConverterOf, type ArxflowCodecs } from '../../platform/codec/data-converter';
import { IDENTITY_METADATA } from '../../platform/codec/identity-codec';
import { createAuthenticator } from '../../platform/tokens';
import { buildGateway } from '../../gateway/server';
import { openStore, type Store } from '../../db/store';
import { startDevServer, type RunningDevServer } from '../../scripts/dev-server';
import { temporalCliExecutable } from '../../scripts/temporal-tools';
import { createLogger } from '../../platform/logger';
import { fundingGate } from '../../workflows';
import { drawInput } from '../fixtures/funding-gate';
import { gateStatusWhen, votersOf } from '../support/funding-status';
import { TEST_SETTINGS, tokenFor } from '../support/gateway';
import { createTestWorker, testCodecs, uniqueTaskQueue } from '../support/temporal-env';

/**
 * The Temporal Web UI of a real dev server (started as `npm start` starts it, with
 * --ui-codec-endpoint at our gateway), in Debian's chromium: an operator opens a running
 * fundingGate and sends the `decide` signal with someone else's name typed in. Real auth is on
 * (stamps required). Without a session the vote is refused as unverified; with a session
 * cookie (the UI's "include cross-origin credentials" codec setting) it counts under the
 * session's subject, whatever was typed. Once with payload encryption off, once on.
 */
const CHROMIUM = findChromium();
const describeWithChromium = CHROMIUM ? describe : describe.skip;
if (!CHROMIUM && process.env.CI) {
  // CI (.ci/run exports CI=1) installs chromium: a missing one is a failure there, not a skip.
  it('has chromium (CI: the Web UI browser test may not skip)', () => {
    throw new Error(
      'no chromium (/usr/bin/chromium, /usr/bin/chromium-browser or CHROMIUM_PATH): install it (.ci/run does) or unset CI to skip',
    );
  });
}

function findChromium(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(
    (p): p is string => !!p,
  );
  const found = () => candidates.find((candidate) => existsSync(candidate));
  if (found()) return found();
  // Provisioning installs it when it may (root or sudo -n); it says why when it cannot.
  const provision = spawnSync('bash', [path.resolve(__dirname, '../../scripts/provision-chromium.sh')], {
    encoding: 'utf8',
  });
  if (found()) return found();
  console.warn(
    `Web UI browser test SKIPPED: no chromium (${candidates.join(', ')}) and it could not be installed: ${(provision.stderr || provision.stdout || `exit ${provision.status}`).trim()}`,
  );
  return undefined;
}

interface Stack {
  codecs: ArxflowCodecs;
  taskQueue: string;
  worker: Worker;
  running: Promise<void>;
  client: Client;
  gateway: FastifyInstance;
  codecEndpoint: string;
  sessionPage: string;
}

describeWithChromium('Temporal Web UI in chromium: identities typed in a signal', () => {
  let dataDir: string;
  let devServer: RunningDevServer;
  let connection: Connection;
  let nativeConnection: NativeConnection;
  let store: Store;
  let context: BrowserContext;
  let page: Page;
  let uiUrl: string;
  const stacks = new Map<'off' | 'on', Stack>();
  let gates = 0;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'arxflow-web-ui-'));
    const [port, uiPort, plainGatewayPort, encryptedGatewayPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    uiUrl = `http://localhost:${uiPort}`;
    // As `npm start`: the dev server's UI is pointed at the gateway (here the plain one).
    [devServer, store] = await Promise.all([
      startDevServer({
        executable: temporalCliExecutable(),
        dataDir,
        namespace: 'default',
        port,
        uiPort,
        codecEndpoint: `http://localhost:${plainGatewayPort}/codec`,
      }),
      openStore({ inMemory: true }),
    ]);
    connection = await Connection.connect({ address: devServer.address });
    nativeConnection = await NativeConnection.connect({ address: devServer.address });
    const env = { nativeConnection, namespace: 'default' } as TestWorkflowEnvironment; // what createTestWorker reads
    for (const [encryption, gatewayPort] of [
      ['off', plainGatewayPort],
      ['on', encryptedGatewayPort],
    ] as const) {
      const codecs = testCodecs(
        'stamped',
        encryption === 'on' ? `ui:${randomBytes(32).toString('base64')}` : undefined,
      );
      const taskQueue = uniqueTaskQueue(`web-ui-${encryption}`);
      const worker = await createTestWorker(env, taskQueue, { store }, dataConverterOf(codecs, 'worker'));
      const client = new Client({ connection, namespace: 'default', dataConverter: dataConverterOf(codecs) });
      const { app: gateway } = await buildGateway({
        temporal: client,
        taskQueue,
        store,
        logger: createLogger('silent'),
        schedules: [],
        authenticator: createAuthenticator(TEST_SETTINGS),
        codec: { codecs, webUiOrigin: uiUrl, trustLocalWebUi: false },
      });
      await gateway.listen({ port: gatewayPort, host: 'localhost' }); // the UI's site: the Lax session cookie is sent
      stacks.set(encryption, {
        codecs,
        taskQueue,
        worker,
        running: worker.run(),
        client,
        gateway,
        codecEndpoint: `http://localhost:${gatewayPort}/codec`,
        sessionPage: `http://localhost:${gatewayPort}/v1/ui-session`,
      });
    }
    context = await chromium.launchPersistentContext(path.join(dataDir, 'chromium-profile'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 1000 },
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(15_000);
  });

  afterAll(async () => {
    await context?.close();
    for (const stack of stacks.values()) {
      await stack.gateway.close();
      stack.worker.shutdown();
      await stack.running;
    }
    await connection?.close();
    await nativeConnection?.close();
    await devServer?.stop();
    await store?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** What the UI's Codec Server dialog stores (localStorage, read by the UI at load): this endpoint, with credentials. */
  async function useCodecServer(stack: Stack): Promise<void> {
    await page.goto(uiUrl);
    await page.evaluate((endpoint) => {
      const storage = (globalThis as unknown as { localStorage: { setItem(key: string, value: string): void } })
        .localStorage;
      storage.setItem('overrideRemoteCodecConfiguration', 'true');
      storage.setItem('endpoint', JSON.stringify(endpoint));
      storage.setItem('includeCredentials', 'true');
      storage.setItem('passAccessToken', 'false');
    }, stack.codecEndpoint);
  }

  /** Signs in at the gateway's session page, as a user pasting a token would. */
  async function startSession(stack: Stack, token: string): Promise<void> {
    await page.goto(stack.sessionPage);
    await page.fill('#token', token);
    await page.click('#login');
    await page.locator('#result').filter({ hasText: /^200 / }).waitFor();
  }

  async function startGate(stack: Stack): Promise<string> {
    gates += 1;
    const workflowId = `funding-gate/WEBUI/${gates}`;
    await stack.client.workflow.start(fundingGate, {
      taskQueue: stack.taskQueue,
      workflowId,
      args: [drawInput({ projectId: 'WEBUI', milestoneId: `M${gates}` })],
    });
    return workflowId;
  }

  /** In the UI: the workflow's page, More Actions, Send a Signal, name `decide`, the JSON typed in, Submit. */
  async function signalInUi(workflowId: string, input: unknown, encodeStatus = 200): Promise<void> {
    await page.goto(`${uiUrl}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`);
    await page.getByRole('button', { name: 'More Actions' }).first().click();
    await page.getByRole('menuitem', { name: /Send a Signal/i }).click();
    // When the UI can read the workflow's metadata query (a worker polls; with encryption, only
    // for a caller the codec server lets decode), it lists the signals in a select; else the
    // signal name is typed.
    const select = page.getByRole('button', { name: /Select a signal/ });
    const typed = page.locator('#signal-name:visible');
    await select.or(typed).first().waitFor();
    if (await select.isVisible()) {
      await select.click();
      await page.getByRole('option', { name: 'decide', exact: true }).click();
    } else {
      await typed.fill('decide');
    }
    await page.locator('.cm-content:visible').first().click();
    await page.keyboard.insertText(JSON.stringify(input)); // no key events: the editor's bracket auto-closing stays out of it
    // The editor pretty-prints its JSON when it loses focus, which makes the dialog taller and
    // moves Submit between mouse down and up: a click straight from the editor misses it (for
    // a person too). Leave the editor first, as a person does before looking for the button.
    await page.locator('dialog[open]').getByText('Encoding', { exact: true }).click();
    const encode = page.waitForResponse(
      (response) => response.url().endsWith('/codec/encode') && response.request().method() === 'POST',
    );
    const signal = page.waitForResponse((response) => /\/signal\/decide/.test(response.url()));
    await page.locator('dialog[open]').getByRole('button', { name: 'Submit' }).click();
    expect((await encode).status()).toBe(encodeStatus);
    if (encodeStatus === 200) expect((await signal).status()).toBe(200);
    else signal.catch(() => undefined); // the UI may not send it at all
  }

  describe.each(['off', 'on'] as const)('payload encryption %s', (encryption) => {
    it("refuses an approval typed as someone else without a session; counts one under the session's subject", async () => {
      const stack = stacks.get(encryption)!;
      await context.clearCookies();
      await useCodecServer(stack);

      const first = await startGate(stack);
      let status;
      if (encryption === 'on') {
        // No encryption for an anonymous caller (no oracle): nothing the worker would believe reaches the gate.
        await signalInUi(first, { decision: 'approve', actor: 'rita', roles: ['approver'] }, 401);
        status = await gateStatusWhen(stack.client, first, (s) => s.approvals.refused.length > 0, 3000);
        expect(votersOf(status).counted).toEqual([]);
      } else {
        await signalInUi(first, { decision: 'approve', actor: 'rita', roles: ['approver'] });
        status = await gateStatusWhen(stack.client, first, (s) => s.approvals.refused.length > 0);
        expect(votersOf(status)).toEqual({
          counted: [],
          refused: [
            {
              actor: 'unverified:rita',
              reason: expect.stringMatching(
                /^(unverified:rita may not vote in stage "review"|rita: identity not verified)/,
              ),
            },
          ],
        });
      }

      await startSession(stack, await tokenFor('rita', 'approver'));
      const second = await startGate(stack);
      await signalInUi(second, { decision: 'approve', actor: 'mallory', roles: ['admin'] });
      status = await gateStatusWhen(
        stack.client,
        second,
        (s) => s.approvals.votes.length > 0 || s.approvals.refused.length > 0,
      );
      expect(votersOf(status)).toEqual({ counted: ['rita'], refused: [] });

      // What the server stored for the UI's signal: encrypted when encryption is on, with the stamp inside.
      const history = await new Client({ connection }).workflow.getHandle(second).fetchHistory();
      const signaled = history.events!.find((event) => event.workflowExecutionSignaledEventAttributes)!;
      const [payload] = signaled.workflowExecutionSignaledEventAttributes!.input!.payloads!;
      const metadata = Object.fromEntries(
        Object.entries(payload!.metadata!).map(([k, v]) => [k, Buffer.from(v).toString()]),
      );
      expect(metadata.encoding).toBe(encryption === 'on' ? 'binary/encrypted' : 'json/plain');
      if (encryption === 'off') expect(metadata[IDENTITY_METADATA]).toMatch(/^test\.\d{13}\./);
    });
  });
});
