import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createFundingGateActivities, type Notification } from '../../activities/funding-gate';
import { smtpTransport } from '../../activities/notifications/channels';
import { openStore, type Store } from '../../db/store';
import { startSmtpServer, type SmtpTestServer } from '../support/smtp-server';

describe('gate and review notifications over a real SMTP server', () => {
  let store: Store;
  let smtp: SmtpTestServer;
  beforeAll(async () => {
    [store, smtp] = await Promise.all([openStore({ inMemory: true }), startSmtpServer()]);
  });
  afterAll(async () => {
    await Promise.all([store?.close(), smtp?.close()]);
  });

  const notifyTwice = async (notification: Notification) => {
    const { notify } = createFundingGateActivities({
      store,
      email: { transport: smtpTransport(smtp.url), from: 'arxflow <gates@example.com>' },
    });
    const env = () =>
      new MockActivityEnvironment({ workflowExecution: { workflowId: 'funding-gate/P/M', runId: 'run-1' } } as never, {
        logger: new DefaultLogger('ERROR'),
      });
    await env().run(notify, notification);
    await env().run(notify, notification); // a retried activity
  };
  const outboxRow = async (step: string) =>
    (
      await store.db.query<{ sent_at: Date | null }>('SELECT sent_at FROM notification_outbox WHERE key = $1', [
        `funding-gate/P/M/run-1/${step}`,
      ])
    )[0];

  it('emails each address once, even when the activity runs again, and marks the outbox row sent', async () => {
    await notifyTwice({
      step: 'sla-escalation',
      channel: 'email',
      recipients: ['lender-ops@example.com'],
      subject: 'Draw P/M passed its SLA',
      body: 'Undecided after 5 days.',
    });
    const mails = smtp.messages().filter((m) => m.subject === 'Draw P/M passed its SLA');
    expect(mails.map((m) => [m.to, m.text?.trim()])).toEqual([[['lender-ops@example.com'], 'Undecided after 5 days.']]);
    expect((await outboxRow('sla-escalation'))?.sent_at).toBeInstanceOf(Date);
  });

  it('leaves recipients that are not addresses (roles, user ids) in the outbox', async () => {
    await notifyTwice({
      step: 'reminder-1',
      channel: 'email',
      recipients: ['role:signatory', 'rita@example.com'],
      subject: 'Draw P/M awaits your decision',
      body: 'Stage signatory.',
    });
    expect(
      smtp
        .messages()
        .filter((m) => m.subject === 'Draw P/M awaits your decision')
        .map((m) => m.to),
    ).toEqual([['rita@example.com']]);
    expect((await outboxRow('reminder-1'))?.sent_at).toBeNull();
  });
});
