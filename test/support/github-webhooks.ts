import type { WebhookSource } from '../../gateway/webhooks/sources';
import { signGithub } from '../../platform/webhook-signatures';

/**
 * A `github` webhook source whose push and pull_request events run pipelines of `repo` (a local
 * path), as the config file's `webhooks.github` with a `pipelines:` setting loads.
 */
export function githubPipelineSource(repo: string, secret: string): WebhookSource {
  return {
    name: 'github',
    scheme: 'github',
    secrets: [secret],
    tolerance: 300_000,
    rateLimit: { max: 10_000, timeWindowMs: 60_000 },
    events: [],
    pipelines: { repo },
  };
}

/** The headers GitHub sends with an event: its name, the delivery id and the body's X-Hub-Signature-256. */
export function githubEventHeaders(
  event: string,
  body: string,
  options: { secret: string; delivery: string; signature?: string },
): Record<string, string> {
  return {
    'x-github-event': event,
    'x-github-delivery': options.delivery,
    'x-hub-signature-256': options.signature ?? signGithub(body, options.secret),
  };
}
