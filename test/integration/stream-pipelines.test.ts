import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readServerSentEvents, type RawServerSentEvent } from '../../cli/stream-follow';
import { pipelineRunId } from '../../domain/pipelines/pipeline-types';
import { repoKeyOf } from '../../domain/pipelines/repo-key';
import type { StreamEvent } from '../../domain/stream-topics';
import { runArxflowInProcess } from '../support/cli-in-process';
import { useDevServerWorld } from '../support/dev-server-world';
import { call, tokenFor } from '../support/gateway';
import { createGitRepo } from '../support/git-repo';

/**
 * A pipeline run's status changes on the live stream (GET /v1/stream, `arxflow watch pipelines`):
 * a real run on a dev server with the production worker, started through the gateway, its
 * audit events (the pipelineRun workflow writes them) read by a subscriber over real HTTP.
 */
const PIPELINE = `jobs:
  build:
    steps:
      - run: echo built
  test:
    needs: [build]
    steps:
      - run: exit 3
`;
const repo = createGitRepo({ '.arxflow/pipeline.yml': PIPELINE });
const sha = repo.sha();
const runId = pipelineRunId(repoKeyOf(repo.dir), sha, 1);
const topic = `pipelines/${runId.slice('pipeline/'.length)}`;

const world = useDevServerWorld('stream-pipelines');
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'arxflow-stream-pipelines-'));
afterAll(() => {
  repo.remove();
  rmSync(dataDir, { recursive: true, force: true });
});
const tokens = {} as Record<'operator' | 'deployer' | 'signatory', string>;
beforeAll(async () => {
  tokens.operator = await tokenFor('olga', 'operator');
  tokens.deployer = await tokenFor('ci', 'deployer');
  tokens.signatory = await tokenFor('sig', 'signatory' as never);
});

/** The events of a subscription until `done` says enough (or 60 s: a loaded machine runs git and sh slowly). */
async function eventsUntil(
  response: Response,
  abort: AbortController,
  done: (events: StreamEvent[]) => boolean,
  begun: () => void,
): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  const timer = setTimeout(() => abort.abort(), 60_000);
  try {
    for await (const message of readServerSentEvents(response.body!) as AsyncIterable<RawServerSentEvent>) {
      if (message.data === undefined) {
        begun();
        continue;
      }
      events.push(JSON.parse(message.data) as StreamEvent);
      if (done(events)) break;
    }
  } catch {
    // aborted: the assertions below say what was missing
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  return events;
}

describe('pipeline runs on the live stream', () => {
  it("a subscriber receives a run's status changes in order, and arxflow watch prints them", async () => {
    const abort = new AbortController();
    const response = await fetch(`${world.url}/v1/stream?topics=${encodeURIComponent(topic)}`, {
      headers: { authorization: `Bearer ${tokens.deployer}` },
      signal: abort.signal,
    });
    expect(response.status).toBe(200);
    let onBegun!: () => void;
    const subscribed = new Promise<void>((resolve) => (onBegun = resolve));
    const received = eventsUntil(
      response,
      abort,
      (events) => events.some((e) => e.action === 'pipeline.finished'),
      () => onBegun(),
    );
    await subscribed;

    const started = await call(`${world.url}/v1/pipelines`, {
      token: tokens.operator,
      body: { repo: repo.dir, ref: 'main' },
    });
    expect(started).toMatchObject({ status: 202, json: { runId } });

    const events = await received;
    expect(events.map((event) => [event.action, event.data.jobId ?? null, event.data.status ?? null])).toEqual([
      ['pipeline.queued', null, 'queued'],
      ['pipeline.started', null, 'running'],
      ['pipeline.job.started', 'build', 'running'],
      ['pipeline.job.finished', 'build', 'succeeded'],
      ['pipeline.job.started', 'test', 'running'],
      ['pipeline.job.finished', 'test', 'failed'],
      ['pipeline.finished', null, 'failed'],
    ]);
    const ids = events.map((event) => event.id);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(events.every((event) => event.topic === topic && event.subject === runId)).toBe(true);
    expect(events.at(-1)!.data).toMatchObject({ jobs: { build: 'succeeded', test: 'failed' }, sha });

    // The same from the terminal, resumed from before the run (--after), as one JSON object a line.
    const watched = await runArxflowInProcess(
      ['watch', 'pipelines', '--after', String(ids[0]! - 1), '--count', String(events.length), '--json'],
      { ARXFLOW_URL: world.url, ARXFLOW_TOKEN: tokens.deployer, ARXFLOW_DATA_DIR: dataDir },
    );
    expect(watched.status).toBe(0);
    const printed = watched.stdout.split('\n').map((line) => JSON.parse(line) as StreamEvent);
    expect(printed.map((event) => event.id)).toEqual(ids);
  });

  it('a token whose roles may not read pipelines is refused', async () => {
    const refused = await call(`${world.url}/v1/stream?topics=pipelines`, { token: tokens.signatory });
    expect(refused.status).toBe(403);
    const cli = await runArxflowInProcess(['watch', 'pipelines', '--count', '1'], {
      ARXFLOW_URL: world.url,
      ARXFLOW_TOKEN: tokens.signatory,
      ARXFLOW_DATA_DIR: dataDir,
    });
    expect(cli.status).not.toBe(0);
    expect(cli.stderr).toMatch(/403|role/);
  });
});
