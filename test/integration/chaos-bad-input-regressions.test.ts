import { startFuzzWorld, type FuzzWorld } from '../../chaos/fuzz/world';
import { call } from '../support/gateway';

// Bugs the bad-input chaos scenario found in the gateway, each on the real gateway (dev server, store, no worker).
describe('bad input found by the chaos scenario', () => {
  let world: FuzzWorld;
  beforeAll(async () => {
    world = await startFuzzWorld();
  }, 120_000);
  afterAll(async () => {
    await world?.close();
  });

  const taskEvent = (eventId: string, depth: number) =>
    `{"eventId":"${eventId}","projectId":"p1","taskId":"t1","type":"task_completed","occurredAt":"2026-01-01T00:00:00Z","fields":{"a":${'['.repeat(depth)}${']'.repeat(depth)}}}`;

  it('a start whose free-form field nests 10,000 deep is 400 naming the field (it was a 500); nothing started or written', async () => {
    const before = await world.rows();
    const refused = await call(`${world.url}/v1/workflows/taskEvent`, {
      token: world.token,
      body: taskEvent('deep', 10_000),
    });
    expect(refused.status).toBe(400);
    expect(refused.json).toEqual({
      error: 'bad_input',
      message: expect.stringMatching(/^body\.fields\.a\[0\]\[0\].*: nested deeper than 256 levels$/),
    });
    expect(await world.existing(['task-event/p1/deep'])).toEqual([]);
    expect(await world.rows()).toEqual(before);
    // Under the limit the same start goes through: the depth is what was refused.
    const accepted = await call(`${world.url}/v1/workflows/taskEvent`, {
      token: world.token,
      body: taskEvent('shallow', 200),
    });
    expect(accepted.status).toBe(201);
    expect(await world.existing(['task-event/p1/shallow'])).toEqual(['task-event/p1/shallow']);
  });

  it('a task event id too long for its workflow id is 400 naming the field (Temporal refused the id: it was a 500); nothing started', async () => {
    const before = await world.rows();
    const long = 'e'.repeat(990);
    const refused = await call(`${world.url}/v1/workflows/taskEvent`, { token: world.token, body: taskEvent(long, 1) });
    expect(refused.status).toBe(400);
    expect(refused.json).toEqual({
      error: 'bad_input',
      message: expect.stringMatching(/^body\.eventId: must be the event id \(at most 200 characters\)/),
      issues: [{ path: 'body.eventId', message: 'must be the event id (at most 200 characters)' }],
    });
    expect(await world.existing([`task-event/p1/${long}`])).toEqual([]);
    expect(await world.rows()).toEqual(before);
    const accepted = await call(`${world.url}/v1/workflows/taskEvent`, {
      token: world.token,
      body: taskEvent('e'.repeat(200), 1),
    });
    expect(accepted.status).toBe(201);
  });

  it('a NUL character in an id or a text field is 400 naming the field (PostgreSQL cannot store it: it was a 500); no row written', async () => {
    const before = await world.rows();
    const refusals = await Promise.all([
      call(`${world.url}/v1/silences/a%00b`, { method: 'DELETE', token: world.token }),
      call(`${world.url}/v1/funding/projects/p1/payees/x1`, {
        method: 'PUT',
        token: world.token,
        body: '{"name":"a\\u0000b"}',
      }),
      call(`${world.url}/v1/silences`, {
        token: world.token,
        body: '{"matchers":["service=db"],"comment":"x\\u0000","duration":"1h"}',
      }),
    ]);
    expect(refusals.map((r) => [r.status, r.json.message])).toEqual([
      [400, 'params.id: must not contain NUL characters (U+0000 at character 1)'],
      [400, 'body.name: must not contain NUL characters (U+0000 at character 1)'],
      [400, 'body.comment: must not contain NUL characters (U+0000 at character 1)'],
    ]);
    expect(await world.rows()).toEqual(before);
    // Without the NUL the same silence is written: the character is what was refused.
    const written = await call(`${world.url}/v1/silences`, {
      token: world.token,
      body: { matchers: ['service=db'], comment: 'x', duration: '1h' },
    });
    expect(written.status).toBe(201);
    expect((await world.rows()).alert_silences).toBe(before.alert_silences! + 1);
  });
});
