import type { AlertStatusView } from '../../domain/alerts/alert-state';
import { startAlertmanager, type RunningAlertmanager } from '../support/alertmanager';
import { useDevServerWorld } from '../support/dev-server-world';

const TOKEN = 'alertmanager-token-0123456789';

// The real Alertmanager (Debian prometheus-alertmanager) posting its webhook, with the
// bearer token of http_config.authorization, to the gateway; the alert workflow follows.
describe('Alertmanager -> gateway -> alertEscalation', () => {
  let alertmanager: RunningAlertmanager;
  // Declared before the world: Alertmanager stops before the gateway it posts to closes.
  afterAll(async () => {
    await alertmanager?.stop();
  });
  const world = useDevServerWorld('alertmanager', { gateway: { alerts: { tokens: { alertmanager: TOKEN } } } });

  beforeAll(async () => {
    alertmanager = await startAlertmanager({
      webhookUrl: `${world.url}/v1/alerts/alertmanager`,
      bearerToken: TOKEN,
      groupBy: ['alertname'],
    });
  });

  async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe().catch(() => undefined);
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${alertmanager.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** Alertmanager's own count of webhook notifications, sent and failed. */
  async function webhookNotifications(): Promise<{ sent: number; failed: number }> {
    const text = await (await fetch(`${alertmanager.url}/metrics`)).text();
    const value = (metric: string) =>
      Number(new RegExp(`^${metric}\\{[^}]*integration="webhook"[^}]*\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
    return {
      sent: value('alertmanager_notifications_total'),
      failed: value('alertmanager_notifications_failed_total'),
    };
  }

  it('opens the alert on firing and resolves it on resolved, both deliveries accepted', async () => {
    const labels = { alertname: 'DiskFull', instance: 'db-1:9100', severity: 'critical', service: 'db' };
    const startsAt = new Date(Date.now() - 60_000).toISOString();
    await alertmanager.postAlerts([{ labels, annotations: { summary: 'disk full on db-1' }, startsAt }]);

    const workflowId = await until('the alert workflow', async () => {
      for await (const execution of world.env.client.workflow.list({
        query: `WorkflowType = 'alertEscalation' AND TaskQueue = '${world.taskQueue}'`,
      })) {
        return execution.workflowId;
      }
      return undefined;
    });
    const handle = world.env.client.workflow.getHandle(workflowId);
    expect(await handle.query<AlertStatusView>('status')).toMatchObject({
      source: 'alertmanager',
      status: 'triggered',
      severity: 'critical',
      service: 'db',
      summary: 'disk full on db-1',
      labels,
    });
    await until('the firing notification counted', async () =>
      (await webhookNotifications()).sent >= 1 ? true : undefined,
    );

    // endsAt in the past: Alertmanager marks it resolved and (send_resolved) tells the receiver.
    await alertmanager.postAlerts([
      {
        labels,
        annotations: { summary: 'disk full on db-1' },
        startsAt,
        endsAt: new Date(Date.now() - 1_000).toISOString(),
      },
    ]);
    const result = (await handle.result()) as AlertStatusView;
    expect(result).toMatchObject({ status: 'resolved', resolved: { by: 'source:alertmanager', reason: 'source' } });

    const counted = await until('the resolved notification counted', async () => {
      const now = await webhookNotifications();
      return now.sent >= 2 ? now : undefined;
    });
    // Every delivery was answered 2xx: Alertmanager counts a non-2xx answer as failed.
    expect(counted.failed).toBe(0);
  }, 90_000);
});
