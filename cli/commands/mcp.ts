import type { Command } from 'commander';
import { runStdioMcpServer } from '../../mcp/server';
import { reviewStatusOf } from '../../mcp/review-status';
import { openTemporalClient } from '../temporal-client';

/**
 * `arxflow mcp`: the MCP server on stdio, for assistants (Claude Desktop, IDEs) to start as
 * a subprocess. Temporal is reached only when `review_status` is first called, with the
 * same settings as the other commands (TEMPORAL_ADDRESS, namespace, encryption keys).
 */
export function registerMcpCommand(program: Command): void {
  program
    .command('mcp')
    .description('serve the compliance tools (check_plan, explain_rule, review_status) over MCP on stdio')
    .action(async () => {
      let temporal: ReturnType<typeof openTemporalClient> | undefined;
      try {
        await runStdioMcpServer({
          reviewStatus: async (planId) => reviewStatusOf((await (temporal ??= openTemporalClient())).client, planId),
        });
      } finally {
        if (temporal) await (await temporal.catch(() => undefined))?.close();
      }
    });
}
