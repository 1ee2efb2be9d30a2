import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HeldClaim } from '../../db/webhook-deliveries';
import type { PipelineRunInput } from '../../domain/pipelines/pipeline-types';
import { inputErrorOf } from '../../domain/validation';
import { ApiError, temporalUnreachable } from '../../client/api/errors';
import { githubPipelineSettingSchema, type GithubPipelineEvent, type GithubPipelineSetting } from './github-events';
import type { WebhookSource } from './sources';

/** How the webhook route starts a run (client/api/pipeline-starts.ts startPipelineRun on the gateway's Temporal). */
export type PipelineStarter = (input: PipelineRunInput) => Promise<{ runId: string; existing: boolean }>;

/**
 * The source's `pipelines:` setting, when it runs pipelines: only a `github` source can (the
 * event name is GitHub's X-GitHub-Event header). Read from the loaded source, where
 * domain/webhook-config.ts keeps it; a malformed one stops start-up there, and here too.
 */
export function githubPipelineSettingOf(source: WebhookSource): GithubPipelineSetting | undefined {
  const setting = (source as { pipelines?: unknown }).pipelines;
  if (setting === undefined || setting === null || source.scheme !== 'github') return undefined;
  const parsed = githubPipelineSettingSchema.safeParse(setting);
  if (!parsed.success) throw inputErrorOf(parsed.error.issues, `webhooks.${source.name}.pipelines`);
  return parsed.data;
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
