import { MockActivityEnvironment } from '@temporalio/testing';
import { heartbeating } from '../../activities/heartbeat';

// Each heartbeat that reaches Temporal is a write on the server; an alert's Slack post used
// to cost one at its start (issue #17's alert path). A call shorter than a beat's interval
// sends none; a long one beats every third of the timeout, so the timeout never runs out.
describe('heartbeating', () => {
  it('sends no heartbeat for a call that ends before the first interval', async () => {
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 3_000 });
    let beats = 0;
    env.on('heartbeat', () => (beats += 1));
    const answer = await env.run(() => heartbeating(async () => 'sent'));
    expect(answer).toBe('sent');
    expect(beats).toBe(0);
  });

  it('beats every third of the heartbeat timeout while the call lasts', async () => {
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 600 });
    let beats = 0;
    env.on('heartbeat', () => (beats += 1));
    await env.run(() => heartbeating(() => new Promise((resolve) => setTimeout(resolve, 700))));
    expect(beats).toBeGreaterThanOrEqual(2); // at 200 and 400 ms (and 600 ms, timers permitting)
    expect(beats).toBeLessThanOrEqual(3);
  });
});
