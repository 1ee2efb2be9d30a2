import { ApplicationFailure, Context } from '@temporalio/activity';
import type { WebClient } from '@slack/web-api';
import type { Transporter } from 'nodemailer';
import { createHash } from 'node:crypto';
import { NotificationDeliveries, type DeliveryChannel } from '../../db/notification-deliveries';
import { queueNotification } from '../../db/notification-outbox';
import type { Store } from '../../db/store';
import { DELIVERY_HEADER, SIGNATURE_HEADER, signTimestamped } from '../../platform/webhook-signatures';
import { heartbeating } from '../heartbeat';
import { plainText, slackBlocks, type NotificationMessage, type NotificationTarget } from './channels';
import { deliveryMetadata, findSlackPost } from './slack-post-lookup';

export interface DeliveryRequest {
  /** Unique per message and target (e.g. `alert/<id>/level-1/round-0/<target>`): a retry never posts twice. */
  key: string;
  target: NotificationTarget;
  message: NotificationMessage;
}

export interface DeliveryResult {
  channel: DeliveryChannel;
  ref: Record<string, unknown>;
  /** true when an earlier attempt had already delivered it. */
  duplicate: boolean;
}

export interface NotificationDeps {
  store: Store;
  /** Unset: Slack messages go to the outbox (development without a workspace). */
  slack?: WebClient;
  /** Unset: emails go to the outbox. */
  email?: { transport: Transporter; from: string };
  fetchImpl?: typeof fetch;
  /**
   * Set: each webhook POST carries `x-arxflow-signature: t=<unix>,v1=<hex>` (one v1 per secret),
   * the scheme arxflow's own webhook routes and the data sync hooks use, so a receiver can tell
   * arxflow's notifications from anyone else's POST. Unset: sent unsigned.
   */
  webhookSigningSecrets?: readonly string[];
}

/**
 * Sends notifications to Slack (official client), email (nodemailer over SMTP) or a
 * webhook, once per delivery key: the delivery is looked up before sending and recorded
 * after. A crash between the send and the record leaves a message the store does not know:
 * a Slack post carries its key in its metadata and a retry finds it in the channel's history
 * (slack-post-lookup.ts) instead of posting again; emails carry a Message-ID derived from the
 * key, so mail clients fold a repeat (SMTP has no way to ask what was delivered).
 * A send heartbeats while it waits on the channel (an SMTP server can hold a connection
 * for minutes), so a workflow's heartbeat timeout finds a dead worker in seconds.
 */
export function createNotificationActivities({
  store,
  slack,
  email,
  fetchImpl = fetch,
  webhookSigningSecrets,
}: NotificationDeps) {
  const deliveries = new NotificationDeliveries(store.db);

  async function toOutbox(request: DeliveryRequest, channel: 'slack' | 'email', recipient: string) {
    const { workflowExecution } = Context.current().info;
    await queueNotification(store.db, {
      key: request.key,
      channel,
      recipients: [recipient],
      subject: request.message.title,
      body: plainText(request.message),
      workflowId: workflowExecution?.workflowId ?? null,
    });
    Context.current().log.info('notification queued to the outbox (channel not configured)', {
      key: request.key,
      channel,
      recipient,
    });
    return { channel: 'outbox' as const, ref: { outboxKey: request.key } };
  }

  async function send(
    request: DeliveryRequest,
    signal: AbortSignal,
  ): Promise<{ channel: DeliveryChannel; ref: Record<string, unknown>; earlier?: true }> {
    const { target, message } = request;
    switch (target.kind) {
      case 'slack_channel':
      case 'slack_user': {
        if (!slack) return toOutbox(request, 'slack', target.to);
        const { attempt, scheduledTimestampMs } = Context.current().info;
        // A retry first asks Slack whether the attempt before it posted (killed before the record).
        const earlier = attempt > 1 ? await findSlackPost(slack, target, request.key, scheduledTimestampMs) : undefined;
        if (earlier) return { channel: 'slack', ref: earlier, earlier: true };
        const posted = await slack.chat.postMessage({
          channel: target.to,
          text: `${message.title}: ${message.text}`,
          blocks: slackBlocks(message) as never,
          metadata: deliveryMetadata(request.key),
        });
        return { channel: 'slack', ref: { channel: posted.channel, ts: posted.ts } };
      }
      case 'email': {
        if (!email) return toOutbox(request, 'email', target.to);
        const sent = await email.transport.sendMail({
          from: email.from,
          to: target.to,
          subject: message.title,
          text: plainText(message),
          messageId: messageIdFor(request.key),
        });
        return { channel: 'email', ref: { messageId: sent.messageId } };
      }
      case 'webhook': {
        const body = JSON.stringify({ key: request.key, ...message });
        const signature = webhookSigningSecrets?.length
          ? { [SIGNATURE_HEADER.timestamped]: signTimestamped(body, webhookSigningSecrets, Date.now() / 1000) }
          : {};
        const response = await fetchImpl(target.to, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [DELIVERY_HEADER.timestamped]: request.key, ...signature },
          body,
          signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]),
        });
        if (!response.ok) throw new Error(`webhook ${target.to} answered ${response.status}`);
        return { channel: 'webhook', ref: { status: response.status } };
      }
    }
  }

  return {
    async deliverNotification(request: DeliveryRequest): Promise<DeliveryResult> {
      const earlier = await deliveries.get(request.key);
      if (earlier) return { channel: earlier.channel, ref: earlier.ref, duplicate: true };
      const { channel, ref, earlier: found } = await heartbeating((signal) => send(request, signal));
      await deliveries.record({ key: request.key, channel, target: describeTarget(request.target), ref });
      return { channel, ref, duplicate: found === true };
    },

    /**
     * Rewrites a Slack message posted under `key` in place (chat.update), e.g. "Acknowledged
     * by ana" without the buttons. Nothing to do when it went to the outbox or elsewhere.
     */
    async updateSlackMessage(request: { key: string; message: NotificationMessage; footer: string }): Promise<boolean> {
      const delivery = await deliveries.get(request.key);
      if (!delivery || delivery.channel !== 'slack' || !slack) return false;
      const { channel, ts } = delivery.ref as { channel?: string; ts?: string };
      if (!channel || !ts)
        throw ApplicationFailure.nonRetryable(`delivery ${request.key} has no Slack channel/ts`, 'InvalidDelivery');
      await heartbeating(() =>
        slack.chat.update({
          channel,
          ts,
          text: `${request.message.title}: ${request.footer}`,
          blocks: slackBlocks(request.message, request.footer) as never,
        }),
      );
      return true;
    },
  };
}

export type NotificationActivities = ReturnType<typeof createNotificationActivities>;

/** For the delivery record: a webhook URL may carry a token, so only its origin is kept. */
function describeTarget(target: NotificationTarget): string {
  return target.kind === 'webhook' ? `webhook:${new URL(target.to).origin}` : `${target.kind}:${target.to}`;
}

function messageIdFor(key: string): string {
  return `<${createHash('sha256').update(key).digest('hex').slice(0, 32)}@arxflow>`;
}
