import type { WebClient } from '@slack/web-api';
import type { Transporter } from 'nodemailer';
import type { Store } from '../db/store';
import { createAlertActivities } from './alerts';
import { createAuditActivities } from './audit';
import { createComplianceActivities } from './compliance';
import { createFundingGateActivities } from './funding-gate';
import { createFundingPaymentActivities, type PaymentProvider } from './funding-payments';
import { createHealthActivities } from './health';
import { createNotificationActivities } from './notifications/deliver';
import { createTaskTriggerActivities } from './task-triggers';

export interface ActivityDeps {
  store: Store;
  /** The payment provider's client; default: ledger-only (a funds-available check in the store's ledger). */
  paymentProvider?: PaymentProvider;
  /** Slack's official client (SLACK_BOT_TOKEN); unset: Slack messages go to the outbox. */
  slack?: WebClient;
  /** nodemailer over SMTP_URL; unset: emails go to the outbox. */
  email?: { transport: Transporter; from: string };
}

/** All activities of the arxflow task queue, bound to their dependencies (real ones in tests too). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createHealthActivities(deps),
    ...createAuditActivities(deps),
    ...createFundingGateActivities(deps),
    ...createFundingPaymentActivities({ store: deps.store, provider: deps.paymentProvider }),
    ...createTaskTriggerActivities({ store: deps.store }),
    ...createNotificationActivities({ store: deps.store, slack: deps.slack, email: deps.email }),
    ...createComplianceActivities({ store: deps.store }),
    ...createAlertActivities({ store: deps.store }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
