import type { Command } from 'commander';
import { openSettingsStore } from '../../db/settings-store';
import {
  HttpSilenceOperations,
  StoreSilenceOperations,
  type SilenceOperations,
  type SilenceView,
} from '../../client/api/silence-operations';
import { formatMatcher } from '../../domain/alerts/matchers';
import { withCliContext } from '../context';
import { CliError, EXIT, print, printTable } from '../output';

const repeatable = (value: string, all: string[]) => [...all, value];

/**
 * `arxflow alerts silence ...`: maintenance windows. Through the gateway (operator token to
 * add or expire) when ARXFLOW_URL is set, else on the store DATABASE_URL or the data dir
 * names; alert workflows read the store before every notification.
 */
export function registerSilenceCommands(alerts: Command): void {
  const silence = alerts
    .command('silence')
    .description('silences: suppress notifications of matching alerts for a while');

  silence
    .command('add')
    .description('silence alerts whose labels match every --match')
    .option(
      '--match <matcher>',
      'a label matcher such as service=db or env=~"prod|staging" (repeatable)',
      repeatable,
      [] as string[],
    )
    .option('--for <duration>', 'how long from now, e.g. 2h or 30 minutes')
    .option('--until <iso>', 'the end, e.g. 2026-12-01T06:00:00Z')
    .option('--start <iso>', 'the start (default now)')
    .requiredOption('--comment <text>', 'why: shown with every suppressed notification')
    .option('--json', 'print JSON')
    .action(
      async (options: {
        match: string[];
        for?: string;
        until?: string;
        start?: string;
        comment: string;
        json?: boolean;
      }) => {
        if (options.match.length === 0)
          throw new CliError('--match: name at least one label matcher, e.g. --match service=db', EXIT.badInput);
        if ((options.for === undefined) === (options.until === undefined))
          throw new CliError('give either --for or --until', EXIT.badInput);
        const body = {
          matchers: options.match,
          comment: options.comment,
          ...(options.for ? { duration: options.for } : {}),
          ...(options.until ? { endsAt: options.until } : {}),
          ...(options.start ? { startsAt: options.start } : {}),
        };
        const created = await withSilences((ops, actor) => ops.add(body, actor));
        print(options.json ? { ...created } : row(created), !!options.json);
      },
    );

  silence
    .command('list')
    .description('silences not yet ended (--all: with expired ones)')
    .option('--all', 'include expired silences')
    .option('--json', 'print JSON')
    .action(async (options: { all?: boolean; json?: boolean }) => {
      const listed = await withSilences((ops) => ops.list(options.all ? 'all' : 'current'));
      printTable(
        options.json ? (listed as unknown as Record<string, unknown>[]) : listed.map(row),
        ['id', 'state', 'matchers', 'startsAt', 'endsAt', 'createdBy', 'comment'],
        !!options.json,
      );
    });

  silence
    .command('expire')
    .description('end a silence now (it stays listed with --all)')
    .argument('<id>')
    .option('--json', 'print JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const expired = await withSilences((ops) => ops.expire(id));
      print(options.json ? { ...expired } : row(expired), !!options.json);
    });
}

async function withSilences<T>(work: (ops: SilenceOperations, actor: string) => Promise<T>): Promise<T> {
  return withCliContext(async (ctx) => {
    if (ctx.gateway) return work(new HttpSilenceOperations(ctx.gateway), ctx.caller.subject);
    const store = await openSettingsStore(ctx.settings);
    try {
      return await work(new StoreSilenceOperations(store.db), ctx.caller.subject);
    } finally {
      await store.close();
    }
  });
}

function row(silence: SilenceView): Record<string, unknown> {
  return {
    id: silence.id,
    state: silence.state,
    matchers: silence.matchers.map(formatMatcher).join(', '),
    startsAt: silence.startsAt,
    endsAt: silence.endsAt,
    createdBy: silence.createdBy,
    comment: silence.comment,
  };
}
