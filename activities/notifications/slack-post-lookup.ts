// A Slack post carries its delivery key in the message metadata, so a retried delivery can ask
// Slack whether an earlier attempt already posted it: a worker killed after chat.postMessage
// and before the delivery was recorded leaves a message Slack has and the store does not.
// Slack has no idempotency key on chat.postMessage; its message metadata is the documented way
// to tag a message with an application's own id (scopes: channels:history, groups:history,
// im:history, channels:read, im:write beside chat:write).
import type { WebClient } from '@slack/web-api';
import type { NotificationTarget } from './channels';

/** The metadata event type of every arxflow post; its payload is `{ key }`. */
export const DELIVERY_EVENT_TYPE = 'arxflow_delivery';

/** What chat.postMessage is given, so the post can be found again by its key. */
export function deliveryMetadata(key: string): { event_type: string; event_payload: { key: string } } {
  return { event_type: DELIVERY_EVENT_TYPE, event_payload: { key } };
}

/** How far back before the activity was first scheduled the history is read (clocks differ). */
const CLOCK_MARGIN_SECONDS = 120;
/** History pages read at most: a delivery's retry looks back minutes, not a channel's life. */
const MAX_PAGES = 10;

/**
 * The post an earlier attempt made under `key` to `target` (a Slack channel or user), read from the channel's history
 * since `sinceMs`; undefined when there is none (or the channel cannot be resolved).
 */
export async function findSlackPost(
  slack: WebClient,
  target: NotificationTarget,
  key: string,
  sinceMs: number,
): Promise<{ channel: string; ts: string } | undefined> {
  const channel = await channelIdOf(slack, target);
  if (!channel) return undefined;
  const oldest = String(Math.floor(sinceMs / 1000) - CLOCK_MARGIN_SECONDS);
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const history = await slack.conversations.history({
      channel,
      oldest,
      include_all_metadata: true,
      limit: 200,
      ...(cursor ? { cursor } : {}),
    });
    const found = history.messages?.find(
      (message) =>
        message.metadata?.event_type === DELIVERY_EVENT_TYPE &&
        (message.metadata.event_payload as { key?: unknown } | undefined)?.key === key,
    );
    if (found?.ts) return { channel, ts: found.ts };
    cursor = history.response_metadata?.next_cursor || undefined;
    if (!history.has_more || !cursor) return undefined;
  }
  return undefined;
}

/** A channel id: as given, a user's direct-message channel, or a channel found by its name. */
async function channelIdOf(slack: WebClient, target: NotificationTarget): Promise<string | undefined> {
  if (target.kind === 'slack_user') {
    const opened = await slack.conversations.open({ users: target.to });
    return opened.channel?.id;
  }
  if (/^[CGD][A-Z0-9]+$/.test(target.to)) return target.to;
  const name = target.to.replace(/^#/, '');
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const listed = await slack.conversations.list({
      types: 'public_channel,private_channel',
      exclude_archived: true,
      limit: 1000,
      ...(cursor ? { cursor } : {}),
    });
    const found = listed.channels?.find((c) => c.name === name);
    if (found?.id) return found.id;
    cursor = listed.response_metadata?.next_cursor || undefined;
    if (!cursor) return undefined;
  }
  return undefined;
}
