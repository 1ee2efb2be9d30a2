import type { Command } from 'commander';
import {
  HttpQualityReader,
  qualityFlakySchema,
  qualityRemediationsSchema,
  qualityTrendSchema,
  StoreQualityReader,
  type QualityHistoryReader,
} from '../../client/api/quality-readers';
import { openSettingsStore } from '../../db/settings-store';
import { parseInput } from '../../domain/validation';
import { withCliContext } from '../context';
import { printTable } from '../output';

/**
 * `arxflow quality trend|flaky|remediations`: the quality gate's stored history, under the
 * `quality` command (cli/commands/quality.ts). Through the gateway when there is one, so it can
 * be read while `npm start` holds its PGlite store; else from the store of the settings.
 */
export function registerQualityHistoryCommands(quality: Command): void {
  quality
    .command('trend')
    .description("a service's gate verdicts over time; --metric: one check's values (coverage.lines, bench.<name>...)")
    .argument('<service>', "the service: a pipeline's repo key (owner/name) unless its pipeline names another")
    .option('--branch <branch>', 'only this branch')
    .option('--metric <name>', 'coverage.lines | coverage.branches | coverage.patch | tests.failed | bench.<name>')
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'print JSON')
    .action(async (service: string, options: { branch?: string; metric?: string; limit: string; json?: boolean }) => {
      const filter = parseInput(
        qualityTrendSchema,
        { service, branch: options.branch, metric: options.metric, limit: options.limit },
        'quality trend',
      );
      const rows = await withQualityHistory((reader) => reader.trend(filter));
      const columns = ['at', 'sha', 'verdict', ...(filter.metric ? ['value'] : []), 'runId'];
      printTable(rows as never, columns, !!options.json);
    });

  quality
    .command('flaky')
    .description('tests that failed and then passed on a rerun of the same sha')
    .option('--service <service>', 'only this service')
    .option('--json', 'print JSON')
    .action(async (options: { service?: string; json?: boolean }) => {
      const filter = parseInput(qualityFlakySchema, { service: options.service }, 'quality flaky');
      const rows = await withQualityHistory((reader) => reader.flaky(filter));
      printTable(rows as never, ['service', 'testId', 'count', 'lastSeen', 'lastSha'], !!options.json);
    });

  quality
    .command('remediations')
    .description('remediation records of failed gates (open until a later run of the branch passes)')
    .option('--service <service>', 'only this service')
    .option('--open', 'only open ones')
    .option('--json', 'print JSON')
    .action(async (options: { service?: string; open?: boolean; json?: boolean }) => {
      const filter = parseInput(
        qualityRemediationsSchema,
        { service: options.service, open: options.open ? 'true' : undefined },
        'quality remediations',
      );
      const rows = await withQualityHistory((reader) => reader.remediations(filter));
      printTable(
        rows as never,
        ['id', 'service', 'branch', 'open', 'sha', 'failingRuns', 'openedAt', 'closedAt'],
        !!options.json,
      );
    });
}

async function withQualityHistory<T>(work: (reader: QualityHistoryReader) => Promise<T>): Promise<T> {
  return withCliContext(async (ctx) => {
    if (ctx.gateway) return work(new HttpQualityReader(ctx.gateway));
    const store = await openSettingsStore(ctx.settings);
    try {
      return await work(new StoreQualityReader(store.db));
    } finally {
      await store.close();
    }
  });
}
