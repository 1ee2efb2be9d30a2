import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../db/store';
import { AesGcmPayloadCodec, parseEncryptionKeys } from '../../platform/codec/aes-gcm-codec';
import { createArxflowWorker } from '../../workers/worker';
import { durabilityProbe, probeStatusQuery } from '../../workflows';
import { sharedWorkflowBundle } from '../support/bundle';
import { call, startGateway, tokenFor } from '../support/gateway';
import { startDevServerEnv, testCodecs, uniqueTaskQueue } from '../support/temporal-env';
import { dataConverterOf } from '../../platform/codec/data-converter';
import { runArxflow } from '../support/cli-process';
import { openWorldStore } from '../support/store-backends';

const oldKey = `k1:${randomBytes(32).toString('base64')}`;
const newKey = `k2:${randomBytes(32).toString('base64')}`;
const SECRET_LABEL = 'PROJ-ACME-TOWER-LOT-7731';
const WEB_UI = 'http://localhost:8233';

describe('payload encryption (AES-256-GCM) and the codec server', () => {
  let env: TestWorkflowEnvironment;
  let store: Store;
  let app: FastifyInstance;
  let url: string;
  const codec = new AesGcmPayloadCodec(parseEncryptionKeys(`${newKey},${oldKey}`));
  const codecs = testCodecs('stamped', `${newKey},${oldKey}`);

  beforeAll(async () => {
    [env, store] = await Promise.all([startDevServerEnv(), openWorldStore('encryption')]);
    ({ app, url } = await startGateway(env, store, 'unused', {
      codec: { codecs, webUiOrigin: WEB_UI, trustLocalWebUi: false },
    }));
  });
  afterAll(async () => {
    await app?.close();
    await env?.teardown();
    await store?.close();
  });

  /** A worker whose data converter encrypts with the test's keys, on a task queue of its own. */
  const encryptingWorker = async (name: string) => {
    const taskQueue = uniqueTaskQueue(name);
    const dataConverter = dataConverterOf(codecs);
    const worker = await createArxflowWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      workflowBundle: sharedWorkflowBundle(),
      deps: { store },
      dataConverter,
    });
    return { taskQueue, dataConverter, worker };
  };

  it('keeps business fields out of the raw history; the codec reads them back', async () => {
    const { taskQueue, dataConverter, worker } = await encryptingWorker('encrypted');
    const encryptingClient = new Client({ connection: env.connection, dataConverter });
    const workflowId = 'durability-probe/encrypted'; // ids and search attributes are never encrypted: no business data in them
    const result = await worker.runUntil(async () => {
      const handle = await encryptingClient.workflow.start(durabilityProbe, {
        taskQueue,
        workflowId,
        args: [{ sleep: '1 hour', label: SECRET_LABEL }],
      });
      await handle.signal('wakeUp', { reason: 'confidential-reason-xyz', actor: 'olga' });
      expect((await handle.query(probeStatusQuery)).wokenBy).toBe('olga');
      return handle.result();
    });
    expect(result.label).toBe(SECRET_LABEL);

    // env.client has no codec: it sees what the server stores.
    const raw = JSON.stringify(await env.client.workflow.getHandle(workflowId).fetchHistory());
    for (const secret of [SECRET_LABEL, 'confidential-reason-xyz', '1 hour']) {
      expect(raw).not.toContain(secret);
      expect(raw).not.toContain(Buffer.from(JSON.stringify(secret)).toString('base64'));
    }
    expect(raw).toContain(Buffer.from('binary/encrypted').toString('base64'));
  });

  it('tells a CLI without the key to set ARXFLOW_ENCRYPTION_KEYS, naming the key id, instead of "Unknown encoding"', async () => {
    const { taskQueue, dataConverter, worker } = await encryptingWorker('encrypted-cli');
    const workflowId = 'durability-probe/encrypted-for-cli';
    await worker.runUntil(async () => {
      const handle = await new Client({ connection: env.connection, dataConverter }).workflow.start(durabilityProbe, {
        taskQueue,
        workflowId,
        args: [{ sleep: '1 hour', label: SECRET_LABEL }],
      });
      await handle.signal('wakeUp', { reason: 'cli test', actor: 'olga' });
      return handle.result();
    });
    const dataDir = mkdtempSync(path.join(tmpdir(), 'arxflow-encryption-cli-'));
    try {
      const cli = (keys: string | undefined) =>
        runArxflow(['workflows', 'result', workflowId, '--json'], {
          TEMPORAL_ADDRESS: env.address,
          ARXFLOW_DATA_DIR: dataDir,
          ARXFLOW_ENCRYPTION_KEYS: keys,
          ARXFLOW_URL: undefined,
          DATABASE_URL: '',
        });
      const without = await cli(undefined);
      expect(without.status).toBe(1);
      expect(without.stderr).not.toMatch(/Unknown encoding/);
      expect(without.stderr).toMatch(
        /encrypted \(AES-256-GCM, key id "k2"\) and ARXFLOW_ENCRYPTION_KEYS is not set here/,
      );
      expect(without.stderr).toMatch(/including the key with id k2/);

      const wrongKey = await cli(`k9:${randomBytes(32).toString('base64')}`);
      expect(wrongKey.status).toBe(1);
      expect(wrongKey.stderr).toMatch(
        /unknown key id "k2": ARXFLOW_ENCRYPTION_KEYS here lists k9 only; add the key with id k2/,
      );

      // With the keys, the same command reads the result.
      const withKeys = await cli(`${newKey},${oldKey}`);
      expect(withKeys.stderr).toBe('');
      expect(JSON.parse(withKeys.stdout)).toMatchObject({ status: 'COMPLETED', result: { label: SECRET_LABEL } });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('decrypts payloads written under a rotated-out key; encrypts with the current one', async () => {
    const [sealedWithOld] = await new AesGcmPayloadCodec(parseEncryptionKeys(oldKey)).encode([
      { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('"lien waiver"') },
    ]);
    const [opened] = await codec.decode([sealedWithOld!]);
    expect(Buffer.from(opened!.data!).toString()).toBe('"lien waiver"');
    const [sealedNow] = await codec.encode([opened!]);
    expect(Buffer.from(sealedNow!.metadata!['encryption-key-id']!).toString()).toBe('k2');
    await expect(new AesGcmPayloadCodec(parseEncryptionKeys(newKey)).decode([sealedWithOld!])).rejects.toThrow(
      /unknown key id "k1"/,
    );
  });

  it('round-trips through /codec/encode and /codec/decode with tokens; refuses without one', async () => {
    const plain = {
      payloads: [
        {
          metadata: { encoding: Buffer.from('json/plain').toString('base64') },
          data: Buffer.from('{"amount":125000}').toString('base64'),
        },
      ],
    };
    const operator = await tokenFor('olga', 'operator');
    const viewer = await tokenFor('vera', 'viewer');
    const encoded = await call(`${url}/codec/encode`, {
      token: operator,
      body: plain,
      headers: { 'x-namespace': 'default' },
    });
    expect(encoded.status).toBe(200);
    expect(JSON.stringify(encoded.json)).not.toContain(plain.payloads[0]!.data);
    const decoded = await call(`${url}/codec/decode`, {
      token: viewer,
      body: encoded.json,
      headers: { 'x-namespace': 'default' },
    });
    expect(decoded.json).toEqual(plain);
    expect((await call(`${url}/codec/decode`, { body: encoded.json })).status).toBe(401);
    // Any verified caller may encode: what it signs is its own identity, which the workflows' rules judge.
    expect((await call(`${url}/codec/encode`, { token: viewer, body: plain })).status).toBe(200);
  });

  it('answers the Web UI CORS preflight for its origin and the x-namespace header', async () => {
    const preflight = await fetch(`${url}/codec/decode`, {
      method: 'OPTIONS',
      headers: {
        origin: WEB_UI,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-namespace',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(WEB_UI);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/x-namespace/);
    const other = await fetch(`${url}/codec/decode`, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(other.headers.get('access-control-allow-origin')).not.toBe('http://evil.example'); // the browser then refuses
  });
});
