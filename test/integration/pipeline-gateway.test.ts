import { WorkflowNotFoundError } from '@temporalio/client';
import { PipelineLogs } from '../../db/pipeline-logs';
import { PipelineRuns } from '../../db/pipeline-runs';
import { pipelineRunId, type PipelineRunView } from '../../domain/pipelines/pipeline-types';
import { repoKeyOf } from '../../domain/pipelines/repo-key';
import { signGithub } from '../../platform/webhook-signatures';
import { useDevServerWorld } from '../support/dev-server-world';
import { call, tokenFor } from '../support/gateway';
import { createGitRepo } from '../support/git-repo';
import { githubEventHeaders, githubPipelineSource } from '../support/github-webhooks';

const PIPELINE = `jobs:
  build:
    steps:
      - name: wait
        run: sleep 30
  test:
    needs: [build]
    steps:
      - run: echo test
`;
/** Line 7 names a job that does not exist. */
const BROKEN = PIPELINE.replace('needs: [build]', 'needs: [build, lint]');
const SECRET = 'github-webhook-secret-0123456789';

const repo = createGitRepo({ '.arxflow/pipeline.yml': PIPELINE });
const mainSha = repo.sha();
repo.branch('broken');
const brokenSha = repo.commit({ '.arxflow/pipeline.yml': BROKEN }, 'break the pipeline');
repo.branch('recorded');
const recordedSha = repo.commit({ 'notes.txt': 'a commit whose run the test records itself\n' });
repo.branch('hooked');
const hookedSha = repo.commit({ 'hook.txt': 'pushed through the webhook\n' });
repo.checkout('main');
const repoKey = repoKeyOf(repo.dir);

/** A GitHub source that runs pipelines of the test repository, as the config file's `pipelines:` setting says. */
const github = githubPipelineSource(repo.dir, SECRET);

const world = useDevServerWorld('pipeline-gateway', { gateway: { webhookSources: new Map([['github', github]]) } });
afterAll(() => repo.remove());

const runPath = (runId: string) => `/v1/pipelines/${encodeURIComponent(runId)}`;
let operator: string;
let viewer: string;
beforeAll(async () => {
  operator = await tokenFor('olga', 'operator');
  viewer = await tokenFor('vic', 'viewer');
});

async function temporalHas(workflowId: string): Promise<boolean> {
  try {
    await world.env.client.workflow.getHandle(workflowId).describe();
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

describe('POST /v1/pipelines', () => {
  it('checks the pipeline file at the sha before anything starts: bad YAML is a 400 naming file and line', async () => {
    const refused = await call(`${world.url}/v1/pipelines`, {
      token: operator,
      body: { repo: repo.dir, ref: 'broken' },
    });
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({
      error: 'bad_input',
      message: '.arxflow/pipeline.yml:7:20: jobs.test.needs[1]: unknown job "lint"',
      issues: [{ path: 'jobs.test.needs[1]' }],
    });
    expect(await temporalHas(pipelineRunId(repoKey, brokenSha, 1))).toBe(false);

    const missing = await call(`${world.url}/v1/pipelines`, {
      token: operator,
      body: { repo: repo.dir, ref: 'main', definitionPath: 'ci/none.yml' },
    });
    expect(missing).toMatchObject({ status: 400, json: { issues: [{ path: 'definitionPath' }] } });
    expect(missing.json.message).toContain('ci/none.yml not found');
    expect(await temporalHas(pipelineRunId(repoKey, mainSha, 1))).toBe(false);
  });

  it('names the field of a repository, ref or path it cannot use', async () => {
    const start = (body: unknown) => call(`${world.url}/v1/pipelines`, { token: operator, body });
    expect(await start({ repo: repo.dir, ref: 'no-such-branch' })).toMatchObject({
      status: 400,
      json: { issues: [{ path: 'ref' }] },
    });
    expect(await start({ repo: `${repo.dir}-missing`, ref: 'main' })).toMatchObject({
      status: 400,
      json: { issues: [{ path: 'repo' }] },
    });
    expect(await start({ repo: 'relative/path', ref: 'main' })).toMatchObject({
      status: 400,
      json: { issues: [{ path: 'body.repo' }] },
    });
    expect(await start({ repo: repo.dir, ref: 'main', definitionPath: '../outside.yml' })).toMatchObject({
      status: 400,
      json: { issues: [{ path: 'body.definitionPath' }] },
    });
    const withActor = await start({ repo: repo.dir, ref: 'main', actor: 'someone' });
    expect(withActor.status).toBe(400);
    expect(withActor.json.message).toContain('actor'); // the caller is the token's subject
  });

  it('needs operator to start, cancel or rerun; any role reads', async () => {
    const body = { repo: repo.dir, ref: 'main' };
    expect((await call(`${world.url}/v1/pipelines`, { body })).status).toBe(401);
    expect((await call(`${world.url}/v1/pipelines`, { token: viewer, body })).status).toBe(403);
    const someRun = runPath(pipelineRunId(repoKey, mainSha, 1));
    expect((await call(`${world.url}${someRun}/cancel`, { token: viewer, body: {} })).status).toBe(403);
    expect((await call(`${world.url}${someRun}/rerun`, { token: viewer, body: {} })).status).toBe(403);
    expect((await call(`${world.url}/v1/pipelines`, { token: viewer })).status).toBe(200);
    expect((await call(`${world.url}/v1/quality/flaky`, { token: viewer })).status).toBe(200);
  });

  it('starts attempt 1 of the sha once: the same sha again answers the run that exists; cancel asks it to stop', async () => {
    const runId = pipelineRunId(repoKey, mainSha, 1);
    const first = await call(`${world.url}/v1/pipelines`, { token: operator, body: { repo: repo.dir, ref: 'main' } });
    expect(first).toMatchObject({ status: 202, json: { runId, status: 'queued', existing: false } });
    const described = await world.env.client.workflow.getHandle(runId).describe();
    expect(described.type).toBe('pipelineRun');

    const again = await call(`${world.url}/v1/pipelines`, { token: operator, body: { repo: repo.dir, ref: mainSha } });
    expect(again).toMatchObject({ status: 202, json: { runId, existing: true } });
    expect((await world.env.client.workflow.getHandle(runId).describe()).runId).toBe(described.runId);

    // Its first step sleeps 30 s: still running, so the cancellation is taken.
    const cancelled = await call(`${world.url}${runPath(runId)}/cancel`, { token: operator, body: {} });
    expect(cancelled).toMatchObject({ status: 202, json: { runId } });
  });
});

describe('a run that is not there', () => {
  const unknown = pipelineRunId(repoKey, 'f'.repeat(40), 1);

  it('is a 404 naming it for status, logs, cancel and rerun; a malformed id is a 400', async () => {
    for (const [path, method] of [
      ['', 'GET'],
      ['/logs', 'GET'],
      ['/logs?follow=1', 'GET'],
      ['/cancel', 'POST'],
      ['/rerun', 'POST'],
    ] as const) {
      const answer = await call(`${world.url}${runPath(unknown)}${path}`, {
        token: operator,
        ...(method === 'POST' ? { body: {} } : {}),
      });
      expect(answer).toMatchObject({ status: 404, json: { error: 'not_found' } });
      expect(answer.json.message).toContain(unknown);
    }
    expect(await call(`${world.url}${runPath('pipeline/oops')}`, { token: viewer })).toMatchObject({
      status: 400,
      json: { issues: [{ path: 'params.run' }] },
    });
  });
});

describe('a recorded run: status, list, logs as JSON lines and as server-sent events, reruns', () => {
  const runId = pipelineRunId(repoKey, recordedSha, 1);
  const view = (status: PipelineRunView['status']): PipelineRunView => ({
    runId,
    status,
    repo: repo.dir,
    repoKey,
    ref: 'refs/heads/recorded',
    sha: recordedSha,
    attempt: 1,
    event: 'manual',
    createdAt: new Date().toISOString(),
    jobs: [
      { id: 'build', status: 'succeeded', steps: [{ name: 'wait', status: 'succeeded', exitCode: 0 }] },
      { id: 'test', status: status === 'running' ? 'running' : status, steps: [{ name: 'echo', status: 'running' }] },
    ],
  });
  let runs: PipelineRuns;
  let logs: PipelineLogs;
  beforeAll(async () => {
    // What the run's own activities write (recordPipelineRun, the step logs): this run has no workflow.
    runs = new PipelineRuns(world.store.db);
    logs = new PipelineLogs(world.store.db);
    await runs.upsert(view('running'));
    await logs.append(runId, 'build', 'stdout', 'compiling\n', { stepIndex: 0 });
    await logs.append(runId, 'test', 'stdout', 'test 1 ok\n', { stepIndex: 0 });
  });

  it('follow=1 streams the chunks there are, then new ones as they come, then `end` with the status', async () => {
    const response = await fetch(`${world.url}${runPath(runId)}/logs?follow=1`, {
      headers: { authorization: `Bearer ${viewer}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const events = readEvents(response);
    expect(await events.next(2)).toEqual([
      {
        event: 'chunk',
        id: expect.any(String),
        data: expect.objectContaining({ jobId: 'build', text: 'compiling\n' }),
      },
      { event: 'chunk', id: expect.any(String), data: expect.objectContaining({ jobId: 'test', text: 'test 1 ok\n' }) },
    ]);
    await logs.append(runId, 'test', 'stderr', 'test 2 ok\n', { stepIndex: 0 });
    expect(await events.next(1)).toEqual([
      {
        event: 'chunk',
        id: expect.any(String),
        data: expect.objectContaining({ stream: 'stderr', text: 'test 2 ok\n' }),
      },
    ]);
    await runs.upsert(view('failed'));
    expect(await events.next(1)).toEqual([{ event: 'end', data: { status: 'failed' } }]);
    expect(await events.rest()).toEqual([]); // the stream ends after `end`
  });

  it('a client coming back with Last-Event-ID gets what came after; ?job= keeps one job', async () => {
    const all = await call(`${world.url}${runPath(runId)}/logs`, { token: viewer });
    expect(all.status).toBe(200);
    expect(all.headers.get('content-type')).toContain('application/x-ndjson');
    const chunks = all.text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { seq: number; jobId: string; text: string });
    expect(chunks.map((chunk) => chunk.text)).toEqual(['compiling\n', 'test 1 ok\n', 'test 2 ok\n']);

    const resumed = await fetch(`${world.url}${runPath(runId)}/logs?follow=1&job=test`, {
      headers: { authorization: `Bearer ${viewer}`, 'last-event-id': String(chunks[1]!.seq) },
    });
    expect(await readEvents(resumed).rest()).toEqual([
      { event: 'chunk', id: String(chunks[2]!.seq), data: expect.objectContaining({ text: 'test 2 ok\n' }) },
      { event: 'end', data: { status: 'failed' } },
    ]);
    const onlyBuild = await call(`${world.url}${runPath(runId)}/logs?job=build`, { token: viewer });
    expect(onlyBuild.text.trim().split('\n')).toHaveLength(1);
  });

  it('status and list answer from the record once the run has ended', async () => {
    expect(await call(`${world.url}${runPath(runId)}`, { token: viewer })).toMatchObject({
      status: 200,
      json: {
        runId,
        status: 'failed',
        jobs: [
          { id: 'build', status: 'succeeded' },
          { id: 'test', status: 'failed' },
        ],
      },
    });
    const listed = await call(`${world.url}/v1/pipelines?repo=${encodeURIComponent(repo.dir)}&status=failed`, {
      token: viewer,
    });
    expect((listed.json.runs as PipelineRunView[]).map((run) => run.runId)).toEqual([runId]);
    expect(await call(`${world.url}/v1/pipelines?status=sideways`, { token: viewer })).toMatchObject({
      status: 400,
      json: { issues: [{ path: 'querystring.status' }] },
    });
  });

  it('a rerun is the next attempt at the same sha; one still running is not rerun', async () => {
    const rerun = await call(`${world.url}${runPath(runId)}/rerun`, { token: operator, body: {} });
    const next = pipelineRunId(repoKey, recordedSha, 2);
    expect(rerun).toMatchObject({ status: 202, json: { runId: next, existing: false } });
    expect((await world.env.client.workflow.getHandle(next).describe()).type).toBe('pipelineRun');
    // Its first step sleeps 30 s.
    expect(await call(`${world.url}${runPath(next)}/rerun`, { token: operator, body: {} })).toMatchObject({
      status: 409,
      json: { error: 'still_running' },
    });
  });

  it('rerunning only the failed jobs of a run that succeeded is refused', async () => {
    const succeeded = { ...view('succeeded'), runId: pipelineRunId(repoKey, 'e'.repeat(40), 1), sha: 'e'.repeat(40) };
    await runs.upsert(succeeded);
    const refused = await call(`${world.url}${runPath(succeeded.runId)}/rerun`, {
      token: operator,
      body: { failed: true },
    });
    expect(refused).toMatchObject({ status: 422, json: { error: 'rejected' } });
    expect(refused.json.message).toContain('no failed jobs');
  });
});

describe('a running run no worker answers for', () => {
  it('answers its status from its last record instead of hanging', async () => {
    const sha = 'd'.repeat(40);
    const runId = pipelineRunId(repoKey, sha, 1);
    // Started on a task queue nobody polls: the status query cannot be answered.
    await world.env.client.workflow.start('pipelineRun', { workflowId: runId, taskQueue: 'nobody-polls', args: [{}] });
    const record: PipelineRunView = {
      runId,
      status: 'running',
      repo: repo.dir,
      repoKey,
      ref: sha,
      sha,
      attempt: 1,
      event: 'manual',
      createdAt: new Date().toISOString(),
      jobs: [{ id: 'build', status: 'running', steps: [] }],
    };
    await new PipelineRuns(world.store.db).upsert(record);
    const answer = await call(`${world.url}${runPath(runId)}`, { token: viewer });
    expect(answer).toMatchObject({ status: 200, json: { runId, status: 'running', jobs: [{ id: 'build' }] } });
    await world.env.client.workflow.getHandle(runId).terminate('test done');
  });
});

describe('GET /v1/quality', () => {
  it('serves the stored history and names a refused query field', async () => {
    expect(await call(`${world.url}/v1/quality/trend?service=${repoKey}`, { token: viewer })).toMatchObject({
      status: 200,
      json: { trend: [] },
    });
    expect(await call(`${world.url}/v1/quality/trend`, { token: viewer })).toMatchObject({
      status: 400,
      json: { issues: [{ path: 'querystring.service' }] },
    });
    expect(await call(`${world.url}/v1/quality/remediations?open=true`, { token: viewer })).toMatchObject({
      status: 200,
      json: { remediations: [] },
    });
    expect(await call(`${world.url}/v1/quality/remediations?open=maybe`, { token: viewer })).toMatchObject({
      status: 400,
    });
  });
});

describe('GitHub webhooks start pipeline runs', () => {
  const pushEvent = (after: string) =>
    JSON.stringify({
      ref: 'refs/heads/hooked',
      before: mainSha,
      after,
      repository: { full_name: 'acme/site-api', clone_url: 'https://github.com/acme/site-api.git' },
      sender: { login: 'octocat' },
      commits: [{ added: ['hook.txt'], modified: [], removed: [] }],
    });
  const deliver = (event: string, body: string, delivery: string, signature?: string) =>
    call(`${world.url}/v1/webhooks/github`, {
      body,
      headers: githubEventHeaders(event, body, { secret: SECRET, delivery, signature }),
    });

  it('ping is answered 200', async () => {
    expect(await deliver('ping', JSON.stringify({ zen: 'Design for failure.' }), 'ping-1')).toMatchObject({
      status: 200,
      json: { status: 'pong' },
    });
  });

  it('a signed push starts attempt 1 of its sha; the same delivery or the same event again starts nothing new', async () => {
    const runId = pipelineRunId(repoKey, hookedSha, 1);
    const accepted = await deliver('push', pushEvent(hookedSha), 'push-1');
    expect(accepted).toMatchObject({
      status: 202,
      json: { status: 'accepted', action: 'pipelineRun', runId, workflowId: runId, existing: false },
    });
    const first = await world.env.client.workflow.getHandle(runId).describe();
    expect(first.type).toBe('pipelineRun');

    expect(await deliver('push', pushEvent(hookedSha), 'push-1')).toMatchObject({
      status: 200,
      json: { status: 'duplicate', deliveryId: 'push-1' },
    });
    expect(await deliver('push', pushEvent(hookedSha), 'push-1-redelivered')).toMatchObject({
      status: 202,
      json: { runId, existing: true },
    });
    expect((await world.env.client.workflow.getHandle(runId).describe()).runId).toBe(first.runId);
  });

  it('a bad signature is a 401 and starts nothing; a deleted branch is ignored', async () => {
    const otherSha = 'c'.repeat(40);
    const forged = await deliver(
      'push',
      pushEvent(otherSha),
      'push-2',
      signGithub(pushEvent(otherSha), 'x'.repeat(32)),
    );
    expect(forged.status).toBe(401);
    expect(await temporalHas(pipelineRunId(repoKey, otherSha, 1))).toBe(false);

    expect(await deliver('push', pushEvent('0'.repeat(40)), 'push-3')).toMatchObject({
      status: 202,
      json: { status: 'ignored', reason: 'refs/heads/hooked was deleted' },
    });
  });
});

interface SseEvent {
  event: string;
  id?: string;
  data: unknown;
}

/** Server-sent events of a response, parsed as they arrive (comments such as keep-alives skipped). */
function readEvents(response: Response) {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let done = false;
  const parsed: SseEvent[] = [];
  const pull = async () => {
    const { value, done: ended } = await reader.read();
    if (ended) done = true;
    buffer += decoder.decode(value ?? new Uint8Array(), { stream: !ended });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const fields = Object.fromEntries(
        block
          .split('\n')
          .filter((line) => !line.startsWith(':'))
          .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]),
      );
      if (!fields.event) continue;
      parsed.push({
        event: fields.event,
        ...(fields.id ? { id: fields.id } : {}),
        data: JSON.parse(fields.data ?? 'null'),
      });
    }
  };
  return {
    async next(count: number): Promise<SseEvent[]> {
      while (parsed.length < count && !done) await pull();
      return parsed.splice(0, count);
    },
    async rest(): Promise<SseEvent[]> {
      while (!done) await pull();
      return parsed.splice(0);
    },
  };
}
