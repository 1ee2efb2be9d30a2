import type { RunStatus } from '../../domain/pipelines/pipeline-types';
import { isFinal, type PipelineLogChunk, type PipelineOperations } from './pipeline-operations';
import { pause } from '../../platform/pause';

export type FollowEvent = { kind: 'chunk'; chunk: PipelineLogChunk } | { kind: 'end'; status: RunStatus };

/**
 * A run's log as it is written, then `end` with the run's final status: what `?follow=1`
 * streams as server-sent events and what `arxflow pipeline logs --follow` prints, over either
 * PipelineOperations. Polls the store: the status is read BEFORE each read of the log, so once
 * a final status has been seen, that read holds every chunk (the steps wrote them before the
 * run ended) and nothing is lost at the end. Stops early when `signal` aborts (client gone).
 */
export async function* followPipelineLogs(
  operations: PipelineOperations,
  runId: string,
  options: { job?: string; afterSeq?: number; intervalMs?: number; signal?: AbortSignal } = {},
): AsyncGenerator<FollowEvent> {
  let afterSeq = options.afterSeq;
  const intervalMs = options.intervalMs ?? 500;
  for (;;) {
    const { status } = await operations.status(runId);
    const chunks = await operations.logs(runId, {
      ...(options.job ? { job: options.job } : {}),
      ...(afterSeq !== undefined ? { afterSeq } : {}),
    });
    for (const chunk of chunks) {
      if (options.signal?.aborted) return;
      afterSeq = chunk.seq;
      yield { kind: 'chunk', chunk };
    }
    if (isFinal(status)) {
      yield { kind: 'end', status };
      return;
    }
    if (options.signal?.aborted) return;
    await pause(intervalMs, options.signal);
  }
}
