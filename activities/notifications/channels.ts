import type { EscalationTarget } from '../../domain/alerts/escalation-policy';
import { WebClient } from '@slack/web-api';
import { createTransport, type Transporter } from 'nodemailer';

/** Where one notification goes: a Slack channel or user, an email address, an http(s) URL. */
export type NotificationTarget = EscalationTarget;

/** A notification as the workflows describe it; channels render it their way. */
export interface NotificationMessage {
  title: string;
  text: string;
  severity?: string;
  fields?: [label: string, value: string][];
  link?: string;
  /** Slack: Ack and Resolve buttons carrying this alert id (the interactivity endpoint maps them back). */
  alertId?: string;
}

export interface SlackSettings {
  token: string;
  /** Another Web API base URL (a proxy, or the local stand-in in tests); default Slack's. */
  apiUrl?: string;
}

/**
 * The official Slack client, retries left to Temporal: an activity that fails is retried
 * with the workflow's backoff, and a rate-limited call fails fast instead of sleeping
 * inside the activity.
 */
export function slackClient(settings: SlackSettings): WebClient {
  return new WebClient(settings.token, {
    ...(settings.apiUrl
      ? { slackApiUrl: settings.apiUrl.endsWith('/') ? settings.apiUrl : `${settings.apiUrl}/` }
      : {}),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 10_000,
  });
}

export function smtpTransport(smtpUrl: string): Transporter {
  return createTransport(smtpUrl);
}

/** Block Kit: title, text, fields, and for alerts the Ack / Resolve buttons. */
export function slackBlocks(message: NotificationMessage, footer?: string) {
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: message.title.slice(0, 150) } },
    { type: 'section', text: { type: 'mrkdwn', text: message.text.slice(0, 3000) } },
  ];
  if (message.fields?.length) {
    blocks.push({
      type: 'section',
      fields: message.fields.slice(0, 10).map(([label, value]) => ({ type: 'mrkdwn', text: `*${label}*\n${value}` })),
    });
  }
  if (footer) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: footer }] });
  else if (message.alertId) {
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: 'alert_ack',
          text: { type: 'plain_text', text: 'Acknowledge' },
          value: message.alertId,
          style: 'primary',
        },
        {
          type: 'button',
          action_id: 'alert_resolve',
          text: { type: 'plain_text', text: 'Resolve' },
          value: message.alertId,
        },
      ],
    });
  }
  return blocks;
}

/** Plain text for email and the outbox. */
export function plainText(message: NotificationMessage): string {
  const lines = [message.text];
  for (const [label, value] of message.fields ?? []) lines.push(`${label}: ${value}`);
  if (message.link) lines.push('', message.link);
  return lines.join('\n');
}
