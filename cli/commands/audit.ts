import type { Command } from 'commander';
import { z } from 'zod';
import { parseInput } from '../../domain/validation';
import type { AuditEvent, ChainVerification } from '../../db/audit-log';
import { openSettingsStore } from '../../db/settings-store';
import { withCliContext, type CliContext } from '../context';
import { CliError, print } from '../output';
import { witnessSchema } from '../../domain/audit-witness';

const exportOptions = z.object({ since: z.iso.datetime({ offset: true }).optional() });
const verifyOptions = z.object({ witness: witnessSchema.optional() });
const PAGE = 1000;

/** The audit trail: through the gateway (admin token) or, directly, from the store DATABASE_URL / the data dir names. */
export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('the append-only audit trail and its hash chain');

  audit
    .command('verify')
    .description('walk the hash chain and its signed anchors; exit 1 at the first broken link')
    .option('--witness <sequence:hash>', 'a head an earlier check saw (its anchor): the chain must still reach it')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean; witness?: string }) => {
      const { witness } = parseInput(verifyOptions, { witness: options.witness }, 'audit verify');
      const result = await withCliContext((ctx) =>
        ctx.gateway
          ? ctx.gateway.request<ChainVerification>(
              'GET',
              `/v1/audit/verify${options.witness ? `?witness=${encodeURIComponent(options.witness)}` : ''}`,
            )
          : withStore(ctx, (store) => store.audit.verify({ witness })),
      );
      print(result as never, !!options.json);
      if (!result.ok) throw new CliError(`audit chain broken at event ${result.brokenAt}: ${result.reason}`);
    });

  audit
    .command('export')
    .description('audit events as JSON lines, oldest first')
    .option('--since <iso-datetime>', 'only events at or after this time')
    .action(async (options: { since?: string }) => {
      const { since } = parseInput(exportOptions, options, 'audit export');
      const printAll = async (page: (afterId: number) => Promise<AuditEvent[]>) => {
        for (let afterId = 0; ;) {
          const events = await page(afterId);
          for (const event of events) console.log(JSON.stringify(event));
          if (events.length < PAGE) return;
          afterId = events[events.length - 1]!.id;
        }
      };
      await withCliContext(async (ctx) => {
        const { gateway } = ctx;
        if (gateway) {
          return printAll(async (afterId) => {
            const query = new URLSearchParams({
              afterId: String(afterId),
              limit: String(PAGE),
              ...(since ? { since } : {}),
            });
            return (await gateway.request<{ events: AuditEvent[] }>('GET', `/v1/audit/events?${query}`)).events;
          });
        }
        await withStore(ctx, (store) =>
          printAll((afterId) => store.audit.list({ afterId, limit: PAGE, since: since ? new Date(since) : undefined })),
        );
      });
    });
}

async function withStore<T>(
  ctx: CliContext,
  work: (store: Awaited<ReturnType<typeof openSettingsStore>>) => Promise<T>,
): Promise<T> {
  const store = await openSettingsStore(ctx.settings);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}
