import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { durabilityProbeInputSchema } from '../../../domain/probes';
import { parseInput } from '../../../domain/validation';
import type { durabilityProbe } from '../../../workflows';
import { openTemporalClient } from '../temporal-client';
import { print } from '../output';

export function registerProbeCommands(program: Command): void {
  const probe = program.command('probe').description('durability probes: durable timers that must survive restarts');
  probe
    .command('start')
    .description('start a durabilityProbe workflow that sleeps on a durable timer')
    .requiredOption('--sleep <duration>', 'how long the timer sleeps, e.g. "2 minutes" or "30 days"')
    .option('--label <text>', 'a label for the probe (also its workflow id)')
    .option('--wait', 'wait for the probe to complete and print its result')
    .option('--json', 'print JSON')
    .action(async (options: { sleep: string; label?: string; wait?: boolean; json?: boolean }) => {
      const input = parseInput(durabilityProbeInputSchema, { sleep: options.sleep, label: options.label }, 'probe start');
      const { client, settings, close } = await openTemporalClient();
      try {
        const workflowId = `durability-probe/${input.label ?? randomUUID()}`;
        const handle = await client.workflow.start<typeof durabilityProbe>('durabilityProbe', {
          taskQueue: settings.taskQueue,
          workflowId,
          args: [input],
        });
        const started = { workflowId, runId: handle.firstExecutionRunId, status: 'started' };
        if (!options.wait) return print(started, !!options.json);
        print({ ...started, status: 'completed', result: await handle.result() }, !!options.json);
      } finally {
        await close();
      }
    });
}
