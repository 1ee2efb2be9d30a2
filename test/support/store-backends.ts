import path from 'node:path';
import { createScratchSchema } from '../../db/scratch-schema';
import { openStore, type Store, type StoreLocation } from '../../db/store';
import { openTestStore } from './pglite-template';

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
    requireDatabaseUrlUnderCi(contract);
    console.warn(`${contract}: DATABASE_URL is not set, so only PGlite runs here (.ci/run sets it).`);
  }
  return backends;
}

/**
 * Under CI (.ci/run sets CI and DATABASE_URL) a missing DATABASE_URL is a broken set-up, not a
 * reason to run on PGlite alone: PGlite runs one transaction at a time, so the races the
 * PostgreSQL runs prove (concurrent claims, appends) would pass without being tried.
 */
export function requireDatabaseUrlUnderCi(what: string): void {
  if (process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0' && !process.env.DATABASE_URL)
    throw new Error(
      `${what}: CI is set but DATABASE_URL is not: these tests must run on PostgreSQL in CI (.ci/run sets it)`,
    );
}

/** Which store the dev-server worlds open: what test names show. */
export const worldStoreName = process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite';

/**
 * The store of a dev-server world (test/support/dev-server-world.ts and tests like it): a fresh
 * throwaway PostgreSQL schema when DATABASE_URL is set, so concurrent claims really race;
 * else a fresh PGlite (a failure under CI). `close()` drops the schema.
 */
export async function openWorldStore(what: string): Promise<Store> {
  if (!process.env.DATABASE_URL) {
    requireDatabaseUrlUnderCi(what);
    return openTestStore();
  }
  const scratch = await createScratchSchema(process.env.DATABASE_URL, 'arxflow_test');
  let store: Store;
  try {
    store = await openStore({ databaseUrl: scratch.databaseUrl });
  } catch (err) {
    await scratch.drop();
    throw err;
  }
  return {
    ...store,
    close: async () => {
      try {
        await store.close();
      } finally {
        await scratch.drop();
      }
    },
  };
}

/**
 * A store several processes can open (worker processes a test kills): a throwaway PostgreSQL
 * schema when DATABASE_URL is set, else PGlite on disk in `dir` (one process at a time).
 */
export async function sharedStoreBackend(dir: string): Promise<StoreBackend> {
  if (!process.env.DATABASE_URL) {
    requireDatabaseUrlUnderCi('a store shared by worker processes');
    return { location: { pgliteDir: path.join(dir, 'pglite') }, cleanup: async () => undefined };
  }
  const scratch = await createScratchSchema(process.env.DATABASE_URL, 'arxflow_test');
  return { location: { databaseUrl: scratch.databaseUrl }, cleanup: scratch.drop };
}
