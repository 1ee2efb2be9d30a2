import { Connection, type ConnectionOptions } from '@temporalio/client';
import { freePort } from '../../scripts/ports';
import { clientConnectionOptions, GRPC_UNAVAILABLE } from '../../platform/connection';

type Interceptor = NonNullable<ConnectionOptions['interceptors']>[number];

/** Tells `onFailure` of each attempt's failed status, after the retry above it has seen it. */
const failedAttempts =
  (onFailure: () => void): Interceptor =>
  (options, nextCall) => {
    const call = nextCall(options);
    const start = call.start.bind(call);
    call.start = (metadata, listener) =>
      start(metadata, {
        onReceiveMetadata: (received) => listener?.onReceiveMetadata?.(received),
        onReceiveMessage: (message) => listener?.onReceiveMessage?.(message),
        onReceiveStatus: (status) => {
          listener?.onReceiveStatus?.(status);
          onFailure();
        },
      });
    return call as ReturnType<Interceptor>; // the SDK's retry above uses only start, sendMessage, halfClose
  };

// Nobody listens on the port: every attempt fails UNAVAILABLE and the retry waits between them.
describe('a client connection to an unreachable Temporal', () => {
  it('gives up after about 1.5 s of UNAVAILABLE when the call has no deadline', async () => {
    const connection = Connection.lazy({ address: `127.0.0.1:${await freePort()}`, ...clientConnectionOptions() });
    const started = Date.now();
    try {
      await expect(connection.workflowService.getSystemInfo({})).rejects.toMatchObject({ code: GRPC_UNAVAILABLE });
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await connection.close();
    }
  });

  // Before, the retry timer threw "Channel has been shut down" where nobody could catch it,
  // and jest blamed whichever test ran next in the worker.
  it('fails the call with its last status when the connection closes while a retry waits', async () => {
    let closing: Promise<void> | undefined;
    const closeOnFirstFailure = () => {
      closing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => connection.close());
    };
    const { interceptors, channelArgs } = clientConnectionOptions();
    const connection = Connection.lazy({
      address: `127.0.0.1:${await freePort()}`,
      interceptors: [...interceptors!, failedAttempts(closeOnFirstFailure)],
      channelArgs,
    });
    const started = Date.now();
    await expect(connection.workflowService.getSystemInfo({})).rejects.toMatchObject({ code: GRPC_UNAVAILABLE });
    await closing;
    expect(closing).toBeDefined();
    expect(Date.now() - started).toBeLessThan(1000); // it ended with the close, not after the retries
    await new Promise((resolve) => setTimeout(resolve, 1600)); // past every retry the budget allowed
  });
});
