import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import type { NotificationMessage } from '../../activities/notifications/channels';
import { createNotificationActivities } from '../../activities/notifications/deliver';
import { openStore, type Store } from '../../db/store';
import { parseSettings } from '../../domain/settings';
import { verifySignature } from '../../platform/webhook-signatures';
import { notificationChannels } from '../../workers/main';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';

// Outgoing notification webhooks are signed like arxflow's incoming ones (x-arxflow-signature,
// t=<unix>,v1=<hmac of "<t>.<body>">), so a receiver can refuse a POST that is not arxflow's.

const NEW = 'new-signing-secret-0123456789';
const OLD = 'old-signing-secret-0123456789';
const env = () => new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
const message: NotificationMessage = { title: 'Disk full on db-1', text: 'db-1 at 97%', severity: 'critical' };

describe('webhook notifications: signed with ARXFLOW_WEBHOOK_SIGNING_SECRETS', () => {
  let store: Store;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    [store, receiver] = await Promise.all([openStore({ inMemory: true }), startWebhookReceiver()]);
  });
  afterAll(async () => {
    await Promise.all([store?.close(), receiver?.close()]);
  });

  /** Delivers one notification through the activities the worker builds from `environment`. */
  async function deliverWith(environment: Record<string, string>, path: string) {
    const channels = notificationChannels(parseSettings(environment));
    const { deliverNotification } = createNotificationActivities({ store, ...channels });
    const key = `alert/test${path}`;
    await env().run(deliverNotification, {
      key,
      target: { kind: 'webhook' as const, to: `${receiver.url}${path}` },
      message,
    });
    const [request, ...more] = receiver.to(path);
    expect(more).toEqual([]);
    return request!;
  }

  const verify = (request: { arxflowSignature?: string; body: Buffer }, secrets: string[]) =>
    verifySignature('timestamped', {
      header: request.arxflowSignature,
      body: request.body,
      secrets,
      nowMs: Date.now(),
      toleranceMs: 300_000,
    }).result;

  it('carries a signature over the exact body that only the configured secret verifies', async () => {
    const request = await deliverWith({ ARXFLOW_WEBHOOK_SIGNING_SECRETS: NEW }, '/one');
    expect(JSON.parse(request.body.toString())).toMatchObject({ key: 'alert/test/one', title: message.title });
    expect(request.arxflowSignature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verify(request, [NEW])).toBe('valid');
    expect(verify(request, [OLD])).toBe('invalid');
    expect(verify({ ...request, body: Buffer.from(request.body.toString().replace('97%', '17%')) }, [NEW])).toBe(
      'invalid',
    );
  });

  it('signs with every secret while one is rotated, so receivers on either secret accept it', async () => {
    const request = await deliverWith({ ARXFLOW_WEBHOOK_SIGNING_SECRETS: `${NEW}, ${OLD}` }, '/rotating');
    expect(request.arxflowSignature).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    expect(verify(request, [NEW])).toBe('valid');
    expect(verify(request, [OLD])).toBe('valid');
  });

  it('sends unsigned when no secret is set', async () => {
    const request = await deliverWith({}, '/unsigned');
    expect(request.arxflowSignature).toBeUndefined();
    expect(request.delivery).toBe('alert/test/unsigned');
  });

  it('refuses a short secret at start-up, naming the setting', () => {
    expect(() => parseSettings({ ARXFLOW_WEBHOOK_SIGNING_SECRETS: `${NEW},short` })).toThrow(
      /ARXFLOW_WEBHOOK_SIGNING_SECRETS.*at least 16 characters/,
    );
  });
});
