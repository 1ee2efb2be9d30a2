import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Client } from '@temporalio/client';
import type { Store } from '../db/store';
import type { AppLogger } from '../platform/logger';
import { TemporalOperations } from '../client/api/temporal-operations';
import { authenticateBeforeValidation } from './auth';
import { type Authenticator } from '../platform/tokens';
import { refuseInvalidUnicode } from './unicode-guard';
import { registerAlertRoutes, type AlertGatewayConfig } from './alerts/routes';
import { registerAuditRoutes } from './audit-routes';
import { registerNlpRoutes } from './nlp-routes';
import { registerStreamRoutes } from './stream-routes';
import { registerComplianceReportRoutes } from './compliance-report-routes';
import { registerCompliancePlanRoutes } from './compliance-plan-routes';
import { BlobStore } from '../db/blob-store';
import { registerCodecRoutes, type CodecServerConfig } from './codec-routes';
import { describeUiIdentity } from '../platform/codec/data-converter';
import { registerErrorHandler } from './errors';
import { registerHealthRoutes } from './health-routes';
import { registerMetrics, type GatewayMetrics } from './metrics';
import { registerScheduleRoutes } from './schedule-routes';
import { registerTaskTriggerRoutes } from './task-trigger-routes';
import { registerWebhookRoutes, type WebhookSources } from './webhooks/routes';
import { WebhookDeliveries } from '../db/webhook-deliveries';
import { registerWorkflowRoutes } from './workflow-routes';
import { registerFundingProgramRoutes } from './funding-program-routes';
import { FundingPrograms } from '../db/funding-programs';
import { DEFAULT_MAKER_CHECKER_WINDOW } from '../domain/funding/program';
import type { ScheduleConfig } from '../domain/schedule-config';
import type { ComplianceConfig } from '../domain/compliance-review-schemas';
import { configFileSchema } from '../domain/config-file';
import { registerPipelineRoutes } from './pipeline-routes';
import { registerQualityRoutes } from './quality-routes';
import { TemporalPipelineOperations } from '../client/api/pipeline-temporal-operations';
import { startPipelineRun } from '../client/api/pipeline-starts';
import { registerDeployRoutes } from './deploy-routes';
import { TemporalDeployOperations } from '../client/api/deploy-temporal-operations';
import type { DeploymentsSource } from '../client/api/deploy-starts';
import { registerSyncRoutes } from './sync-routes';
import { TemporalSyncOperations } from '../client/api/sync-temporal-operations';
import { SyncStore } from '../db/sync-store';
import type { SyncConfig } from '../domain/sync/sync-types';

export interface GatewayDeps {
  temporal: Client;
  taskQueue: string;
  logger: AppLogger;
  authenticator: Authenticator;
  store: Store;
  /** The configured schedules that POST /v1/schedules/sync applies. */
  schedules: ScheduleConfig[];
  /** Webhook sources of the config file, secrets resolved (see loadWebhookSources). */
  webhookSources?: WebhookSources;
  /** Whoever changed a project's funding program or payees may not decide its draws for this long (default 7 days). */
  makerCheckerWindow?: string;
  /** Alert intake tokens, escalation policies and the Slack signing secret (see alerts/routes.ts). */
  alerts?: AlertGatewayConfig;
  /** The config file's plan review teams per jurisdiction; unset: none, every complianceReview start is refused (422). */
  compliance?: ComplianceConfig;
  /** The codec server (/codec/encode, /codec/decode, /v1/ui-session): identity stamps, and encryption when on. */
  codec?: CodecServerConfig;
  /** The worker's data dir: a pipeline start mirrors a remote repository there to check its pipeline file (unset: a temporary mirror). */
  dataDir?: string;
  /** ARXFLOW_PUBLIC_URL: pipeline runs carry a link to themselves (commit statuses, the PR comment). */
  publicUrl?: string;
  /**
   * The config file's `deployments:` section and the folder of the file (relative artifact paths);
   * unset: no service is configured, every deployment start is a 400 naming the service.
   */
  deployments?: DeploymentsSource;
  /** The config file's `sync:` section (only maxContentBytes is read here); unset: SYNC_LIMITS. */
  sync?: Partial<SyncConfig>;
}

export interface Gateway {
  app: FastifyInstance;
  metrics: GatewayMetrics;
}

/** The HTTP gateway: health, metrics, OpenAPI, workflows API, audit, schedules, task triggers, webhooks, codec server. */
export async function buildGateway(deps: GatewayDeps): Promise<Gateway> {
  const loggerInstance: FastifyBaseLogger = deps.logger.child({ component: 'gateway' });
  const app = Fastify({
    loggerInstance,
    bodyLimit: 1024 * 1024,
    connectionTimeout: 30_000,
    requestTimeout: 30_000,
    // Sender keys are up to 255 characters and alert workflow ids up to 261 (default 100: 414 for longer ones).
    routerOptions: { maxParamLength: 1024 },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandler(app);
  authenticateBeforeValidation(app); // before any route: requireRole runs at onRequest (401 before 400)
  refuseInvalidUnicode(app);

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'arxflow gateway',
        version: '1',
        description:
          'Start and steer arxflow workflows. Bearer JWT with roles viewer, operator, approver, deployer, reviewer, admin.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  const metrics = registerMetrics(app);
  registerHealthRoutes(app, {
    ...deps,
    uiIdentity: deps.codec ? describeUiIdentity(deps.codec.codecs.uiIdentity) : undefined,
  });
  const draws = {
    programs: async () => new FundingPrograms(deps.store.db, deps.store.audit),
    makerCheckerWindow: deps.makerCheckerWindow ?? DEFAULT_MAKER_CHECKER_WINDOW,
  };
  // What starts may not take from the body: review teams and escalation policies of the config file.
  const config = () => ({
    compliance: deps.compliance ?? { jurisdictions: [] },
    escalation: deps.alerts?.escalation ?? configFileSchema.parse({}).escalation,
  });
  registerWorkflowRoutes(app, {
    operations: new TemporalOperations(deps.temporal, deps.taskQueue, {
      draws,
      config,
      blobs: async () => new BlobStore(deps.store.db),
      ...(deps.deployments ? { deployments: () => deps.deployments! } : {}),
    }),
    authenticator: deps.authenticator,
  });
  registerFundingProgramRoutes(app, deps);
  registerAuditRoutes(app, { store: deps.store, authenticator: deps.authenticator });
  registerNlpRoutes(app, { store: deps.store, authenticator: deps.authenticator });
  registerStreamRoutes(app, { store: deps.store, authenticator: deps.authenticator });
  registerComplianceReportRoutes(app, deps);
  registerCompliancePlanRoutes(app, deps);
  registerScheduleRoutes(app, deps);
  registerTaskTriggerRoutes(app, deps);
  registerWebhookRoutes(app, {
    temporal: deps.temporal,
    taskQueue: deps.taskQueue,
    deliveries: new WebhookDeliveries(deps.store.db),
    sources: deps.webhookSources ?? new Map(),
    webhookVerifications: metrics.webhookVerifications,
    startPipeline: (input) => startPipelineRun(deps.temporal, deps.taskQueue, input, deps.publicUrl),
  });
  registerPipelineRoutes(app, {
    operations: new TemporalPipelineOperations({
      client: deps.temporal,
      taskQueue: deps.taskQueue,
      db: deps.store.db,
      dataDir: deps.dataDir,
      publicUrl: deps.publicUrl,
    }),
    authenticator: deps.authenticator,
  });
  registerQualityRoutes(app, deps);
  const { deployments } = deps;
  registerDeployRoutes(app, {
    operations: new TemporalDeployOperations({
      client: deps.temporal,
      taskQueue: deps.taskQueue,
      ...(deployments ? { deployments: () => deployments } : {}),
    }),
    authenticator: deps.authenticator,
  });
  registerSyncRoutes(app, {
    operations: new TemporalSyncOperations({
      client: deps.temporal,
      taskQueue: deps.taskQueue,
      store: new SyncStore(deps.store.db),
      maxContentBytes: deps.sync?.maxContentBytes,
    }),
    authenticator: deps.authenticator,
  });
  registerAlertRoutes(app, deps);
  if (deps.codec) await registerCodecRoutes(app, { ...deps.codec, authenticator: deps.authenticator });
  return { app, metrics };
}
