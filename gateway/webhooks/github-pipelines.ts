import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HeldClaim } from '../../db/webhook-deliveries';
import type { PipelineRunInput } from '../../domain/pipelines/pipeline-types';
import { ApiError, temporalUnreachable } from '../../client/api/errors';
import type { GithubPipelineSetting } from '../../domain/webhook-config';
import type { GithubPipelineEvent } from './github-events';
import type { WebhookSource } from './sources';

/** How the webhook route starts a run (client/api/pipeline-starts.ts startPipelineRun on the gateway's Temporal). */
export type PipelineStarter = (input: PipelineRunInput) => Promise<{ runId: string; existing: boolean }>;

/** The source's `pipelines:` setting (domain/webhook-config.ts): only a `github` source has one. */
export function githubPipelineSettingOf(source: WebhookSource): GithubPipelineSetting | undefined {
  return source.scheme === 'github' ? source.pipelines : undefined;
}

/**
 * Acts on a claimed delivery of a pipeline event: ignored (recorded, 202), or a run started
 * (202 with its id). A redelivery under a new delivery id reaches the run that exists
 * (`existing: true`), never a second run: the run id is the repository, sha and attempt 1.
 * A refusal releases the claim, so GitHub's redelivery runs it again.
 */
export async function actOnPipelineEvent(
  request: FastifyRequest,
  reply: FastifyReply,
  args: {
    event: Exclude<GithubPipelineEvent, { kind: 'ping' }>;
    claim: HeldClaim;
    start: PipelineStarter;
    source: string;
    deliveryId: string;
  },
) {
  const { event, claim, source, deliveryId } = args;
  if (event.kind === 'ignored') {
    await claim.complete({ status: 'ignored', reason: event.reason });
    return reply.code(202).send({ status: 'ignored', reason: event.reason, deliveryId });
  }
  let started: { runId: string; existing: boolean };
  try {
    started = await args.start(event.input);
  } catch (err) {
    await claim
      .release()
      .catch((releaseError: unknown) =>
        request.log.error({ err: releaseError, source, deliveryId }, 'webhook claim not released'),
      );
    const refusal = err instanceof ApiError ? err : temporalUnreachable(err);
    if (!refusal) throw err;
    return reply.code(refusal.status).send({ error: refusal.code, message: refusal.message });
  }
  const accepted = {
    status: 'accepted',
    action: 'pipelineRun',
    workflowId: started.runId,
    runId: started.runId,
    existing: started.existing,
    deliveryId,
  } as const;
  await claim
    .complete(accepted)
    .catch((err: unknown) =>
      request.log.error({ err, source, deliveryId }, 'webhook delivery acted on but not marked done'),
    );
  request.log.info({ source, deliveryId, runId: started.runId, existing: started.existing }, 'pipeline run started');
  return reply.code(202).send(accepted);
}
