import type { FastifyInstance } from 'fastify';
import type { Client } from '@temporalio/client';
import type { EscalationConfig } from '../../domain/alerts/escalation-policy';
import type { ThresholdRule } from '../../domain/alerts/metric-rules';
import { configFileSchema } from '../../domain/config-file';
import type { Store } from '../../db/store';
import { StoreSilenceOperations } from '../../client/api/silence-operations';
import { TemporalOperations } from '../../client/api/temporal-operations';
import type { Authenticator } from '../../platform/tokens';
import { registerAlertOperatorRoutes } from './alert-routes';
import type { IntakeTokens } from './intake-auth';
import { registerAlertIntakeRoutes } from './intake-routes';
import { registerMetricIntakeRoute } from './metric-routes';
import { registerSilenceRoutes } from './silence-routes';
import { registerSlackInteractivityRoute } from './slack-interactivity';
import { nlpAction, registerSlackCommandRoute, type SlackNlpDeps } from '../slack/nlp-command';
import type { Caller } from '../../client/api/operations';
import type { DeploymentsSource } from '../../client/api/deploy-starts';

export { describeIntakeAuth } from './intake-auth';

/** What the alert routes need beyond the gateway's own deps; every field has a safe default. */
export interface AlertGatewayConfig {
  /** The config file's escalation section (default: the built-in policy). */
  escalation?: EscalationConfig;
  /** The config file's metricRules section (default: none, samples are accepted and ignored). */
  metricRules?: ThresholdRule[];
  /** Settings.alertTokens; a source without one accepts loopback callers only. */
  tokens?: IntakeTokens;
  /** Settings.slack.signingSecret; unset, Slack interactivity refuses every request. */
  slackSigningSecret?: string;
  /** How long Slack waits for the update's outcome before the answer goes out anyway (default 2.5 s; Slack gives up at 3 s). */
  slackAnswerWithinMs?: number;
  /** The config file's slack.users: Slack user id -> arxflow identity for /arxflow (unmapped: refused). */
  slackUsers?: Record<string, Caller>;
  /** Tests only: holds a confirmed /arxflow run (default runIntent). */
  slackNlpRun?: SlackNlpDeps['run'];
  /** How long an intake call waits for Temporal before answering 503 (default 10 s). */
  temporalDeadlineMs?: number;
}

/**
 * Alert intake (Alertmanager, PagerDuty events, metric samples), operator routes by alert id
 * or sender's key, Slack interactivity and silences.
 */
export function registerAlertRoutes(
  app: FastifyInstance,
  deps: {
    temporal: Client;
    taskQueue: string;
    store: Store;
    authenticator: Authenticator;
    alerts?: AlertGatewayConfig;
    /** The config file's deployments section: /arxflow deploy starts read it as the deploy routes do. */
    deployments?: DeploymentsSource;
  },
): void {
  const config = deps.alerts ?? {};
  const escalation = config.escalation ?? configFileSchema.parse({}).escalation;
  registerAlertIntakeRoutes(app, {
    temporal: deps.temporal,
    taskQueue: deps.taskQueue,
    tokens: config.tokens ?? {},
    deadlineMs: config.temporalDeadlineMs,
    escalation,
  });
  registerMetricIntakeRoute(app, {
    temporal: deps.temporal,
    taskQueue: deps.taskQueue,
    token: config.tokens?.metrics,
    deadlineMs: config.temporalDeadlineMs,
    config: { rules: config.metricRules ?? [], escalation },
  });
  registerAlertOperatorRoutes(app, {
    operations: new TemporalOperations(deps.temporal, deps.taskQueue),
    authenticator: deps.authenticator,
  });
  const nlp: SlackNlpDeps = {
    temporal: deps.temporal,
    taskQueue: deps.taskQueue,
    store: deps.store,
    signingSecret: config.slackSigningSecret,
    users: config.slackUsers,
    deployments: deps.deployments,
    run: config.slackNlpRun,
  };
  registerSlackCommandRoute(app, nlp);
  registerSlackInteractivityRoute(app, {
    temporal: deps.temporal,
    signingSecret: config.slackSigningSecret,
    answerWithinMs: config.slackAnswerWithinMs,
    nlp: (actionId, value, user, responseUrl, log) => nlpAction(actionId, value, user, nlp, responseUrl, log),
  });
  registerSilenceRoutes(app, {
    silences: new StoreSilenceOperations(deps.store.db),
    authenticator: deps.authenticator,
  });
}
