// The local OpenID provider of `npm run cluster` (npm oidc-provider): the login of the standalone
// Web UI. Test users with passwords (in the cluster's secrets file), one client (the Web UI
// server, a confidential client), access tokens as JWTs for arxflow (audience ARXFLOW_AUDIENCE)
// with the user's groups in a claim, signed by a key kept in the data dir. The gateway verifies
// them against this provider's JWKS (platform/oidc-tokens.ts) and maps the groups to roles.
// Not for production: there, the Web UI and the gateway point at your identity provider
// (docs/production.md, "Login").
//
// scripts/cluster.ts calls oidcProviderSetup() and starts this file as its own process
// (ARXFLOW_OIDC_PROVIDER_CONFIG: the config file it wrote, mode 600).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The `aud` (and resource indicator) of the access tokens the provider issues for arxflow. */
export const OIDC_AUDIENCE = 'urn:arxflow:gateway';
/** The resource scope the Web UI asks for (config/temporal/ui/cluster.yaml scopes). */
const ARXFLOW_SCOPE = 'arxflow';
const OIDC_CLIENT_ID = 'arxflow-web-ui';
/** The access token claim with the user's groups, and the groups' arxflow roles (ARXFLOW_OIDC_ROLE_MAP). */
const OIDC_ROLES_CLAIM = 'groups';
const OIDC_ROLE_MAP =
  'arxflow-approvers=approver,arxflow-signatories=signatory,arxflow-operators=operator,arxflow-viewers=viewer';

/** The cluster's test users: a person, their groups at the provider (not arxflow roles: the gateway maps them). */
const OIDC_TEST_USERS = [
  { id: 'rita', name: 'Rita Alvarez', groups: ['arxflow-approvers'] },
  { id: 'sam', name: 'Sam Okafor', groups: ['arxflow-approvers', 'arxflow-signatories'] },
  { id: 'olga', name: 'Olga Berg', groups: ['arxflow-operators'] },
  { id: 'vic', name: 'Vic Stone', groups: ['arxflow-viewers'] },
] as const;

/** Kept in the cluster's secrets file: the same keys and passwords at every start. */
export interface OidcSecrets {
  clientSecret: string;
  cookieKey: string;
  /** The RSA signing key (private JWK). */
  signingKey: Record<string, unknown>;
  /** user id -> password */
  passwords: Record<string, string>;
}

export function newOidcSecrets(): OidcSecrets {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    clientSecret: randomBytes(24).toString('base64url'),
    cookieKey: randomBytes(32).toString('base64url'),
    signingKey: {
      ...privateKey.export({ format: 'jwk' }),
      kid: randomBytes(8).toString('hex'),
      use: 'sig',
      alg: 'RS256',
    },
    passwords: Object.fromEntries(OIDC_TEST_USERS.map((u) => [u.id, randomBytes(12).toString('base64url')])),
  };
}

/** What the provider process reads (ARXFLOW_OIDC_PROVIDER_CONFIG). */
interface ProviderConfig {
  issuer: string;
  port: number;
  redirectUri: string;
  secrets: OidcSecrets;
}

interface OidcSetup {
  issuer: string;
  /** The provider process's environment. */
  providerEnv: NodeJS.ProcessEnv;
  /** For the Web UI server (config/temporal/ui/cluster.yaml). */
  uiEnv: NodeJS.ProcessEnv;
  /** For the gateway (platform/oidc-tokens.ts, and the codec's TLS listener). */
  gatewayEnv: NodeJS.ProcessEnv;
  /** The codec endpoint the Web UI uses: https, the only scheme the UI passes an access token to. */
  codecUrl: string;
}

/**
 * Writes the provider's config file into the data dir and returns the environment of the
 * provider, the Web UI server and the gateway. The issuer is 127.0.0.1 and the Web UI
 * localhost: two sites, so the provider's cookies and the UI's never mix.
 */
export function oidcProviderSetup(
  root: string,
  ports: { provider: number; ui: number; codecTls: number },
  secrets: OidcSecrets,
): OidcSetup {
  const { provider: port, ui: uiPort } = ports;
  const issuer = `http://127.0.0.1:${port}`;
  const tls = codecCertificate(root);
  const codecUrl = `https://localhost:${ports.codecTls}/codec`;
  const redirectUri = `http://localhost:${uiPort}/auth/sso/callback`;
  const file = path.join(root, 'oidc-provider.json');
  writeFileSync(file, `${JSON.stringify({ issuer, port, redirectUri, secrets } satisfies ProviderConfig)}\n`, {
    mode: 0o600,
  });
  return {
    issuer,
    providerEnv: { ...process.env, ARXFLOW_OIDC_PROVIDER_CONFIG: file },
    uiEnv: {
      ARXFLOW_CLUSTER_UI_AUTH: 'true',
      ARXFLOW_CLUSTER_OIDC_LABEL: 'arxflow test login',
      ARXFLOW_CLUSTER_OIDC_PROVIDER_URL: issuer,
      ARXFLOW_CLUSTER_OIDC_CLIENT_ID: OIDC_CLIENT_ID,
      ARXFLOW_CLUSTER_OIDC_CLIENT_SECRET: secrets.clientSecret,
      ARXFLOW_CLUSTER_OIDC_CALLBACK_URL: redirectUri,
      ARXFLOW_CLUSTER_CODEC_ENDPOINT: codecUrl,
    },
    gatewayEnv: {
      ARXFLOW_OIDC_ISSUER: issuer,
      ARXFLOW_OIDC_AUDIENCE: OIDC_AUDIENCE,
      ARXFLOW_OIDC_ROLES_CLAIM: OIDC_ROLES_CLAIM,
      ARXFLOW_OIDC_ROLE_MAP: OIDC_ROLE_MAP,
      ARXFLOW_CLUSTER_CODEC_TLS_PORT: String(ports.codecTls),
      ARXFLOW_CLUSTER_CODEC_TLS_CERT: tls.cert,
      ARXFLOW_CLUSTER_CODEC_TLS_KEY: tls.key,
    },
    codecUrl,
  };
}

/**
 * A self-signed certificate for localhost (openssl, once per data dir) for the gateway's codec
 * listener: the Web UI sends its access token only to an https codec endpoint (it leaves
 * payloads unencoded otherwise). A browser must accept it once; in production the gateway
 * sits behind your TLS (docs/production.md).
 */
function codecCertificate(root: string): { cert: string; key: string } {
  const cert = path.join(root, 'codec-tls.crt');
  const key = path.join(root, 'codec-tls.key');
  if (!existsSync(cert) || !existsSync(key))
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '825',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
  return { cert, key };
}

async function main(): Promise<void> {
  const config = JSON.parse(readFileSync(process.env.ARXFLOW_OIDC_PROVIDER_CONFIG!, 'utf8')) as ProviderConfig;
  // oidc-provider ships only ES modules.
  const { default: Provider, errors } = await import('oidc-provider');
  const users = new Map<string, (typeof OIDC_TEST_USERS)[number]>(OIDC_TEST_USERS.map((u) => [u.id, u]));

  const provider = new Provider(config.issuer, {
    clients: [
      {
        client_id: OIDC_CLIENT_ID,
        client_secret: config.secrets.clientSecret,
        redirect_uris: [config.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [config.secrets.signingKey] },
    cookies: { keys: [config.secrets.cookieKey] },
    claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'] },
    findAccount: (_ctx, sub) => {
      const user = users.get(sub);
      if (!user) return undefined;
      return {
        accountId: sub,
        claims: () => ({ sub, name: user.name, email: `${sub}@arxflow.test`, email_verified: true }),
      };
    },
    features: {
      devInteractions: { enabled: false }, // our login form checks the password (devInteractions takes any name)
      resourceIndicators: {
        enabled: true,
        defaultResource: () => OIDC_AUDIENCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => {
          if (indicator !== OIDC_AUDIENCE) throw new errors.InvalidTarget();
          return {
            scope: ARXFLOW_SCOPE,
            audience: OIDC_AUDIENCE,
            accessTokenTTL: 3600,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    // The user's groups in the access token: the gateway maps them to arxflow roles.
    extraTokenClaims: (_ctx, token) => {
      const user = 'accountId' in token && token.accountId ? users.get(token.accountId) : undefined;
      return user ? { [OIDC_ROLES_CLAIM]: [...user.groups] } : undefined;
    },
    // The Web UI is the cluster's own client: no consent screen, the grant is made at login.
    loadExistingGrant: async (ctx) => {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client!.clientId,
        accountId: ctx.oidc.session!.accountId,
      });
      grant.addOIDCScope('openid profile email');
      grant.addResourceScope(OIDC_AUDIENCE, ARXFLOW_SCOPE);
      await grant.save();
      return grant;
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: { AccessToken: 3600, IdToken: 3600, Session: 8 * 3600, Interaction: 600, Grant: 8 * 3600 },
  });

  const callback = provider.callback();
  const server = createServer((req, res) => {
    const match = /^\/interaction\/([\w-]+)$/.exec((req.url ?? '').split('?')[0]!);
    if (!match) return void callback(req, res);
    loginInteraction(req, res).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`login failed: ${err.message}`);
    });
  });

  async function loginInteraction(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name !== 'login') throw new Error(`unexpected prompt ${details.prompt.name}`);
    if (req.method === 'GET') return sendLoginPage(res, 200);
    if (req.method !== 'POST') throw new Error(`method ${req.method}`);
    const form = new URLSearchParams(await bodyOf(req));
    const username = form.get('username') ?? '';
    const expected = config.secrets.passwords[username];
    if (!users.has(username) || !expected || !samePassword(form.get('password') ?? '', expected))
      return sendLoginPage(res, 401, 'Wrong username or password.');
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: username } },
      { mergeWithLastSubmission: false },
    );
  }

  await new Promise<void>((resolve) => server.listen(config.port, '127.0.0.1', resolve));
  console.log(`arxflow OIDC provider: ${config.issuer} (client ${OIDC_CLIENT_ID})`);
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

function samePassword(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > 10_000) throw new Error('form too large');
  }
  return body;
}

function sendLoginPage(res: ServerResponse, status: number, error?: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!doctype html>
<html><head><meta charset="utf-8"><title>arxflow test login</title></head>
<body style="font-family: sans-serif; max-width: 24em; margin: 4em auto">
<h1>Sign in to arxflow</h1>
<p>The local test provider of <code>npm run cluster</code>: users and passwords are in the cluster's secrets file.</p>
${error ? `<p role="alert" style="color: #b00">${error}</p>` : ''}
<form method="post">
<p><label>Username <input id="username" name="username" autocomplete="username" required autofocus></label></p>
<p><label>Password <input id="password" name="password" type="password" autocomplete="current-password" required></label></p>
<p><button type="submit">Sign in</button></p>
</form>
</body></html>
`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(__filename)) {
  main().catch((err: Error) => {
    console.error(`arxflow OIDC provider: ${err.stack ?? err.message}`);
    process.exit(1);
  });
}
