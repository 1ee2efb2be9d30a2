import { Client, Connection } from '@temporalio/client';
import { parseSettings, type Settings } from '../domain/settings';
import { temporalTarget } from '../platform/connection';
import { CliError } from './output';
import { dataConverterForSettings } from '../platform/codec/data-converter';

/** Opens a Temporal client from the environment; the caller closes it with `close()`. */
export async function openTemporalClient(settings: Settings = parseSettings(process.env)) {
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
