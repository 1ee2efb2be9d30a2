import path from 'node:path';
import { createScratchSchema } from '../../db/scratch-schema';
import type { StoreLocation } from '../../db/store';

export type StoreBackend = { location: StoreLocation; cleanup: () => Promise<void> };

/**
 * Every backend a store contract runs on: PGlite always; PostgreSQL when DATABASE_URL is
 * set (.ci/run sets it), in a throwaway schema so a developer's rows are never touched.
 */
export function storeBackends(contract: string): [string, () => Promise<StoreBackend>][] {
  const backends: [string, () => Promise<StoreBackend>][] = [
    ['PGlite', async () => ({ location: { inMemory: true }, cleanup: async () => undefined })],
  ];
  if (process.env.DATABASE_URL) {
    backends.push([
      'PostgreSQL',
      async () => {
        const scratch = await createScratchSchema(process.env.DATABASE_URL!, 'arxflow_test');
        return { location: { databaseUrl: scratch.databaseUrl }, cleanup: scratch.drop };
      },
    ]);
  } else {
    console.warn(`${contract}: DATABASE_URL is not set, so only PGlite runs here (.ci/run sets it).`);
  }
  return backends;
}

/**
 * A store several processes can open (worker processes a test kills): a throwaway PostgreSQL
 * schema when DATABASE_URL is set, else PGlite on disk in `dir` (one process at a time).
 */
export async function sharedStoreBackend(dir: string): Promise<StoreBackend> {
  if (!process.env.DATABASE_URL)
    return { location: { pgliteDir: path.join(dir, 'pglite') }, cleanup: async () => undefined };
  const scratch = await createScratchSchema(process.env.DATABASE_URL, 'arxflow_test');
  return { location: { databaseUrl: scratch.databaseUrl }, cleanup: scratch.drop };
}
