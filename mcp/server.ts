import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { checkPlanAgainst } from '../domain/compliance/engine';
import { explainRule } from '../domain/compliance/explain';
import { JURISDICTIONS } from '../domain/compliance/jurisdictions';
import { parsePlan } from '../domain/compliance/plan-schema';
import { resolveCode } from '../domain/compliance/resolve';
import { InputError } from '../domain/validation';
import { version } from '../package.json';
import { ReviewNotFoundError, type ReviewStatusAnswer } from './review-status';
import { MCP_MESSAGE_MAX_BYTES, stdinMessages } from './stdin-messages';

export interface McpDeps {
  /** Looks a review up through Temporal; opened on first use, so the engine tools work without a server. */
  reviewStatus: (planId: string) => Promise<ReviewStatusAnswer>;
  /** The engine's day; the server process is the one place it comes from the clock. */
  today?: () => string;
}

const dateSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD');

/**
 * The MCP server assistants use: the rule engine (`check_plan`, `explain_rule`) locally,
 * and a review's state (`review_status`) through Temporal. Refusals (a bad plan, an unknown
 * rule or plan) are tool results with isError, so the assistant reads the reason.
 */
function createComplianceMcpServer(deps: McpDeps): McpServer {
  const today = deps.today ?? (() => new Date().toISOString().slice(0, 10));
  const server = new McpServer({ name: 'arxflow-compliance', version });
  const jurisdictions = JURISDICTIONS.map((j) => j.id).join(', ');

  server.registerTool(
    'check_plan',
    {
      description:
        `Check a building plan (arxflow plan format v1, docs/plan-format.md) against a jurisdiction's code (${jurisdictions}). ` +
        'Returns compliance, occupant loads and violations (rule, section, elements, required, actual, unit, severity, message).',
      inputSchema: {
        plan: z
          .union([z.record(z.string(), z.unknown()), z.string()])
          .describe('the plan as a JSON object, or JSON text'),
        jurisdiction: z.string().optional().describe("the code to check against; default: the plan's jurisdiction"),
        asOf: dateSchema.optional().describe('apply the amendments in force on this day; default: today'),
      },
    },
    async ({ plan, jurisdiction, asOf }) =>
      answer(() => {
        const parsed = parsePlan(typeof plan === 'string' ? parseJson(plan) : plan);
        return checkPlanAgainst(parsed, resolveCode(jurisdiction ?? parsed.jurisdiction, asOf ?? today()));
      }),
  );

  server.registerTool(
    'explain_rule',
    {
      description:
        'Explain one code rule as it stands in a jurisdiction on a day: requirement, values and exceptions in force, source and amendments.',
      inputSchema: {
        rule: z.string().describe('rule id, e.g. IBC-1010.1.1'),
        jurisdiction: z.string().optional().describe('default: IBC-2021'),
        asOf: dateSchema.optional().describe('default: today'),
      },
    },
    async ({ rule, jurisdiction, asOf }) =>
      answer(() => explainRule(rule, jurisdiction ?? 'IBC-2021', asOf ?? today())),
  );

  server.registerTool(
    'review_status',
    {
      description:
        'The state of the compliance review of a plan (workflow compliance/<planId>): status, who it waits on, clocks, cycles with violations and diffs, decisions.',
      inputSchema: { planId: z.string().min(1).describe('the plan id the review was started for') },
    },
    async ({ planId }) => answer(() => deps.reviewStatus(planId)),
  );

  return server;
}

/**
 * Runs the server on stdin/stdout until the client closes it; a message too long or cut off is
 * an InputError naming stdin. Nothing else may write to stdout.
 */
export async function runStdioMcpServer(deps: McpDeps): Promise<void> {
  const server = createComplianceMcpServer(deps);
  const messages = stdinMessages(process.stdin);
  const closed = new Promise<void>((resolve, reject) => {
    server.server.onclose = resolve;
    messages.once('error', reject);
  });
  // Room for the longest line stdinMessages passes and its newline: the SDK's buffer never refuses first.
  await server.connect(
    new StdioServerTransport(messages, process.stdout, { maxBufferSize: MCP_MESSAGE_MAX_BYTES + 1 }),
  );
  try {
    await closed;
  } finally {
    await server.close();
  }
}

async function answer(work: () => unknown): Promise<CallToolResult> {
  try {
    const result = await work();
    return {
      content: [{ type: 'text', text: JSON.stringify(result, null, 2) }],
      structuredContent: result as Record<string, unknown>,
    };
  } catch (err) {
    if (err instanceof InputError || err instanceof ReviewNotFoundError)
      return { isError: true, content: [{ type: 'text', text: err.message }] };
    throw err;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InputError(`plan: not JSON (${(err as Error).message})`, [{ path: 'plan', message: 'not JSON' }]);
  }
}
