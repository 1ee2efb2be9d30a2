import type { Command } from 'commander';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/client';
import type { healthCheck } from '../../workflows';
import { withCliContext } from '../context';
import { CliError, print } from '../output';
import { temporalPersistence } from './health-persistence';

export function registerHealthCommand(program: Command): void {
  program
    .command('health')
    .description("Temporal -> worker -> store: the healthCheck workflow, or the gateway's /readyz with ARXFLOW_URL")
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await withCliContext(async (ctx) => {
        // Through a gateway named by ARXFLOW_URL, its /readyz; with the service of this data dir found
        // (service.json), its Temporal is ours to reach: the end-to-end healthCheck workflow, as in direct mode.
        if (ctx.gateway && !ctx.service) {
          const ready = await ctx.gateway.request<{ status: string }>('GET', '/readyz').catch((err: Error) => {
            throw new CliError(`not ready: ${err.message}`);
          });
          return print({ ok: ready.status === 'ready', ...ready }, !!options.json);
        }
        const { client } = await ctx.temporal();
        const report = await client.workflow.execute<typeof healthCheck>('healthCheck', {
          taskQueue: ctx.settings.taskQueue,
          workflowId: 'arxflow/health-check',
          workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
          workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
          workflowExecutionTimeout: '10 seconds',
        });
        // And which server and database answered: `persistence` is `postgres` on `npm run cluster`, `sqlite` on `npm start`'s dev server.
        print({ ok: true, status: 'healthy', ...report, ...(await temporalPersistence(client)) }, !!options.json);
      });
    });
}
