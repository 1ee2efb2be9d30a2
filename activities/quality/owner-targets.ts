import type { NotificationTarget } from '../notifications/channels';

/**
 * A remediation owner as the pipeline file names it, as a notification target:
 * `slack:#builds` or `slack:C024BE91L` (channel), `slack:U024BE7LH` (user), `email:a@b.c`,
 * `webhook:https://...`. Undefined for anything else (the caller says it skipped it).
 */
export function ownerTarget(owner: string): NotificationTarget | undefined {
  const colon = owner.indexOf(':');
  if (colon < 1) return undefined;
  const kind = owner.slice(0, colon).trim().toLowerCase();
  const to = owner.slice(colon + 1).trim();
  if (to === '') return undefined;
  switch (kind) {
    case 'slack':
      return /^[UW][A-Z0-9]{2,}$/.test(to) ? { kind: 'slack_user', to } : { kind: 'slack_channel', to };
    case 'email':
      return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(to) ? { kind: 'email', to } : undefined;
    case 'webhook':
      return /^https?:\/\//i.test(to) ? { kind: 'webhook', to } : undefined;
    default:
      return undefined;
  }
}
