import type { Command } from 'commander';
import { listFilterSchema } from '../../client/api/visibility-query';
import { parseInput } from '../../domain/validation';
import { withCliContext } from '../context';
import { CliError, jsonOption, print, printTable } from '../output';
import { watchWorkflow } from '../watch';

export function registerWorkflowCommands(program: Command): void {
  const workflows = program
    .command('workflows')
    .description('arxflow workflows: list, describe, start, signal, update, query');

  workflows
    .command('list')
    .description('list workflows (Temporal visibility)')
    .option('--status <status>', 'open | closed | all', 'all')
    .option('--project <id>', 'ProjectId search attribute')
    .option('--type <workflowType>', 'workflow type')
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'print JSON')
    .action(async (options: { status: string; project?: string; type?: string; limit: string; json?: boolean }) => {
      const filter = parseInput(
        listFilterSchema,
        { status: options.status, project: options.project, type: options.type, limit: options.limit },
        'workflows list',
      );
      const rows = await withCliContext((ctx) => ctx.operations.list(filter));
      printTable(rows as never, ['workflowId', 'type', 'status', 'startTime', 'closeTime'], !!options.json);
    });

  workflows
    .command('describe')
    .description('status of one workflow')
    .argument('<workflowId>')
    .option('--watch', 'follow its status until it closes')
    .option('--interval <seconds>', 'with --watch: seconds between checks', '2')
    .option('--json', 'print JSON')
    .action(async (workflowId: string, options: { watch?: boolean; interval: string; json?: boolean }) => {
      await withCliContext(async (ctx) => {
        if (!options.watch) return print((await ctx.operations.describe(workflowId)) as never, !!options.json);
        const final = await watchWorkflow(ctx.operations, workflowId, Number(options.interval) * 1000, !!options.json);
        if (final !== 'COMPLETED') throw new CliError(`workflow ${workflowId} ended ${final}`);
      });
    });

  workflows
    .command('start')
    .description('start a workflow by type')
    .argument('<workflowType>')
    .option('--input <json>', 'the workflow input as JSON', '{}')
    .option('--json', 'print JSON')
    .action(async (type: string, options: { input: string; json?: boolean }) => {
      const input = jsonOption(options.input, '--input');
      print(await withCliContext((ctx) => ctx.operations.start(type, input, ctx.caller)), !!options.json);
    });

  for (const kind of ['signal', 'update'] as const) {
    workflows
      .command(kind)
      .description(`send ${kind === 'signal' ? 'a signal' : 'an update (refusals exit 1 with the reason)'}`)
      .argument('<workflowId>')
      .argument('<name>')
      .option('--body <json>', 'the message body as JSON (your identity is added, never taken from here)', '{}')
      .option('--json', 'print JSON')
      .action(async (workflowId: string, name: string, options: { body: string; json?: boolean }) => {
        const body = jsonOption(options.body, '--body');
        await withCliContext(async (ctx) => {
          if (kind === 'signal') {
            await ctx.operations.signal(workflowId, name, body, ctx.caller);
            // A signal cannot answer: the workflow applies it or records its refusal (see its status query).
            return print({ workflowId, signal: name, status: 'delivered' }, !!options.json);
          }
          print(
            { workflowId, update: name, result: await ctx.operations.update(workflowId, name, body, ctx.caller) },
            !!options.json,
          );
        });
      });
  }

  workflows
    .command('query')
    .description('run a query')
    .argument('<workflowId>')
    .argument('<name>')
    .option('--json', 'print JSON')
    .action(async (workflowId: string, name: string, options: { json?: boolean }) => {
      const result = await withCliContext((ctx) => ctx.operations.query(workflowId, name, ctx.caller));
      print({ workflowId, query: name, result }, !!options.json);
    });

  workflows
    .command('result')
    .description('the result of a closed workflow')
    .argument('<workflowId>')
    .option('--json', 'print JSON')
    .action(async (workflowId: string, options: { json?: boolean }) => {
      const outcome = await withCliContext((ctx) => ctx.operations.outcome(workflowId));
      print({ workflowId, ...outcome }, !!options.json);
      if (outcome.status !== 'COMPLETED') throw new CliError(`workflow ${workflowId} is ${outcome.status}`);
    });
}
