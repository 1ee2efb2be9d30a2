import type { Command } from 'commander';
import { WorkflowNotFoundError } from '@temporalio/client';
import { openTemporalClient } from '../temporal-client';
import { CliError, print } from '../output';

export function registerWorkflowCommands(program: Command): void {
  const workflows = program.command('workflows').description('arxflow workflows in Temporal');
  workflows
    .command('describe')
    .description('status of one workflow by id')
    .argument('<workflowId>')
    .option('--json', 'print JSON')
    .action(async (workflowId: string, options: { json?: boolean }) => {
      const { client, close } = await openTemporalClient();
      try {
        const description = await client.workflow.getHandle(workflowId).describe();
        print(
          {
            workflowId: description.workflowId,
            runId: description.runId,
            type: description.type,
            status: description.status.name,
            taskQueue: description.taskQueue,
            startTime: description.startTime.toISOString(),
            closeTime: description.closeTime?.toISOString() ?? null,
            searchAttributes: description.typedSearchAttributes.getAll().map((pair) => `${pair.key.name}=${String(pair.value)}`),
          },
          !!options.json,
        );
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw new CliError(`workflow ${workflowId} not found`);
        throw err;
      } finally {
        await close();
      }
    });
}
