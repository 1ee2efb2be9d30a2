import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { yamlTextRefusal } from '../../domain/yaml-limits';
import { taskTriggerSchema, type TaskTrigger } from '../../domain/task-triggers';
import { parseInput } from '../../domain/validation';
import { openSettingsStore } from '../../db/settings-store';
import { HttpTriggerOperations } from '../../client/api/http-trigger-operations';
import { StoreTriggerOperations } from '../../client/api/store-trigger-operations';
import type { TriggerOperations } from '../../client/api/trigger-operations';
import type { ReplayTriggerActionResult } from '../../workflows/replay-trigger-action';
import { withCliContext } from '../context';
import { CliError, EXIT, print, printTable, readFileArgument } from '../output';
import { waitForOutcome } from '../watch';

/**
 * `arxflow triggers ...`: the task trigger map and its dead letters. Through the gateway
 * (operator or admin token) when ARXFLOW_URL is set, else on the store DATABASE_URL or the
 * data dir names (and Temporal, for a replay).
 */
export function registerTriggerCommands(program: Command): void {
  const triggers = program
    .command('triggers')
    .description('task triggers: what task tracker events set in motion; dead letters and replay');

  triggers
    .command('put')
    .description('create or replace a trigger from a JSON or YAML file (its id says which)')
    .argument('<file>')
    .option('--json', 'print JSON')
    .action(async (file: string, options: { json?: boolean }) => {
      // Checked here first: bad input exits 2 before the store or the gateway is reached.
      const trigger = parseInput(taskTriggerSchema, readDocument(file), file);
      print(await withTriggerOperations((ops) => ops.put(trigger.id, trigger)), !!options.json);
    });

  triggers
    .command('list')
    .description('triggers, by project and task (webhook secrets redacted)')
    .option('--project <projectId>', 'only this project')
    .option('--task <taskId>', 'only this task')
    .option('--json', 'print JSON')
    .action(async (options: { project?: string; task?: string; json?: boolean }) => {
      const listed = await withTriggerOperations((ops) =>
        ops.list({ projectId: options.project, taskId: options.task }),
      );
      if (options.json) return print({ triggers: listed }, true);
      printTable(listed.map(summary), ['id', 'projectId', 'taskId', 'triggerType', 'conditions', 'actions'], false);
    });

  triggers
    .command('show')
    .description('one trigger (webhook secrets redacted)')
    .argument('<id>')
    .option('--json', 'print JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      print(await withTriggerOperations((ops) => ops.get(id)), !!options.json);
    });

  triggers
    .command('delete')
    .description('delete a trigger; its dead letters stay')
    .argument('<id>')
    .option('--json', 'print JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      await withTriggerOperations((ops) => ops.remove(id));
      print({ id, status: 'deleted' }, !!options.json);
    });

  triggers
    .command('dead-letters')
    .description('actions that could not be done, oldest first, with their replays')
    .option('--trigger <id>', 'only this trigger')
    .option('--json', 'print JSON')
    .action(async (options: { trigger?: string; json?: boolean }) => {
      const letters = await withTriggerOperations((ops) => ops.deadLetters({ triggerId: options.trigger }));
      if (options.json) return print({ deadLetters: letters }, true);
      printTable(
        letters,
        ['key', 'triggerId', 'attempts', 'error', 'createdAt', 'replayOutcome', 'replayDeadLetterKey'],
        false,
      );
    });

  triggers
    .command('replay')
    .description("run a dead letter's action again (webhooks keep their delivery id); once per dead letter")
    .argument('<key>')
    .option('--wait', 'wait for the replay; exit 1 if it failed again')
    .option('--json', 'print JSON')
    .action(async (key: string, options: { wait?: boolean; json?: boolean }) => {
      const started = await withTriggerOperations((ops) => ops.replay(key));
      if (!options.wait) return print({ ...started }, !!options.json);
      const outcome = await withCliContext((ctx) => waitForOutcome(ctx.operations, started.workflowId));
      if (!('result' in outcome))
        throw new CliError(
          `replay ${started.workflowId} ended ${outcome.status}: ${'failure' in outcome ? outcome.failure : ''}`,
        );
      const result = outcome.result as ReplayTriggerActionResult;
      print({ ...result }, !!options.json);
      if (result.newDeadLetterKey)
        throw new CliError(`the action failed again: dead letter ${result.newDeadLetterKey}`);
    });
}

async function withTriggerOperations<T>(work: (operations: TriggerOperations) => Promise<T>): Promise<T> {
  return withCliContext(async (ctx) => {
    if (ctx.gateway) return work(new HttpTriggerOperations(ctx.gateway));
    const store = await openSettingsStore(ctx.settings);
    try {
      const temporal = async () => (await ctx.temporal()).client;
      return await work(
        new StoreTriggerOperations({ store, temporal, taskQueue: ctx.settings.taskQueue, actor: ctx.caller.subject }),
      );
    } finally {
      await store.close();
    }
  });
}

/** A JSON or YAML file (JSON is YAML); unreadable or malformed is bad input. */
function readDocument(file: string): unknown {
  const text = readFileArgument(file);
  const tooDeep = yamlTextRefusal(text);
  if (tooDeep) throw new CliError(`${file}: not valid JSON or YAML: ${tooDeep}`, EXIT.badInput);
  try {
    return parseYaml(text);
  } catch (err) {
    throw new CliError(`${file}: not valid JSON or YAML: ${(err as Error).message}`, EXIT.badInput);
  }
}

function summary(trigger: TaskTrigger) {
  return {
    id: trigger.id,
    projectId: trigger.projectId,
    taskId: trigger.taskId,
    triggerType: trigger.triggerType,
    conditions: trigger.conditions.length,
    actions: trigger.actions.map((action) => action.type).join(', '),
  };
}
