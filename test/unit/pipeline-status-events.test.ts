import { PipelineStatusChanges } from '../../domain/pipelines/pipeline-status-events';
import type { JobView, PipelineRunView } from '../../domain/pipelines/pipeline-types';

// The status changes a pipeline run writes to the audit chain (and so the live stream's
// `pipelines` area) from its successive views: each change once, in the order it happened.
const RUN = 'pipeline/acme/app/abc123/1';
function view(status: PipelineRunView['status'], jobs: Partial<JobView>[] = [], extra: Partial<PipelineRunView> = {}) {
  return {
    runId: RUN,
    status,
    repo: '/repos/acme/app',
    repoKey: 'acme/app',
    ref: 'refs/heads/main',
    sha: 'abc123',
    attempt: 1,
    event: 'push',
    createdAt: '2026-12-02T10:00:00.000Z',
    jobs: jobs.map((job) => ({ id: 'build', status: 'queued', steps: [], ...job })),
    ...extra,
  } as PipelineRunView;
}
const actions = (events: { action: string; data: Record<string, unknown> }[]) =>
  events.map((event) => [event.action, event.data.jobId ?? null, event.data.status ?? event.data.verdict ?? null]);

describe('PipelineStatusChanges', () => {
  it('a run that passes: queued, started, each job, the quality verdict, finished; nothing twice', () => {
    const changes = new PipelineStatusChanges();
    expect(actions(changes.next(view('queued')))).toEqual([['pipeline.queued', null, 'queued']]);
    expect(changes.next(view('queued'))).toEqual([]);
    expect(actions(changes.next(view('running', [{ id: 'build' }, { id: 'test' }])))).toEqual([
      ['pipeline.started', null, 'running'],
    ]);
    expect(actions(changes.next(view('running', [{ id: 'build', status: 'running' }, { id: 'test' }])))).toEqual([
      ['pipeline.job.started', 'build', 'running'],
    ]);
    const done = [
      { id: 'build', status: 'succeeded' as const },
      { id: 'test', status: 'skipped' as const, reason: 'if: false' },
    ];
    expect(actions(changes.next(view('running', done)))).toEqual([
      ['pipeline.job.finished', 'build', 'succeeded'],
      ['pipeline.job.finished', 'test', 'skipped'],
    ]);
    const quality = {
      verdict: 'fail' as const,
      checks: [{ name: 'coverage', passed: false, actual: 50, required: 80 }],
    };
    const last = changes.next(view('failed', done, { quality }));
    expect(actions(last)).toEqual([
      ['pipeline.quality', null, 'fail'],
      ['pipeline.finished', null, 'failed'],
    ]);
    expect(last[0]!.data.failed).toEqual(['coverage']);
    expect(last[1]!.data).toMatchObject({ quality: 'fail', jobs: { build: 'succeeded', test: 'skipped' } });
    expect(changes.next(view('failed', done, { quality }))).toEqual([]);
  });

  it('a refused definition goes from queued to finished with the error; a cancelled run says so', () => {
    const refused = new PipelineStatusChanges();
    refused.next(view('queued'));
    const events = refused.next(view('failed', [], { error: 'line 3: unknown job lint' }));
    expect(actions(events)).toEqual([['pipeline.finished', null, 'failed']]);
    expect(events[0]!.data.error).toBe('line 3: unknown job lint');

    const cancelled = new PipelineStatusChanges();
    cancelled.next(view('queued'));
    cancelled.next(view('running', [{ id: 'build', status: 'running' }]));
    expect(
      actions(cancelled.next(view('cancelled', [{ id: 'build', status: 'cancelled', reason: 'cancelled' }]))),
    ).toEqual([
      ['pipeline.job.finished', 'build', 'cancelled'],
      ['pipeline.finished', null, 'cancelled'],
    ]);
  });
});
