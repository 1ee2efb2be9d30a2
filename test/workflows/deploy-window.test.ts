import { WorkflowUpdateFailedError } from '@temporalio/client';
import { overrideWindowUpdate } from '../../workflows/deploy/deploy-messages';
import type { RecordingKubectl } from '../support/recording-kubectl';
import { useTimeSkippingWorld } from '../support/temporal-env';
import {
  deployInput,
  kubectlEnvironment,
  servingKubectl,
  stagesOf,
  startDeployment,
  startTestService,
  statusWhen,
  withWorker,
  type TestService,
} from './fixtures/deploy-world';

const ZONE = 'Europe/Berlin';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The zone's offset from UTC at `at`, in ms (from Intl, independent of the code under test). */
function offsetMs(at: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: ZONE,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  }).formatToParts(new Date(at));
  const part = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return (
    Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute')) -
    Math.floor(at / 60_000) * 60_000
  );
}

/** The next instant after `from` at which Berlin's clocks change, to the minute. */
function nextClockChange(from: number): number {
  let at = from - (from % HOUR) + HOUR;
  while (offsetMs(at) === offsetMs(from)) at += HOUR;
  return at;
}

/** `hh:00` local time on the local date `days` after the local date of `at`, under the offset in force then. */
function localInstant(at: number, days: number, hour: number): number {
  const local = new Date(at + offsetMs(at));
  const guess = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() + days, hour);
  return guess - offsetMs(guess - offsetMs(guess));
}

const localDate = (at: number, days = 0) => new Date(at + offsetMs(at) + days * DAY).toISOString().slice(0, 10);

describe('deployment freeze windows on the time-skipping server', () => {
  const world = useTimeSkippingWorld();
  let service: TestService;
  let kubectl: RecordingKubectl;

  beforeEach(async () => {
    service = await startTestService();
    kubectl = servingKubectl();
  });
  afterEach(async () => {
    await service.close();
    kubectl.remove();
  });

  it('sleeps through a weekend blackout across a DST change and deploys at Monday 08:00 local time', async () => {
    // Move the server's clock to the Friday evening before Berlin's next clock change (a Sunday).
    const change = nextClockChange(await world.env.currentTimeMs());
    const friday = localInstant(change, -2, 20);
    await world.env.sleep(friday - (await world.env.currentTimeMs()));
    const monday = localInstant(change, 1, 8);
    expect(new Date(monday + offsetMs(monday)).getUTCHours()).toBe(8);
    expect(offsetMs(monday)).not.toBe(offsetMs(friday)); // the blackout spans the change: 60 h of wall clock is not 60 h

    const config = {
      name: 'web-weekend',
      environments: [
        kubectlEnvironment('staging', kubectl, service, {
          windows: { timezone: ZONE, allowed: [], blackouts: [{ from: 'fri 16:00', to: 'mon 08:00' }] },
        }),
      ],
    };
    const view = await withWorker(world, async (taskQueue) => {
      const handle = await startDeployment(world.env.client, taskQueue, deployInput(config, 'staging'));
      const waiting = await statusWhen(world, handle, (v) => v.status === 'waiting_window');
      expect(waiting.window?.opensAt).toBe(new Date(monday).toISOString());
      expect(waiting.reason).toMatch(/fri 16:00.*mon 08:00/);
      expect(kubectl.commands().filter((command) => !command.includes(' get '))).toEqual([]);
      return handle.result();
    });
    expect(view.status).toBe('succeeded');
    const window = view.stages.find((stage) => stage.name === 'window')!;
    expect(window.status).toBe('done');
    expect(Date.parse(window.endedAt!)).toBeGreaterThanOrEqual(monday);
    expect(Date.parse(window.endedAt!)).toBeLessThan(monday + 60_000);
  });

  it('lets an admin override a blackout with a reason (audited); others are refused', async () => {
    const now = await world.env.currentTimeMs();
    const config = {
      name: 'web-override',
      environments: [
        kubectlEnvironment('staging', kubectl, service, {
          windows: { timezone: ZONE, allowed: [], blackouts: [{ from: localDate(now, -1), to: localDate(now, 30) }] },
        }),
      ],
    };
    const view = await withWorker(world, async (taskQueue) => {
      const handle = await startDeployment(world.env.client, taskQueue, deployInput(config, 'staging'));
      await statusWhen(world, handle, (v) => v.status === 'waiting_window');
      const request = { actor: 'dev-dana', roles: ['deployer'], reason: 'hotfix' };
      await expect(handle.executeUpdate(overrideWindowUpdate, { args: [request] })).rejects.toThrow(
        WorkflowUpdateFailedError,
      );
      await handle.executeUpdate(overrideWindowUpdate, {
        args: [{ actor: 'ada', roles: ['admin'], reason: 'security fix for CVE-2026-1234' }],
      });
      return handle.result();
    });
    expect(view.status).toBe('succeeded');
    expect(view.window?.override).toMatchObject({ actor: 'ada', reason: 'security fix for CVE-2026-1234' });
    expect(stagesOf(view)).toContain('window: done');
    expect(view.stages.find((stage) => stage.name === 'window')?.detail).toBe(
      'overridden by ada: security fix for CVE-2026-1234',
    );
    const audit = await world.store.db.query<{ actor: string; action: string; detail: string }>(
      "SELECT actor, action, data->>'detail' AS detail FROM audit_events WHERE subject = $1 AND action = 'deploy.window_overridden'",
      [view.workflowId],
    );
    expect(audit).toEqual([
      { actor: 'ada', action: 'deploy.window_overridden', detail: 'security fix for CVE-2026-1234' },
    ]);
  });
});
