import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import type { Settings } from '../domain/settings';

export interface TemporalTarget {
  connectionOptions: NativeConnectionOptions;
  namespace: string;
}

/**
 * Where to reach Temporal. TEMPORAL_ADDRESS set: Temporal's environment conventions
 * (TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_* paths, config profile) through
 * @temporalio/envconfig. Unset: the dev server that `npm start` runs on loopback.
 */
export function temporalTarget(settings: Settings): TemporalTarget {
  if (!settings.temporalAddress) {
    return { connectionOptions: { address: `127.0.0.1:${settings.devServer.port}` }, namespace: settings.namespace };
  }
  const { connectionOptions, namespace } = loadClientConnectConfig();
  return {
    connectionOptions: { ...connectionOptions, address: settings.temporalAddress },
    namespace: namespace ?? settings.namespace,
  };
}
