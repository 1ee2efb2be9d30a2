// One alert as the benches send it, and the Slack stand-in watched for its message: shared by
// `npm run bench -- alerts` (bench/alerts.ts) and `-- cluster` (bench/cluster-load.ts).
import type { SlackApiServer } from '../test/support/slack-api-server';

/** POST /v1/events: a PagerDuty Events v2 trigger of a new alert whose summary carries `key`. */
export async function postAlert(gatewayUrl: string, key: string): Promise<void> {
  const response = await fetch(`${gatewayUrl}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      routing_key: 'bench',
      event_action: 'trigger',
      dedup_key: key,
      payload: { summary: `Bench alert ${key}`, source: 'bench', severity: 'critical' },
    }),
  });
  if (response.status !== 202) throw new Error(`POST /v1/events answered ${response.status}: ${await response.text()}`);
}

/**
 * Resolves when the Slack server has received the message naming `key` (a `bench-...` word
 * in its text: the alert's summary carries its dedup key into the message).
 */
export function slackWatcher(slack: SlackApiServer) {
  const waiting = new Map<string, () => void>();
  const seen = new Set<string>();
  let scanned = 0;
  const poll = setInterval(() => {
    const calls = slack.calls('chat.postMessage');
    for (const call of calls.slice(scanned)) {
      const key = /bench-[\w-]+/.exec(String(call.params.text))?.[0];
      if (!key || seen.has(key)) continue;
      seen.add(key);
      waiting.get(key)?.();
    }
    scanned = calls.length;
  }, 2);
  return {
    messageOf: (key: string) => new Promise<void>((resolve) => (seen.has(key) ? resolve() : waiting.set(key, resolve))),
    close: () => clearInterval(poll),
  };
}
