/* eslint-disable @typescript-eslint/no-require-imports -- loaded when a command connects (see below) */
import type { Connection } from '@temporalio/client';
import { parseSettings, type Settings } from '../domain/settings';
import { CliError } from './output';

/**
 * Opens a Temporal client from the environment; the caller closes it with `close()`. The SDK's
 * client (gRPC, protobufs: about half a second to load) loads here, when a command connects,
 * not for every command that goes through the gateway.
 */
export async function openTemporalClient(settings: Settings = parseSettings(process.env)) {
  const { Client, Connection } = require('@temporalio/client') as typeof import('@temporalio/client');
  const { temporalTarget } = require('../platform/connection') as typeof import('../platform/connection');
  const { dataConverterForSettings } =
    require('../platform/codec/data-converter') as typeof import('../platform/codec/data-converter');
  const target = temporalTarget(settings);
  const address = target.connectionOptions.address;
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...(target.connectionOptions as object), connectTimeout: 5000 } as never);
  } catch (err) {
    throw new CliError(
      `cannot reach Temporal at ${address} (${(err as Error).message}); is \`npm start\` running, or is TEMPORAL_ADDRESS set?`,
    );
  }
  return {
    client: new Client({ connection, namespace: target.namespace, dataConverter: dataConverterForSettings(settings) }),
    settings,
    close: () => connection.close(),
  };
}
