import { parseSettings } from '../../domain/settings';
import { InputError } from '../../domain/validation';

describe('parseSettings', () => {
  it('needs no environment at all', () => {
    expect(parseSettings({})).toEqual({
      gatewayPort: 8080,
      gatewayHost: '127.0.0.1',
      dataDir: '.arxflow',
      taskQueue: 'arxflow',
      metricsPort: 9464,
      logLevel: 'info',
      databaseUrl: undefined,
      namespace: 'default',
      temporalAddress: undefined,
      devServer: { port: 7233, uiPort: 8233 },
      configFile: 'arxflow.config.yaml',
      auth: { jwtSecret: undefined, jwksUrl: undefined, issuer: 'arxflow', audience: 'arxflow', maxLifetime: '12h' },
      webUiOrigin: 'http://localhost:8233',
      encryptionKeys: undefined,
      identity: { keys: undefined, ui: 'on' },
      slack: { botToken: undefined, signingSecret: undefined, apiUrl: undefined },
      email: { smtpUrl: undefined, from: 'arxflow <arxflow@localhost>' },
      alertTokens: { alertmanager: undefined, events: undefined, metrics: undefined },
      makerCheckerWindow: '7 days',
      github: { token: undefined, apiUrl: undefined },
      pipelines: { publicUrl: 'http://localhost:8080', cacheMaxBytes: 2048 * 1024 * 1024 },
    });
  });

  it('reads the notification channels and alert intake tokens, and names a bad SMTP URL', () => {
    expect(
      parseSettings({
        SLACK_BOT_TOKEN: 'xoxb-1',
        SLACK_SIGNING_SECRET: 'sig',
        SLACK_API_URL: 'http://127.0.0.1:9999/api/',
        SMTP_URL: 'smtp://127.0.0.1:2525',
        ARXFLOW_EMAIL_FROM: 'ops@example.com',
        ARXFLOW_ALERTMANAGER_TOKEN: 'am-token',
      }),
    ).toMatchObject({
      slack: { botToken: 'xoxb-1', signingSecret: 'sig', apiUrl: 'http://127.0.0.1:9999/api/' },
      email: { smtpUrl: 'smtp://127.0.0.1:2525', from: 'ops@example.com' },
      alertTokens: { alertmanager: 'am-token', events: undefined },
    });
    expect(() => parseSettings({ SMTP_URL: 'mail.example.com' })).toThrow(
      /SMTP_URL: must be an smtp:\/\/ or smtps:\/\/ URL/,
    );
  });

  it('reads every setting from its variable', () => {
    const settings = parseSettings({
      ARXFLOW_PORT: '9090',
      ARXFLOW_DATA_DIR: '/var/lib/arxflow',
      DATABASE_URL: 'postgresql://a:b@db:5432/arx',
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_NAMESPACE: 'construction',
      ARXFLOW_TASK_QUEUE: 'arx-prod',
      ARXFLOW_UI_IDENTITY: 'trusted',
    });
    expect(settings).toMatchObject({
      gatewayPort: 9090,
      dataDir: '/var/lib/arxflow',
      databaseUrl: 'postgresql://a:b@db:5432/arx',
      temporalAddress: 'temporal.internal:7233',
      namespace: 'construction',
      taskQueue: 'arx-prod',
      identity: { keys: undefined, ui: 'trusted' },
    });
  });

  it('treats empty DATABASE_URL and TEMPORAL_ADDRESS as unset', () => {
    expect(parseSettings({ DATABASE_URL: '', TEMPORAL_ADDRESS: '' })).toMatchObject({
      databaseUrl: undefined,
      temporalAddress: undefined,
    });
  });

  it.each([
    [{ ARXFLOW_PORT: 'eighty' }, 'ARXFLOW_PORT'],
    [{ ARXFLOW_PORT: '70000' }, 'ARXFLOW_PORT'],
    [{ ARXFLOW_TEMPORAL_UI_PORT: '0' }, 'ARXFLOW_TEMPORAL_UI_PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ ARXFLOW_LOG_LEVEL: 'loud' }, 'ARXFLOW_LOG_LEVEL'],
    [{ ARXFLOW_MAKER_CHECKER_WINDOW: 'a week' }, 'ARXFLOW_MAKER_CHECKER_WINDOW'],
    [{ ARXFLOW_JWT_SECRET: 'short' }, 'ARXFLOW_JWT_SECRET'],
    [{ ARXFLOW_JWKS_URL: 'not a url' }, 'ARXFLOW_JWKS_URL'],
    [{ ARXFLOW_IDENTITY_KEYS: 'k1:short' }, 'ARXFLOW_IDENTITY_KEYS'],
    [{ ARXFLOW_IDENTITY_KEYS: 'k.1:cCbXKMMlccQzV6qW6zZ4ciaLeNcDmDYfXtKINvyrYPE=' }, 'ARXFLOW_IDENTITY_KEYS'],
    [{ ARXFLOW_UI_IDENTITY: 'maybe' }, 'ARXFLOW_UI_IDENTITY'],
  ])('refuses %o naming %s', (env, variable) => {
    expect(() => parseSettings(env)).toThrow(InputError);
    expect(() => parseSettings(env)).toThrow(new RegExp(`^environment: ${variable}: `));
  });
});
