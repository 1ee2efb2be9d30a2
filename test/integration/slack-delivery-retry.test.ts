import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import type { Info } from '@temporalio/activity';
import { slackClient, type NotificationTarget } from '../../activities/notifications/channels';
import { createNotificationActivities, type DeliveryRequest } from '../../activities/notifications/deliver';
import { DELIVERY_EVENT_TYPE } from '../../activities/notifications/slack-post-lookup';
import { NotificationDeliveries } from '../../db/notification-deliveries';
import { openStore, type Store } from '../../db/store';
import { startSlackApiServer, type SlackApiServer } from '../support/slack-api-server';

const TOKEN = 'xoxb-retry-test';

/** An activity context as a worker gives it: which attempt this is, when the first was scheduled. */
const attemptEnv = (attempt: number, scheduledTimestampMs: number) =>
  new MockActivityEnvironment(
    {
      attempt,
      scheduledTimestampMs,
      workflowExecution: { workflowId: 'alert/retry', runId: 'r' },
    } as Partial<Info>,
    { logger: new DefaultLogger('ERROR') },
  );

/**
 * The window issue #17 left open: a worker killed after chat.postMessage reached Slack and
 * before the delivery was recorded. The official client against the local Slack stand-in,
 * which carries the post out and never answers (the killed attempt); the retry finds the post
 * by its metadata in the channel's history and records it instead of posting again.
 */
describe('a Slack delivery retried after its attempt died between the post and the record', () => {
  let slack: SlackApiServer;
  let store: Store;
  beforeAll(async () => {
    slack = await startSlackApiServer({ token: TOKEN });
    store = await openStore({ inMemory: true });
  });
  afterEach(() => slack.reset());
  afterAll(async () => {
    await slack?.close();
    await store?.close();
  });

  const activities = () =>
    createNotificationActivities({ store, slack: slackClient({ token: TOKEN, apiUrl: slack.apiUrl }) });
  const request = (key: string, target: NotificationTarget): DeliveryRequest => ({
    key,
    target,
    message: { title: 'Disk full on db-1', text: 'at 97%', severity: 'critical' },
  });

  it.each([
    ['a channel by name', { kind: 'slack_channel', to: '#ops' }],
    ['a user (direct message)', { kind: 'slack_user', to: 'U0ONCALL1' }],
  ] as const)('to %s: posted once, recorded with the first post', async (_, target) => {
    const key = `alert/retry/${target.kind}`;
    const scheduled = Date.now();
    const held = slack.holdNext('chat.postMessage');
    const first = attemptEnv(1, scheduled).run(activities().deliverNotification, request(key, target));
    first.catch(() => undefined); // the killed attempt: its answer never comes
    await held;
    expect(await new NotificationDeliveries(store.db).get(key)).toBeUndefined();
    const [post] = slack.messages();
    expect(post!.metadata).toEqual({ event_type: DELIVERY_EVENT_TYPE, event_payload: { key } });

    const retried = await attemptEnv(2, scheduled).run(activities().deliverNotification, request(key, target));
    expect(retried).toEqual({ channel: 'slack', ref: { channel: post!.channel, ts: post!.ts }, duplicate: true });
    expect(slack.calls('chat.postMessage')).toHaveLength(1);
    expect(slack.messages()).toHaveLength(1);
    expect(await new NotificationDeliveries(store.db).get(key)).toMatchObject({
      channel: 'slack',
      ref: { channel: post!.channel, ts: post!.ts },
    });
    // The dead attempt's connection goes: it fails, and the record stays the retry's.
    slack.dropHeld();
    await expect(first).rejects.toThrow();
    expect(slack.messages()).toHaveLength(1);
  });

  it('posts on a retry when the attempt before it never reached Slack, and the first attempt does not look', async () => {
    const key = 'alert/retry/never-posted';
    const target = { kind: 'slack_channel', to: '#ops' } as const;
    slack.failNext('chat.postMessage', 1, 'server_error');
    const scheduled = Date.now();
    await expect(
      attemptEnv(1, scheduled).run(activities().deliverNotification, request(key, target)),
    ).rejects.toThrow();
    expect(slack.calls().filter((c) => c.method.startsWith('conversations.'))).toEqual([]);

    const retried = await attemptEnv(2, scheduled).run(activities().deliverNotification, request(key, target));
    expect(retried).toMatchObject({ channel: 'slack', duplicate: false });
    // It looked: #ops had no post yet, so the stand-in (which lists channels once posted to) knows no such channel.
    expect(slack.calls('conversations.list')).toHaveLength(1);
    expect(slack.messages()).toHaveLength(1);
    // Another key's post in the same channel is not taken for this one.
    const other = await attemptEnv(2, scheduled).run(
      activities().deliverNotification,
      request('alert/retry/another', target),
    );
    expect(other).toMatchObject({ duplicate: false });
    expect(slack.calls('conversations.history')).toHaveLength(1);
    expect(slack.messages()).toHaveLength(2);
  });
});
