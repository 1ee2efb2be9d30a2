import { Runtime } from '@temporalio/worker';
import { temporalLogger, type AppLogger } from '../platform/logger';

/**
 * Installs the process-wide Temporal runtime once: SDK and Core logs through pino,
 * worker metrics for Prometheus on `metricsAddress` (host:port). Signal handling is
 * left to the caller, which shuts things down in order.
 */
export function installRuntime(logger: AppLogger, metricsAddress: string): void {
  Runtime.install({
    logger: temporalLogger(logger.child({ component: 'temporal' })),
    shutdownSignals: [],
    telemetryOptions: {
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
      metrics: { prometheus: { bindAddress: metricsAddress } },
    },
  });
}
