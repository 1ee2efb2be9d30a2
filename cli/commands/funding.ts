import type { Command } from 'commander';
import { z } from 'zod';
import type { GateStatusView } from '../../domain/funding/gate';
import { fundingGateId, keySegment } from '../../domain/funding/gate-input';
import { formatMoney } from '../../domain/funding/money';
import { depositInputSchema } from '../../domain/funding/deposit';
import { parseInput } from '../../domain/validation';
import { waitForOutcome } from '../watch';
import { printGateStatus } from './funding-status-text';
import type { Caller } from '../../client/api/operations';
import { registryEntry } from '../../client/api/registry';
import { withCliContext, type CliContext } from '../context';
import { CliError, EXIT, jsonOption, readJsonFile, print, printTable } from '../output';
import { openSettingsStore } from '../../db/settings-store';
import {
  HttpFundingSetupOperations,
  StoreFundingSetupOperations,
  type FundingSetupOperations,
} from '../../client/api/funding-setup-operations';

interface ActingOptions {
  as?: string;
  role: string[];
  json?: boolean;
}

const repeatable = (value: string, all: string[]) => [...all, value];

/**
 * `arxflow funding ...`: run a construction draw by hand. On Temporal directly, `--as` and
 * `--role` say who acts (you are trusted as whoever can reach Temporal); through the
 * gateway the token decides, and `--as` must match its subject.
 */
export function registerFundingCommands(program: Command): void {
  const funding = program
    .command('funding')
    .description('funding release gates: start a draw, add evidence, approve, watch, reverse');

  funding
    .command('start')
    .description(
      "request a draw from a JSON file (docs/funding.md); you are the requester, the project's program decides approvals",
    )
    .argument('<file>')
    .option('--as <userId>', 'who requests (direct mode); through the gateway, the token subject')
    .option('--json', 'print JSON')
    .action(async (file: string, options: { as?: string; json?: boolean }) => {
      const input = readJsonFile(file);
      print(
        await withCliContext((ctx) =>
          ctx.operations.start('fundingGate', input, acting(ctx, { ...options, role: [] })),
        ),
        !!options.json,
      );
    });

  registerSetupCommands(funding);

  funding
    .command('deposit')
    .description("post a lender's deposit to the project's funding account (once per --reference)")
    .argument('<projectId>')
    .argument('<amountMinorUnits>')
    .requiredOption('--reference <id>', 'the bank transfer id: the same reference is posted once')
    .option('--currency <code>', 'ISO 4217', 'USD')
    .option('--json', 'print JSON')
    .action(
      async (projectId: string, amount: string, options: { reference: string; currency: string; json?: boolean }) => {
        const input = parseInput(
          depositInputSchema,
          { projectId, reference: options.reference, amount: Number(amount), currency: options.currency },
          'funding deposit',
        );
        const result = await withCliContext(async (ctx) => {
          const { workflowId } = await ctx.operations.start('fundingDeposit', input, ctx.caller);
          return { workflowId, ...(await waitForOutcome(ctx.operations, workflowId)) };
        });
        print(result, !!options.json);
        if (result.status !== 'COMPLETED') throw new CliError(`deposit ${result.workflowId} ended ${result.status}`);
      },
    );

  funding
    .command('status')
    .description(
      'a draw at a glance: refusals first, then the release per line, conditions and evidence, approvals and votes, clocks, the ledger posting and the timeline',
    )
    .argument('<projectId>')
    .argument('<milestoneId>')
    .option('--json', 'print the status query result as JSON')
    .action(async (projectId: string, milestoneId: string, options: { json?: boolean }) => {
      const status = await withCliContext((ctx) =>
        ctx.operations.query(gateId(projectId, milestoneId), 'status', ctx.caller),
      );
      if (options.json) print(status as Record<string, unknown>, true);
      else printGateStatus(status as GateStatusView);
    });

  const decision = (verb: 'approve' | 'reject' | 'request-changes', description: string) =>
    funding
      .command(verb)
      .description(description)
      .argument('<projectId>')
      .argument('<milestoneId>')
      .option('--as <userId>', 'who decides (direct mode); through the gateway, the token subject')
      .option(
        '--role <role>',
        'a role the approver holds, e.g. signatory (direct mode; repeatable)',
        repeatable,
        [] as string[],
      )
      .option(
        '--amount <lineId=minorUnits>',
        'approve less than requested on a line (repeatable)',
        repeatable,
        [] as string[],
      )
      .option('--reason <code>', 'reason code (required to reject)')
      .option('--comment <text>', 'a comment')
      .option('--json', 'print JSON')
      .action(
        async (
          projectId: string,
          milestoneId: string,
          options: ActingOptions & { amount: string[]; reason?: string; comment?: string },
        ) => {
          const id = gateId(projectId, milestoneId);
          const body = {
            decision: verb === 'request-changes' ? 'request_changes' : verb,
            ...(options.reason ? { reasonCode: options.reason } : {}),
            ...(options.comment ? { comment: options.comment } : {}),
            ...(options.amount.length ? { approvedAmounts: parseAmounts(options.amount) } : {}),
          };
          const result = await withCliContext((ctx) => ctx.operations.update(id, 'decide', body, acting(ctx, options)));
          print(options.json ? { result } : summarize(result as GateStatusView), !!options.json);
        },
      );
  decision('approve', 'approve the draw (optionally less on some lines)');
  decision('reject', 'reject the draw with a reason code');
  decision('request-changes', 'send the draw back to the requester');

  funding
    .command('evidence')
    .description('submit evidence for a condition')
    .argument('<projectId>')
    .argument('<milestoneId>')
    .requiredOption('--body <json>', 'the evidence, e.g. {"kind":"document","name":"schedule-of-values"}')
    .option('--as <userId>', 'who submits (direct mode)')
    .option('--role <role>', 'a role (direct mode; repeatable)', repeatable, [] as string[])
    .option('--json', 'print JSON')
    .action(async (projectId: string, milestoneId: string, options: ActingOptions & { body: string }) => {
      const id = gateId(projectId, milestoneId);
      const body = jsonOption(options.body, '--body');
      // The API's own check of its shape, here before anything is sent, even through an unreachable
      // gateway (exit 2 naming the field); what the gate's rules refuse exits 1.
      parseInput(registryEntry('fundingGate')!.updates.submitEvidence!.body, body, 'evidence');
      const result = await withCliContext((ctx) =>
        ctx.operations.update(id, 'submitEvidence', body, acting(ctx, options)),
      );
      print(options.json ? { result } : summarize(result as GateStatusView), !!options.json);
    });

  // Updates, so a refusal (not on hold, already held, not disbursed...) exits 1 with the gate's reason.
  for (const verb of ['hold', 'resume', 'reverse'] as const) {
    funding
      .command(verb)
      .description(`${verb} the draw`)
      .argument('<projectId>')
      .argument('<milestoneId>')
      .requiredOption('--reason <text>', 'why')
      .option('--as <userId>', 'who acts (direct mode)')
      .option('--role <role>', 'a role (direct mode; repeatable)', repeatable, [] as string[])
      .option('--json', 'print JSON')
      .action(async (projectId: string, milestoneId: string, options: ActingOptions & { reason: string }) => {
        const id = gateId(projectId, milestoneId);
        const result = await withCliContext((ctx) =>
          ctx.operations.update(id, verb, { reason: options.reason }, acting(ctx, options)),
        );
        print(options.json ? { result } : summarize(result as GateStatusView), !!options.json);
      });
  }
}

/**
 * The gate's workflow id from the command line's two ids, each checked first (exit 2 naming it):
 * an id that cannot be part of one (`--as`, after a `--`) would otherwise be looked up and
 * reported as a gate not found.
 */
function gateId(projectId: string, milestoneId: string): string {
  return fundingGateId(
    parseInput(
      z.object({ projectId: keySegment, milestoneId: keySegment }),
      { projectId, milestoneId },
      'funding gate',
    ),
  );
}

/** `funding program ...` and `funding payee ...`: what admins decide for a project's draws. */
function registerSetupCommands(funding: Command): void {
  const program = funding
    .command('program')
    .description("a project's funding program: approvals, conditions, retainage, clocks (admin)");
  program
    .command('publish')
    .description('publish the next version of a program from a JSON file; it becomes the current one')
    .argument('<projectId>')
    .argument('<programId>')
    .argument('<file>')
    .option('--not-current', "publish without making it the project's current program")
    .option('--json', 'print JSON')
    .action(
      async (projectId: string, programId: string, file: string, options: { notCurrent?: boolean; json?: boolean }) => {
        const definition = readJsonFile(file);
        const published = await withSetup((ops, actor) =>
          ops.publishProgram(projectId, programId, definition, actor, !options.notCurrent),
        );
        print(
          options.json
            ? { ...published }
            : { projectId, programId, version: published.version, by: published.createdBy },
          !!options.json,
        );
      },
    );
  program
    .command('list')
    .description("the project's programs (latest versions) and the current one")
    .argument('<projectId>')
    .option('--json', 'print JSON')
    .action(async (projectId: string, options: { json?: boolean }) => {
      const listed = await withSetup((ops) => ops.programs(projectId));
      const rows = listed.programs.map((p) => ({
        programId: p.programId,
        version: p.version,
        current: p.programId === listed.current,
        createdBy: p.createdBy,
        createdAt: p.createdAt,
      }));
      printTable(rows, ['programId', 'version', 'current', 'createdBy', 'createdAt'], !!options.json);
    });
  program
    .command('show')
    .description('one program (latest version, or --version)')
    .argument('<projectId>')
    .argument('<programId>')
    .option('--version <n>', 'a stored version')
    .option('--json', 'print JSON')
    .action(async (projectId: string, programId: string, options: { version?: string; json?: boolean }) => {
      const version = options.version === undefined ? undefined : Number(options.version);
      if (version !== undefined && !(Number.isInteger(version) && version >= 1))
        throw new CliError('--version: a version number from 1', EXIT.badInput);
      print({ ...(await withSetup((ops) => ops.program(projectId, programId, version))) }, true);
    });

  const payee = funding.command('payee').description("who a project's draws may pay (admin registers)");
  payee
    .command('add')
    .description('register a payee of the project')
    .argument('<projectId>')
    .argument('<payeeId>')
    .requiredOption('--name <text>', "the payee's legal name")
    .option('--json', 'print JSON')
    .action(async (projectId: string, payeeId: string, options: { name: string; json?: boolean }) => {
      print(
        { ...(await withSetup((ops, actor) => ops.registerPayee(projectId, payeeId, { name: options.name }, actor))) },
        !!options.json,
      );
    });
  payee
    .command('remove')
    .description('remove a registered payee (kept as a record)')
    .argument('<projectId>')
    .argument('<payeeId>')
    .option('--json', 'print JSON')
    .action(async (projectId: string, payeeId: string, options: { json?: boolean }) => {
      await withSetup((ops, actor) => ops.removePayee(projectId, payeeId, actor));
      print({ projectId, payeeId, status: 'removed' }, !!options.json);
    });
  payee
    .command('list')
    .description("the project's registered payees")
    .argument('<projectId>')
    .option('--json', 'print JSON')
    .action(async (projectId: string, options: { json?: boolean }) => {
      const payees = await withSetup((ops) => ops.payees(projectId));
      printTable(
        payees as unknown as Record<string, unknown>[],
        ['payeeId', 'name', 'registeredBy', 'registeredAt'],
        !!options.json,
      );
    });
}

/** Through the gateway (admin token) when ARXFLOW_URL is set, else on the store, telling open draws through Temporal. */
async function withSetup<T>(work: (ops: FundingSetupOperations, actor: string) => Promise<T>): Promise<T> {
  return withCliContext(async (ctx) => {
    if (ctx.gateway) return work(new HttpFundingSetupOperations(ctx.gateway), ctx.caller.subject);
    const store = await openSettingsStore(ctx.settings);
    try {
      return await work(new StoreFundingSetupOperations(store, (await ctx.temporal()).client), ctx.caller.subject);
    } finally {
      await store.close();
    }
  });
}

/** Who acts: in direct mode and through a found service (the CLI mints a token per caller) `--as`/`--role` say; through ARXFLOW_URL, the token's subject. */
function acting(ctx: CliContext, options: ActingOptions): Caller {
  if (ctx.gateway && !ctx.mintsTokens) {
    if (options.as) throw new CliError("--as: through the gateway you act as your token's subject", EXIT.badInput);
    return ctx.caller;
  }
  return { subject: options.as ?? ctx.caller.subject, roles: [...ctx.caller.roles, ...options.role] };
}

function parseAmounts(pairs: string[]): Record<string, number> {
  return Object.fromEntries(
    pairs.map((pair) => {
      const match = /^([^=]+)=(\d+)$/.exec(pair);
      if (!match) throw new CliError(`--amount ${pair}: expected lineId=minorUnits, e.g. L1=150000`, EXIT.badInput);
      return [match[1]!, Number(match[2])];
    }),
  );
}

/** What an accepted message prints: the gate in five lines (`funding status` shows all of it). */
function summarize(view: GateStatusView): Record<string, unknown> {
  return {
    status: view.status,
    requested: formatMoney(view.requestedTotal, view.currency),
    conditions: view.conditions.conditions.map((c) => `${c.id}=${c.status}`).join(' '),
    approvals: `${view.approvals.state}${view.approvals.currentStage ? ` (stage ${view.approvals.currentStage})` : ''}`,
    release: view.release
      ? `approved ${formatMoney(view.release.totals.approved, view.currency)}, paid ${formatMoney(view.release.totals.releasedNow, view.currency)}, retained ${formatMoney(view.release.totals.retainageHeld, view.currency)}`
      : '-',
  };
}
