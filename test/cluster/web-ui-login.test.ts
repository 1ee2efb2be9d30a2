import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { generateKeyPair, SignJWT } from 'jose';
import { chromium, type Browser, type Page } from 'playwright-core';
import { AnchorKey } from '../../db/audit-log';
import { openStore, type Store } from '../../db/store';
import type { Role } from '../../domain/roles';
import { parseSettings } from '../../domain/settings';
import { codecsFor, dataConverterOf } from '../../platform/codec/data-converter';
import { IDENTITY_METADATA } from '../../platform/codec/identity-codec';
import { createToken } from '../../platform/tokens';
import { OIDC_AUDIENCE, type OidcSecrets } from '../../scripts/cluster-oidc';
import { drawRequest, setUpFundingProject } from '../fixtures/funding-gate';
import { runArxflowInProcess } from '../support/cli-in-process';
import { gateStatusWhen, votersOf } from '../support/funding-status';
import { call } from '../support/gateway';
import { clusterEnv, identitiesOf, readClusterState, startTestCluster, stopTestCluster } from './cluster-process';

// The login of the standalone Web UI (issue #18): `npm run cluster` starts a local OpenID
// provider; the Web UI server logs people in through it and passes their access token to the
// gateway's codec server, which verifies it against the provider's keys and stamps that person
// on the approval signal, whatever the JSON typed in the UI says. In Debian's chromium.
const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (p): p is string => !!p && existsSync(p),
);
if (!CHROMIUM && process.env.CI)
  it('has chromium (CI: the Web UI login test may not skip)', () => {
    throw new Error('no chromium (/usr/bin/chromium or CHROMIUM_PATH): scripts/provision-chromium.sh installs it');
  });
const describeWithChromium = CHROMIUM ? describe : describe.skip;

describeWithChromium('npm run cluster: login on the standalone Web UI (OIDC), identity from the access token', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'arxflow-cluster-login-'));
  let env: Record<string, string>;
  let state: ReturnType<typeof readClusterState>;
  let oidc: OidcSecrets;
  let store: Store;
  let connection: Connection;
  let client: Client;
  let browser: Browser;
  let page: Page;
  // Unset when the start never returned: the stop then checks what the cluster recorded.
  let processesWhileRunning: ReturnType<typeof identitiesOf> | undefined;

  beforeAll(async () => {
    env = await clusterEnv(dataDir);
    // One worker: this test is about the login, not failover (cluster.test.ts runs two).
    ({ state, processes: processesWhileRunning } = await startTestCluster(['--workers', '1'], env, dataDir));
    oidc = (JSON.parse(readFileSync(path.join(dataDir, 'cluster-secrets.json'), 'utf8')) as { oidc: OidcSecrets }).oidc;
    store = await openStore({ databaseUrl: state.databaseUrl }, { auditKey: new AnchorKey(state.secrets.auditKey) });
    const settings = parseSettings({
      ARXFLOW_DATA_DIR: dataDir,
      TEMPORAL_ADDRESS: state.temporalAddress,
      ARXFLOW_IDENTITY_KEYS: state.secrets.identityKeys,
    });
    connection = await Connection.connect({ address: state.temporalAddress });
    client = new Client({
      connection,
      namespace: state.namespace,
      dataConverter: dataConverterOf(codecsFor(settings)),
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, ignoreHTTPSErrors: true }); // the codec's self-signed certificate
    page.setDefaultTimeout(20_000);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await connection?.close();
    await store?.close();
    const { status, left } = await stopTestCluster(env, dataDir, processesWhileRunning);
    expect(status).toBe(0);
    expect(left).toEqual([]);
  }, 180_000);

  const codec = (action: 'encode' | 'decode', authorization?: string) =>
    call(`${state.gatewayUrl}/codec/${action}`, {
      headers: authorization ? { authorization } : {},
      body: { payloads: [{ metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: '' }] },
    });

  it('refuses a codec request with no token, a garbled one, or one signed by another key as the provider (401)', async () => {
    // Signed like the provider's tokens, every claim right, but not by the provider's key.
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ groups: ['arxflow-approvers'], scope: 'arxflow' })
      .setProtectedHeader({ alg: 'RS256', kid: String(oidc.signingKey.kid) })
      .setSubject('rita')
      .setIssuer(state.oidcIssuer)
      .setAudience(OIDC_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);
    for (const action of ['encode', 'decode'] as const) {
      const none = await codec(action);
      expect({ action, status: none.status }).toEqual({ action, status: 401 });
      expect(JSON.stringify(none.json)).toMatch(/missing bearer token/);
      expect((await codec(action, 'Bearer not-a-token')).status).toBe(401);
      const refused = await codec(action, `Bearer ${forged}`);
      expect(refused.status).toBe(401);
      expect(JSON.stringify(refused.json)).toMatch(/invalid OIDC access token: signature verification failed/);
    }
    // From the UI's origin, the refusal carries CORS headers: the page reads the 401.
    const viaHttp = await fetch(`${state.gatewayUrl}/codec/decode`, {
      method: 'POST',
      headers: { origin: state.webUiUrl, 'content-type': 'application/json' },
      body: '{"payloads":[]}',
    });
    expect(viaHttp.status).toBe(401);
    expect(viaHttp.headers.get('access-control-allow-origin')).toBe(state.webUiUrl);
    // The gateway's own tokens still pass (the CLI's, the API's).
    const own = await createToken(parseSettings({ ARXFLOW_DATA_DIR: dataDir }), { subject: 'vic', roles: ['viewer'] });
    expect((await codec('decode', `Bearer ${own}`)).status).toBe(200);
  });

  it("rita logs in through the provider's form and approves typed as mallory: the gate counts rita", async () => {
    const projectId = 'LOGIN1';
    await setUpFundingProject(store, projectId);
    const file = path.join(dataDir, 'draw.json');
    writeFileSync(file, JSON.stringify(drawRequest({ projectId, milestoneId: 'M1' })));
    await arxflow(['funding', 'start', file, '--json'], 'gc-alex', 'operator');
    const workflowId = `funding-gate/${projectId}/M1`;

    // Every refusal the page meets (401, 403), with what it said: a run sent back to the login
    // page says which request refused it (the UI server, its API, or the codec server).
    const refusals: string[] = [];
    page.on('response', (response) => {
      if (response.status() !== 401 && response.status() !== 403) return;
      void response
        .text()
        .catch(() => '')
        .then((body) =>
          refusals.push(`${response.status()} ${response.request().method()} ${response.url()} ${body.slice(0, 300)}`),
        );
    });

    // The Web UI sends a person without a session to its login page, then to the provider.
    await page.goto(state.webUiUrl);
    await page.getByRole('button', { name: /Continue to SSO/ }).click();
    await page.locator('#username').waitFor();
    expect(page.url().startsWith(`${state.oidcIssuer}/interaction/`)).toBe(true);
    // A wrong password first: the provider refuses it.
    await page.fill('#username', 'rita');
    await page.fill('#password', `${oidc.passwords.rita}x`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Wrong username or password' }).waitFor();
    await page.fill('#username', 'rita');
    await page.fill('#password', oidc.passwords.rita!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.origin === state.webUiUrl && !/^\/(login|auth)/.test(url.pathname), {
      timeout: 30_000,
    });
    // The landing page takes the session from the callback's cookies in its own scripts: let
    // it finish before leaving it.
    await page.waitForLoadState('networkidle');

    // The workflow's page, More Actions, Send a Signal, `decide`, someone else's name typed, Submit.
    await page.goto(`${state.webUiUrl}/namespaces/${state.namespace}/workflows/${encodeURIComponent(workflowId)}`);
    const moreActions = page.getByRole('button', { name: 'More Actions' }).first();
    // It failed once in CI after 20 s with no trace of what the page showed instead: now it says.
    await moreActions.waitFor({ timeout: 60_000 }).catch(async (err: unknown) => {
      const shown = await page
        .locator('body')
        .innerText()
        .catch(() => '(no body)');
      throw new Error(
        `${(err as Error).message}\nthe page at ${page.url()} showed:\n${shown.slice(0, 3000)}\nrefused requests:\n${refusals.join('\n') || '(none)'}`,
      );
    });
    await moreActions.click();
    await page.getByRole('menuitem', { name: /Send a Signal/i }).click();
    const select = page.getByRole('button', { name: /Select a signal/ });
    const typed = page.locator('#signal-name:visible');
    await select.or(typed).first().waitFor();
    if (await select.isVisible()) {
      await select.click();
      await page.getByRole('option', { name: 'decide', exact: true }).click();
    } else await typed.fill('decide');
    await page.locator('.cm-content:visible').first().click();
    await page.keyboard.insertText(JSON.stringify({ decision: 'approve', actor: 'mallory', roles: ['admin'] }));
    // Leave the editor first: it pretty-prints on blur and moves Submit (web-ui-browser.test.ts).
    await page.locator('dialog[open]').getByText('Encoding', { exact: true }).click();
    const encode = page.waitForRequest((r) => r.url().endsWith('/codec/encode') && r.method() === 'POST');
    const encoded = page.waitForResponse((r) => r.url().endsWith('/codec/encode') && r.request().method() === 'POST');
    const signal = page.waitForResponse((r) => /\/signal\/decide/.test(r.url()));
    await page.locator('dialog[open]').getByRole('button', { name: 'Submit' }).click();
    // The UI passed the provider's access token (a JWT from the provider, not one of the gateway's).
    const token = /^Bearer (\S+)$/.exec((await encode).headers().authorization ?? '')?.[1];
    expect(token).toBeDefined();
    const claims = JSON.parse(Buffer.from(token!.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ iss: state.oidcIssuer, aud: OIDC_AUDIENCE, sub: 'rita' });
    expect((await encoded).status()).toBe(200);
    expect((await signal).status()).toBe(200);

    const status = await gateStatusWhen(
      client,
      workflowId,
      (s) => s.approvals.votes.length > 0 || s.approvals.refused.length > 0,
      30_000,
    );
    expect(votersOf(status)).toEqual({ counted: ['rita'], refused: [] });
    // The signal as the server stored it: stamped by the codec server.
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const signaled = history.events!.find((event) => event.workflowExecutionSignaledEventAttributes)!;
    const [payload] = signaled.workflowExecutionSignaledEventAttributes!.input!.payloads!;
    expect(payload!.metadata![IDENTITY_METADATA]).toBeDefined();
  }, 120_000);

  async function arxflow(args: string[], subject: string, ...roles: Role[]): Promise<string> {
    const token = await createToken(parseSettings({ ARXFLOW_DATA_DIR: dataDir }), { subject, roles });
    const result = await runArxflowInProcess(args, { ARXFLOW_URL: state.gatewayUrl, ARXFLOW_TOKEN: token });
    if (result.status !== 0) throw new Error(`arxflow ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
    return result.stdout;
  }
});
