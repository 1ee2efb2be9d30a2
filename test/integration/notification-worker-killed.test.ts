import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AnchorKey } from '../../db/audit-log';
import { openStore } from '../../db/store';
import { fundingGateId } from '../../domain/funding/gate-input';
import { fundingGate } from '../../workflows';
import { drawInput } from '../fixtures/funding-gate';
import { useActivityProcessWorld } from '../support/activity-process-world';
import { startSmtpServer, type SmtpTestServer } from '../support/smtp-server';

const AUDIT_KEY = 'notification-worker-killed-audit-key-0123456789';

// A worker process killed with SIGKILL while its SMTP server holds the answer to a funding
// gate's notification email (its SLA escalation; issue 17): the notify activity heartbeats, so Temporal times the attempt out
// within seconds (heartbeat timeout 10 s) and retries it on the other worker process; the
// email is delivered once, counted at the SMTP stand-in. The payment's twin is
// funding-worker-killed.test.ts.
describe('a worker process killed mid-notification (dev server)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'arxflow-notify-killed-'));
  let smtp: SmtpTestServer;
  beforeAll(async () => {
    smtp = await startSmtpServer();
  });
  afterAll(async () => {
    await smtp?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const world = useActivityProcessWorld('notify-killed', { dir, auditKey: AUDIT_KEY, smtpUrl: () => smtp.url });

  it('times the attempt out, retries on the other worker and emails once', async () => {
    // No conditions, an SLA of 3 s: the gate emails its escalation contact at once, nothing else.
    const input = drawInput({
      projectId: 'NOTIFYKILL',
      milestoneId: 'M1',
      conditions: [],
      clocks: { ...drawInput().clocks, slaAfter: '3 seconds', escalationContact: 'lender-ops@example.com' },
    });
    const workflowId = fundingGateId(input);
    const first = await world.startWorkerProcess();
    const held = smtp.holdNext();

    const handle = await world.env.client.workflow.start(fundingGate, {
      taskQueue: world.taskQueue,
      workflowId,
      args: [input],
    });
    await held; // the email's data reached the server; the 250 that accepts it never goes out
    first.kill('SIGKILL');
    await once(first, 'exit');
    const killedAt = Date.now();
    const second = await world.startWorkerProcess();

    const [mail] = await smtp.waitForMessages(1, 90_000);
    const retryAfterMs = Date.now() - killedAt;
    // The killed attempt's message was never accepted (its connection went away unanswered).
    expect(smtp.dropped()).toBe(1);
    expect(smtp.messages()).toHaveLength(1);
    expect(mail).toMatchObject({ to: ['lender-ops@example.com'] });
    // Sent by the second process (each signs its From with its pid), seconds after the kill, not at the 30 s limit.
    expect(mail!.headers.from).toContain(`pid-${second.pid}@`);
    expect(retryAfterMs).toBeLessThan(60_000);

    // In the history: the notify activity completed on attempt 2, after attempt 1's heartbeat timeout.
    // Its started event is written when the attempt completes (just after the email): polled, bounded.
    const notifyStarts = async () => {
      const events = (await handle.fetchHistory()).events!;
      const typeOf = new Map(
        events.flatMap((e) =>
          e.activityTaskScheduledEventAttributes
            ? [[String(e.eventId), e.activityTaskScheduledEventAttributes.activityType?.name]]
            : [],
        ),
      );
      return events.flatMap((e) => {
        const started = e.activityTaskStartedEventAttributes;
        return started && typeOf.get(String(started.scheduledEventId)) === 'notify' ? [started] : [];
      });
    };
    let notifies = await notifyStarts();
    for (const deadline = Date.now() + 30_000; notifies.length === 0 && Date.now() < deadline;) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      notifies = await notifyStarts();
    }
    expect(notifies).toHaveLength(1);
    expect(notifies[0]!.attempt).toBe(2);
    expect(String(notifies[0]!.lastFailure?.timeoutFailureInfo?.timeoutType)).toMatch(/HEARTBEAT|^4$/);

    await handle.terminate('test done');
    // Counted in the store too, once the worker process let go of it (PGlite on disk is one process at a time).
    second.kill('SIGTERM');
    await once(second, 'exit');
    const store = await openStore(world.location, { auditKey: new AnchorKey(AUDIT_KEY) });
    try {
      const rows = await store.db.query<{ key: string; channel: string }>(
        'SELECT key, channel FROM notification_deliveries WHERE key LIKE $1',
        [`${workflowId}/%`],
      );
      expect(rows).toEqual([
        { key: expect.stringContaining('/sla-escalation/lender-ops@example.com'), channel: 'email' },
      ]);
    } finally {
      await store.close();
    }
  }, 300_000);
});
