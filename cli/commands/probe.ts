import type { Command } from 'commander';
import { durabilityProbeInputSchema } from '../../domain/probes';
import { parseInput } from '../../domain/validation';
import { withCliContext } from '../context';
import { CliError, print } from '../output';
import { waitForOutcome } from '../watch';

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
      const input = parseInput(
        durabilityProbeInputSchema,
        { sleep: options.sleep, label: options.label },
        'probe start',
      );
      await withCliContext(async (ctx) => {
        const started = await ctx.operations.start('durabilityProbe', input, ctx.caller);
        if (!options.wait) return print({ ...started, status: 'started' }, !!options.json);
        const final = await waitForOutcome(ctx.operations, started.workflowId);
        if (final.status !== 'COMPLETED') throw new CliError(`probe ${started.workflowId} ended ${final.status}`);
        print({ ...started, ...final }, !!options.json);
      });
    });
}
