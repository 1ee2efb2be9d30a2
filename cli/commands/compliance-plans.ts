import type { Command } from 'commander';
import { BlobStore } from '../../db/blob-store';
import { openSettingsStore } from '../../db/settings-store';
import type { PayloadRef } from '../../domain/compliance/payload-ref';
import { storePlan } from '../../client/api/compliance-plans';
import { withCliContext } from '../context';
import { print, readJsonFile } from '../output';

/**
 * `arxflow compliance store-plan <plan.json>`: stores a plan by content hash and prints its
 * planRef, for a start or resubmission body that carries `planRef` instead of the plan (a
 * large plan: the gateway takes 1 MiB in a start body, Temporal 2 MiB in a payload). Through
 * the gateway when there is one, else into the store DATABASE_URL or the data dir names.
 */
export function registerCompliancePlanCommands(compliance: Command): void {
  compliance
    .command('store-plan')
    .description('store a plan by content hash and print its planRef (for submission.planRef)')
    .argument('<plan.json>')
    .action(async (file: string) => {
      const plan = readJsonFile(file);
      const planRef = await withCliContext(async (ctx): Promise<PayloadRef> => {
        if (ctx.gateway)
          return (await ctx.gateway.request<{ planRef: PayloadRef }>('POST', '/v1/compliance/plans', plan)).planRef;
        const store = await openSettingsStore(ctx.settings);
        try {
          return await storePlan(new BlobStore(store.db), plan);
        } finally {
          await store.close();
        }
      });
      print({ planRef }, true);
    });
}
