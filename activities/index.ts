import { tmpdir } from 'node:os';
import path from 'node:path';
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
import { createGithubActivities } from './github';
import type { GithubSettings } from './github/github-client';
import { createPipelineActivities } from './pipelines';
import { createQualityActivities } from './quality';
import { createDeployActivities } from './deploy';
import { createSyncActivities } from './sync';
import type { EscalationConfig } from '../domain/alerts/escalation-policy';
import { parseEscalationConfig } from '../domain/alerts/escalation-policy-schemas';
import { DEFAULT_ESCALATION } from '../domain/config-file';
import type { SyncConfig } from '../domain/sync/sync-types';

export interface ActivityDeps {
  store: Store;
  /** The payment provider's client; default: ledger-only (a funds-available check in the store's ledger). */
  paymentProvider?: PaymentProvider;
  /** Slack's official client (SLACK_BOT_TOKEN); unset: Slack messages go to the outbox. */
  slack?: WebClient;
  /** nodemailer over SMTP_URL; unset: emails go to the outbox. */
  email?: { transport: Transporter; from: string };
  /** ARXFLOW_WEBHOOK_SIGNING_SECRETS: sign notifications POSTed to webhook targets; unset: unsigned. */
  webhookSigningSecrets?: readonly string[];
  /**
   * Pipeline workspaces, mirrors, build caches and kept files live under `<dataDir>/pipelines/`
   * (the worker's data dir). Unset: a folder of this process under the system's temp dir, for
   * tests and tools that run no pipelines.
   */
  dataDir?: string;
  /** Build caches are evicted least-recently-used past this size (default 2 GiB). */
  pipelineCacheMaxBytes?: number;
  /** GITHUB_TOKEN (+ GITHUB_API_URL); unset: commit statuses and PR comments go to the outbox. */
  github?: GithubSettings;
  /** PROMETHEUS_URL: deployment analysis queries it when a service's config names no prometheusUrl. */
  prometheusUrl?: string;
  /** The config file's escalation policies (a failed rollback raises a critical alert by them); default DEFAULT_ESCALATION. */
  escalation?: EscalationConfig;
  /** The config file's `sync:` section (subscribers, content limit); unset: no subscribers, SYNC_LIMITS. */
  sync?: SyncConfig;
}

/** All activities of the arxflow task queue, bound to their dependencies (real ones in tests too). */
export function createActivities(deps: ActivityDeps) {
  const dataDir = path.resolve(deps.dataDir ?? path.join(tmpdir(), `arxflow-activities-${process.pid}`));
  const notifications = createNotificationActivities({
    store: deps.store,
    slack: deps.slack,
    email: deps.email,
    webhookSigningSecrets: deps.webhookSigningSecrets,
  });
  return {
    ...createHealthActivities(deps),
    ...createAuditActivities(deps),
    ...createFundingGateActivities(deps),
    ...createFundingPaymentActivities({ store: deps.store, provider: deps.paymentProvider }),
    ...createTaskTriggerActivities({ store: deps.store }),
    ...notifications,
    ...createComplianceActivities({ store: deps.store }),
    ...createAlertActivities({ store: deps.store }),
    ...createPipelineActivities({ store: deps.store, dataDir, cacheMaxBytes: deps.pipelineCacheMaxBytes }),
    // Remediation owners hear through the same channels as every other notification.
    ...createQualityActivities({ store: deps.store, dataDir, notify: notifications.deliverNotification }),
    ...createGithubActivities({ store: deps.store, github: deps.github }),
    ...createDeployActivities({
      store: deps.store,
      dataDir,
      prometheusUrl: deps.prometheusUrl,
      escalation: deps.escalation ?? parseEscalationConfig(DEFAULT_ESCALATION),
    }),
    // Subscribers of documents hear through the same channels (and delivery keys) as everything else.
    ...createSyncActivities({ store: deps.store, config: deps.sync, notify: notifications.deliverNotification }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
