import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GatewayClient } from '../../client/api/gateway-client';
import { InputError } from '../../domain/validation';
import { EXIT, exitCodeOf } from '../../cli/output';

// Found by the bad-input chaos scenario: `arxflow compliance store-plan` with a plan nested 10,000 deep
// said "cannot reach the gateway: Maximum call stack size exceeded" (exit 1): JSON.stringify of the
// body overflowed inside the try that reports fetch failures.
describe('GatewayClient: a body JSON cannot carry', () => {
  it('is bad input (exit 2) and nothing is sent', async () => {
    let requests = 0;
    const server = createServer((_req, res) => {
      requests++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const client = new GatewayClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 'token');
      let deep: unknown = 1;
      for (let i = 0; i < 100_000; i++) deep = [deep];
      const refused = await client.request('POST', '/v1/anything', { plan: deep }).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(InputError);
      expect((refused as Error).message).toBe('request body: cannot be sent as JSON (nested too deeply)');
      expect(exitCodeOf(refused)).toBe(EXIT.badInput);
      expect(requests).toBe(0);
      // The same client sends a body it can carry: the check is not what refuses.
      await expect(client.request('POST', '/v1/anything', { plan: [[1]] })).resolves.toEqual({});
      expect(requests).toBe(1);
    } finally {
      server.close();
    }
  });
});
