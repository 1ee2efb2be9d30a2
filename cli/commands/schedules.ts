import type { Command } from 'commander';
import { loadConfigFile } from '../../platform/config-file';
import {
  listSchedules,
  scheduleAction,
  syncSchedules,
  type ScheduleListing,
  type SyncReport,
} from '../../client/schedules';
import { withCliContext } from '../context';
import { print, printTable } from '../output';

/** Schedules declared in the config file (ARXFLOW_CONFIG), kept in Temporal by the Schedules API. */
export function registerScheduleCommands(program: Command): void {
  const schedules = program.command('schedules').description('periodic work: sync from config, list, trigger, pause');

  schedules
    .command('sync')
    .description('create or update the schedules of the config file (idempotent; never deletes)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const report = await withCliContext(async (ctx) => {
        if (ctx.gateway) return ctx.gateway.request<SyncReport>('POST', '/v1/schedules/sync', {});
        const { client } = await ctx.temporal();
        return syncSchedules(client, loadConfigFile(ctx.settings.configFile).schedules, ctx.settings.taskQueue);
      });
      print(report as never, !!options.json);
    });

  schedules
    .command('list')
    .description('schedules in Temporal, with their next runs')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const listed = await withCliContext(async (ctx) =>
        ctx.gateway
          ? (await ctx.gateway.request<{ schedules: ScheduleListing[] }>('GET', '/v1/schedules')).schedules
          : listSchedules((await ctx.temporal()).client),
      );
      printTable(listed as never, ['id', 'workflowType', 'spec', 'paused', 'nextRunTimes'], !!options.json);
    });

  const act = (verb: 'trigger' | 'pause' | 'unpause', description: string) =>
    schedules
      .command(verb)
      .description(description)
      .argument('<scheduleId>')
      .option('--note <text>', 'why (shown in the Web UI)', `${verb} from the arxflow CLI`)
      .option('--json', 'print JSON')
      .action(async (scheduleId: string, options: { note: string; json?: boolean }) => {
        await withCliContext(async (ctx) => {
          if (ctx.gateway)
            return ctx.gateway.request('POST', `/v1/schedules/${encodeURIComponent(scheduleId)}/${verb}`, {
              note: options.note,
            });
          await scheduleAction((await ctx.temporal()).client, verb, scheduleId, options.note);
        });
        print({ scheduleId, action: verb, status: 'done' }, !!options.json);
      });
  act('trigger', 'run the scheduled workflow now');
  act('pause', 'pause a schedule');
  act('unpause', 'resume a paused schedule');
}
