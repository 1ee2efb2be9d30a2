import type { Command } from 'commander';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/client';
import type { healthCheck } from '../../../workflows';
import { openTemporalClient } from '../temporal-client';
import { print } from '../output';

export function registerHealthCommand(program: Command): void {
  program
    .command('health')
    .description('run the healthCheck workflow: Temporal -> worker -> store')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const { client, settings, close } = await openTemporalClient();
      try {
        const report = await client.workflow.execute<typeof healthCheck>('healthCheck', {
          taskQueue: settings.taskQueue,
          workflowId: 'arxflow/health-check',
          workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
          workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
          workflowExecutionTimeout: '10 seconds',
        });
        print({ status: 'healthy', ...report }, !!options.json);
      } finally {
        await close();
      }
    });
}
