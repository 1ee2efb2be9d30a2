import { z } from 'zod';
import { durationSchema } from './durations';
import { DEFAULT_MAKER_CHECKER_WINDOW } from './funding/program';
import { lazySchema } from './lazy-schema';
import { parseInput } from './validation';

const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);
const optionalText = lazySchema(() => z.string().trim().min(1).optional().catch(undefined));

/** Every environment variable arxflow reads itself (Temporal's TEMPORAL_* TLS/API-key
 * variables are read by @temporalio/envconfig); defaults need none of them set. */
const environmentSchema = lazySchema(() =>
  z.object({
    ARXFLOW_PORT: port(8080),
    ARXFLOW_HOST: z.string().min(1).default('127.0.0.1'),
    ARXFLOW_DATA_DIR: z.string().min(1).default('.arxflow'),
    ARXFLOW_TASK_QUEUE: z.string().min(1).default('arxflow'),
    ARXFLOW_METRICS_PORT: port(9464),
    ARXFLOW_TEMPORAL_PORT: port(7233),
    ARXFLOW_TEMPORAL_UI_PORT: port(8233),
    ARXFLOW_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
    DATABASE_URL: z
      .string()
      .trim()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional()
      .or(z.literal('').transform(() => undefined)),
    TEMPORAL_ADDRESS: optionalText,
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    ARXFLOW_CONFIG: z.string().min(1).default('arxflow.config.yaml'),
    ARXFLOW_JWT_SECRET: z
      .string()
      .min(32, 'must be at least 32 characters')
      .optional()
      .or(z.literal('').transform(() => undefined)),
    ARXFLOW_JWKS_URL: z
      .url()
      .optional()
      .or(z.literal('').transform(() => undefined)),
    ARXFLOW_JWT_ISSUER: z.string().min(1).default('arxflow'),
    ARXFLOW_JWT_AUDIENCE: z.string().min(1).default('arxflow'),
    ARXFLOW_JWT_MAX_LIFETIME: durationSchema.default('12h'),
    // Read by db/audit-key.ts when the store opens; validated here so a bad value stops start-up.
    ARXFLOW_AUDIT_KEY: z
      .string()
      .trim()
      .min(32, 'must be at least 32 characters')
      .optional()
      .or(z.literal('').transform(() => undefined)),
    ARXFLOW_WEB_UI_ORIGIN: z.string().min(1).optional(),
    ARXFLOW_ENCRYPTION_KEYS: optionalText,
    ARXFLOW_IDENTITY_KEYS: z
      .string()
      .trim()
      .regex(
        /^[\w-]+:[A-Za-z0-9+/]{43}=(\s*,\s*[\w-]+:[A-Za-z0-9+/]{43}=)*$/,
        'must be keyId:base64-32-bytes[,keyId:...] (key ids of letters, digits, _ or -)',
      )
      .optional()
      .or(z.literal('').transform(() => undefined)),
    ARXFLOW_UI_IDENTITY: z.enum(['on', 'stamped', 'trusted', 'off']).default('on'),
    SLACK_BOT_TOKEN: optionalText,
    SLACK_SIGNING_SECRET: optionalText,
    SLACK_API_URL: z
      .url()
      .optional()
      .or(z.literal('').transform(() => undefined)),
    SMTP_URL: z
      .string()
      .trim()
      .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
      .optional()
      .or(z.literal('').transform(() => undefined)),
    ARXFLOW_EMAIL_FROM: z.string().trim().min(3).default('arxflow <arxflow@localhost>'),
    // Comma-separated: while a receiver rotates, both secrets sign (one v1 each), the new one first.
    ARXFLOW_WEBHOOK_SIGNING_SECRETS: z
      .string()
      .trim()
      .transform((value) => value.split(',').map((secret) => secret.trim()))
      .pipe(z.array(z.string().min(16, 'each secret must be at least 16 characters')))
      .optional()
      .or(z.literal('').transform(() => undefined)),
    ARXFLOW_ALERTMANAGER_TOKEN: optionalText,
    ARXFLOW_EVENTS_TOKEN: optionalText,
    ARXFLOW_METRICS_TOKEN: optionalText,
    ARXFLOW_MAKER_CHECKER_WINDOW: durationSchema.default(DEFAULT_MAKER_CHECKER_WINDOW),
    GITHUB_TOKEN: optionalText,
    GITHUB_API_URL: z
      .url()
      .optional()
      .or(z.literal('').transform(() => undefined)),
    ARXFLOW_PUBLIC_URL: z
      .url()
      .optional()
      .or(z.literal('').transform(() => undefined)),
    ARXFLOW_PIPELINE_CACHE_MAX_MB: z.coerce.number().int().min(1).default(2048),
    // The worker's memory budget (workers/worker-cache.ts sizes its workflow cache from it); unset: from the machine.
    ARXFLOW_WORKER_MEMORY_MIB: z.preprocess(
      (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
      z.coerce
        .number('must be a number of MiB')
        .int('must be a whole number of MiB')
        .positive('must be a positive number of MiB')
        .optional(),
    ),
    PROMETHEUS_URL: z
      .url()
      .optional()
      .or(z.literal('').transform(() => undefined)),
  }),
);

export interface Settings {
  gatewayPort: number;
  gatewayHost: string;
  dataDir: string;
  taskQueue: string;
  metricsPort: number;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  databaseUrl?: string;
  namespace: string;
  /** Set: use that Temporal server. Unset: `npm start` runs a dev server on devServer's ports. */
  temporalAddress?: string;
  devServer: { port: number; uiPort: number };
  /** YAML file with webhook sources and schedules (missing file: none of either). */
  configFile: string;
  /** `maxLifetime`: the longest `exp - iat` a token may have (a duration). */
  auth: { jwtSecret?: string; jwksUrl?: string; issuer: string; audience: string; maxLifetime: string };
  /** Origin of the Temporal Web UI allowed to call the codec endpoints (CORS). */
  webUiOrigin: string;
  /** `keyId:base64key,...`; the first key encrypts, every key decrypts. Unset: payloads are not encrypted. */
  encryptionKeys?: string;
  /** Identity stamps (platform/codec/identity-codec.ts): `keys` as encryptionKeys (unset: a dev key in the data dir);
   * `ui`: `on` = `trusted` only with the embedded dev server and no real auth, else `stamped`;
   * `off` refuses identities sent from the Temporal Web UI even in development
   * (platform/codec/data-converter.ts uiIdentityMode). */
  identity: { keys?: string; ui: 'on' | 'stamped' | 'trusted' | 'off' };
  /** Unset token: Slack notifications go to the outbox. `apiUrl`: another Web API base URL. */
  slack: { botToken?: string; signingSecret?: string; apiUrl?: string };
  /** Unset smtpUrl: emails go to the outbox. */
  email: { smtpUrl?: string; from: string };
  /** Sign every notification POSTed to a webhook target (`x-arxflow-signature`); unset: sent unsigned. */
  webhookSigningSecrets?: string[];
  /** Bearer tokens of the alert intake routes; a source without one accepts loopback callers only. */
  alertTokens: { alertmanager?: string; events?: string; metrics?: string };
  /** Whoever changed a project's funding program or payees may not decide its draws for this long. */
  makerCheckerWindow: string;
  /** Commit statuses and PR comments of pipeline runs. Unset token: they go to the outbox. `apiUrl`: GitHub Enterprise or a local server. */
  github: { token?: string; apiUrl?: string };
  pipelines: {
    /** Where links in commit statuses and PR comments point (the gateway as users reach it). */
    publicUrl: string;
    /** Build caches under the data dir are evicted least-recently-used past this size. */
    cacheMaxBytes: number;
  };
  /**
   * PROMETHEUS_URL: the Prometheus that deployment analysis queries (`/api/v1/query`) when a
   * service's config names none. Unset: `provider: auto` reads the service's own /metrics.
   */
  prometheusUrl?: string;
  /** ARXFLOW_WORKER_MEMORY_MIB: the worker's memory budget in MiB; unset: derived from the machine (workers/worker-cache.ts). */
  workerMemoryMiB?: number;
}

export function parseSettings(env: Record<string, string | undefined>): Settings {
  const e = parseInput(environmentSchema, env, 'environment');
  return {
    gatewayPort: e.ARXFLOW_PORT,
    gatewayHost: e.ARXFLOW_HOST,
    dataDir: e.ARXFLOW_DATA_DIR,
    taskQueue: e.ARXFLOW_TASK_QUEUE,
    metricsPort: e.ARXFLOW_METRICS_PORT,
    logLevel: e.ARXFLOW_LOG_LEVEL,
    databaseUrl: e.DATABASE_URL,
    namespace: e.TEMPORAL_NAMESPACE,
    temporalAddress: e.TEMPORAL_ADDRESS,
    devServer: { port: e.ARXFLOW_TEMPORAL_PORT, uiPort: e.ARXFLOW_TEMPORAL_UI_PORT },
    configFile: e.ARXFLOW_CONFIG,
    auth: {
      jwtSecret: e.ARXFLOW_JWT_SECRET,
      jwksUrl: e.ARXFLOW_JWKS_URL,
      issuer: e.ARXFLOW_JWT_ISSUER,
      audience: e.ARXFLOW_JWT_AUDIENCE,
      maxLifetime: e.ARXFLOW_JWT_MAX_LIFETIME,
    },
    webUiOrigin: e.ARXFLOW_WEB_UI_ORIGIN ?? `http://localhost:${e.ARXFLOW_TEMPORAL_UI_PORT}`,
    encryptionKeys: e.ARXFLOW_ENCRYPTION_KEYS,
    identity: { keys: e.ARXFLOW_IDENTITY_KEYS, ui: e.ARXFLOW_UI_IDENTITY },
    slack: { botToken: e.SLACK_BOT_TOKEN, signingSecret: e.SLACK_SIGNING_SECRET, apiUrl: e.SLACK_API_URL },
    email: { smtpUrl: e.SMTP_URL, from: e.ARXFLOW_EMAIL_FROM },
    ...(e.ARXFLOW_WEBHOOK_SIGNING_SECRETS ? { webhookSigningSecrets: e.ARXFLOW_WEBHOOK_SIGNING_SECRETS } : {}),
    alertTokens: {
      alertmanager: e.ARXFLOW_ALERTMANAGER_TOKEN,
      events: e.ARXFLOW_EVENTS_TOKEN,
      metrics: e.ARXFLOW_METRICS_TOKEN,
    },
    makerCheckerWindow: e.ARXFLOW_MAKER_CHECKER_WINDOW,
    github: { token: e.GITHUB_TOKEN, apiUrl: e.GITHUB_API_URL },
    pipelines: {
      publicUrl: (e.ARXFLOW_PUBLIC_URL ?? `http://localhost:${e.ARXFLOW_PORT}`).replace(/\/+$/, ''),
      cacheMaxBytes: e.ARXFLOW_PIPELINE_CACHE_MAX_MB * 1024 * 1024,
    },
    prometheusUrl: e.PROMETHEUS_URL?.replace(/\/+$/, ''),
    workerMemoryMiB: e.ARXFLOW_WORKER_MEMORY_MIB,
  };
}
