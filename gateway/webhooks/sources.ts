import {
  MAX_ACTIVE_SECRETS,
  MIN_SECRET_LENGTH,
  parseWebhooksSection,
  secretEnvVar,
  type WebhookSourceConfig,
} from '../../domain/webhook-config';
import { InputError } from '../../domain/validation';

/** One configured sender with the secrets its signatures are checked against. */
export interface WebhookSource extends Omit<WebhookSourceConfig, 'secrets'> {
  name: string;
  /** Active secrets; a signature valid under any of them passes. Never logged. */
  secrets: readonly string[];
}

export type WebhookSources = ReadonlyMap<string, WebhookSource>;

/**
 * Parses the `webhooks:` config section and resolves each source's secrets. The
 * environment (ARXFLOW_WEBHOOK_SECRET_<SOURCE>, comma-separated) replaces the file's
 * `secrets` when set, so secrets can stay out of the file and rotate without editing it.
 * A source without any secret stops start-up (InputError) naming the source and the variable.
 * `configFile` names the file in the messages.
 */
export function loadWebhookSources(section: unknown, env: NodeJS.ProcessEnv, configFile?: string): WebhookSources {
  // A rule the trigger rules refuse (domain/trigger-rules.ts) stops start-up here too, naming file, source and rule.
  const parsed = parseWebhooksSection(section, configFile ? `${configFile}: webhooks` : 'webhooks');
  const sources = new Map<string, WebhookSource>();
  for (const [name, config] of Object.entries(parsed)) {
    const { secrets: _fromFile, ...settings } = config;
    const source = { ...settings, name } as WebhookSource;
    // Not enumerable: a source that ends up in a log line or a JSON dump carries no secret.
    Object.defineProperty(source, 'secrets', { value: resolveSecrets(name, config, env), enumerable: false });
    sources.set(name, source);
  }
  return sources;
}

function resolveSecrets(name: string, config: WebhookSourceConfig, env: NodeJS.ProcessEnv): string[] {
  const variable = secretEnvVar(name);
  const fromEnv = (env[variable] ?? '')
    .split(',')
    .map((secret) => secret.trim())
    .filter(Boolean);
  if (fromEnv.length === 0) {
    if (config.secrets && config.secrets.length > 0) return config.secrets;
    throw new InputError(
      `webhooks.${name}: no secret: set ${variable} (comma-separated while rotating) or webhooks.${name}.secrets`,
    );
  }
  if (fromEnv.length > MAX_ACTIVE_SECRETS) {
    throw new InputError(
      `${variable}: at most ${MAX_ACTIVE_SECRETS} secrets may be active (the new and the old one while rotating)`,
    );
  }
  if (fromEnv.some((secret) => secret.length < MIN_SECRET_LENGTH)) {
    throw new InputError(`${variable}: each secret must be at least ${MIN_SECRET_LENGTH} characters`);
  }
  return fromEnv;
}
