import type { Command } from 'commander';
import { z } from 'zod';
import { parseSettings } from '../../domain/settings';
import { parseStreamTopics, STREAM_AREAS, type StreamEvent } from '../../domain/stream-topics';
import { parseInput } from '../../domain/validation';
import type { Caller } from '../../client/api/operations';
import { withCliContext } from '../context';
import { resolveGatewayTarget } from '../gateway-target';
import { CliError } from '../output';
import { followStream, type StreamEndpoint } from '../stream-follow';

const watchOptions = z.object({
  after: z.coerce.number().int().min(0).optional(),
  count: z.coerce.number().int().min(1).optional(),
  json: z.boolean().optional(),
});
export type WatchOptions = z.output<typeof watchOptions>;

/** `arxflow watch <topic...>`: the gateway's live stream (GET /v1/stream) in a terminal. */
export function registerWatchCommand(program: Command): void {
  program
    .command('watch')
    .description(
      `follow live events through the gateway, one line each (time, action, subject, actor): topics are areas ` +
        `(${STREAM_AREAS.join(', ')}) or <area>/<subject> (sync/plan-7, pipelines/<repoKey>/<sha>/<attempt>); ` +
        'a dropped connection resumes where it left off',
    )
    .argument('<topic...>', 'an area or <area>/<subject>')
    .option('--after <id>', 'begin after this audit event id (default: from now)')
    .option('--count <n>', 'exit after this many events')
    .option('--json', 'one JSON object a line: {id, at, topic, action, subject, workflowId, actor, data}')
    .action(async (topics: string[], options: Record<string, unknown>) => {
      const parsed = parseInput(watchOptions, options, 'watch');
      const query = parseStreamTopics(topics, 'topics')
        .map((topic) => topic.topic)
        .join(',');
      await printStream(`/v1/stream?topics=${encodeURIComponent(query)}`, parsed);
    });
}

/**
 * Follows a stream route of the gateway (`/v1/stream?...`, `/v1/sync/<documentId>/events`)
 * and prints each event, until `count` events or Ctrl-C. The gateway is the one the other
 * commands use (ARXFLOW_URL, or the running service: cli/gateway-target.ts), looked up again
 * before each reconnect; without one, exit 1 (the live stream is the service's).
 */
export async function printStream(path: string, options: WatchOptions): Promise<void> {
  await withCliContext(async (ctx) => {
    if (!ctx.gateway) {
      throw new CliError(
        'watch follows the live stream of a running service: start it (npm start) or set ARXFLOW_URL and ARXFLOW_TOKEN',
      );
    }
    let printed = 0;
    const events = followStream({
      connect: () => endpointFor(ctx.caller),
      path,
      ...(options.after !== undefined ? { after: options.after } : {}),
      onReconnect: (reason, lastEventId) =>
        console.error(
          `arxflow: ${reason}; reconnecting${lastEventId === undefined ? '' : ` after event ${lastEventId}`}`,
        ),
    });
    for await (const event of events) {
      console.log(options.json ? JSON.stringify(event) : eventLine(event));
      printed += 1;
      if (options.count !== undefined && printed >= options.count) return;
    }
  });
}

/** `time  action  subject  actor`. */
export function eventLine(event: StreamEvent): string {
  return `${event.at}  ${event.action}  ${event.subject}  ${event.actor}`;
}

/**
 * The gateway and a token, as every command finds them (cli/gateway-target.ts): a token the CLI
 * mints is minted afresh for each connection (they live minutes, a watch may run for days).
 */
async function endpointFor(caller: Caller): Promise<StreamEndpoint> {
  const target = resolveGatewayTarget(parseSettings(process.env), process.env, caller);
  if (!target) throw new CliError('the service is no longer running (its service.json is gone)');
  const token = target.tokenFor ? await target.tokenFor(caller) : process.env.ARXFLOW_TOKEN || undefined;
  return { baseUrl: target.gateway.baseUrl, ...(token ? { token } : {}) };
}
