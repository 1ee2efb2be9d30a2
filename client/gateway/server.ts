import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Client } from '@temporalio/client';
import type { AppLogger } from '../../workers/logger';
import { registerHealthRoutes } from './health-routes';

export interface GatewayDeps {
  temporal: Client;
  taskQueue: string;
  logger: AppLogger;
  readyTimeout?: string;
}

/** The HTTP gateway. Issue-specific routes register themselves here as they arrive. */
export function buildGateway(deps: GatewayDeps): FastifyInstance {
  const loggerInstance: FastifyBaseLogger = deps.logger.child({ component: 'gateway' });
  const app = Fastify({ loggerInstance, bodyLimit: 1024 * 1024 });
  registerHealthRoutes(app, deps);
  return app;
}
