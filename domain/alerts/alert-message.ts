import type { AlertStatusView } from './alert-state';
import type { EscalationPosition } from './escalation-policy';

/** What a notification about an alert says, whatever the channel (Slack blocks, email text). */
export interface AlertMessage {
  title: string;
  text: string;
  severity: string;
  fields: [string, string][];
  link?: string;
  alertId: string;
}

export function alertMessage(alert: AlertStatusView, position?: EscalationPosition, link?: string): AlertMessage {
  const fields: [string, string][] = [
    ['Severity', alert.severity],
    ['Status', alert.status],
    ['Policy', `${alert.policy} (${alert.urgency} urgency)`],
  ];
  if (position) fields.push(['Escalation', `level ${position.level}, round ${position.round}`]);
  if (alert.service) fields.push(['Service', alert.service]);
  if (alert.count > 1) fields.push(['Seen', `${alert.count} times, last ${alert.lastSeenAt}`]);
  return {
    title: `[${alert.severity.toUpperCase()}] ${alert.summary}`.slice(0, 150),
    text: `${alert.summary}\nAlert ${alert.dedupKey} from ${alert.source}, opened ${alert.openedAt}.`,
    severity: alert.severity,
    fields,
    ...(link ? { link } : {}),
    alertId: alert.dedupKey,
  };
}

/** The line that replaces the buttons once someone acted (chat.update). */
export function closingFooter(alert: AlertStatusView): string | undefined {
  if (alert.resolved) return `:white_check_mark: Resolved by ${alert.resolved.by} at ${alert.resolved.at}`;
  if (alert.acknowledged) return `:eyes: Acknowledged by ${alert.acknowledged.by} at ${alert.acknowledged.at}`;
  return undefined;
}
