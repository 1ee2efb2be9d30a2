import { openPostgres } from './pg-database';

export interface ScratchSchema {
  /** DATABASE_URL variant whose search_path is the throwaway schema. */
  databaseUrl: string;
  drop(): Promise<void>;
}

/**
 * A throwaway schema in a real PostgreSQL, for tests and benchmarks: they run their own
 * migrations there and never touch the rows of the database DATABASE_URL names.
 */
export async function createScratchSchema(databaseUrl: string, prefix = 'arxflow_scratch'): Promise<ScratchSchema> {
  const schema = `${prefix}_${process.pid}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  const admin = await openPostgres(databaseUrl);
  try {
    await admin.exec(`CREATE SCHEMA ${schema}`);
  } finally {
    await admin.close();
  }
  const url = new URL(databaseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    databaseUrl: url.toString(),
    async drop() {
      const cleaner = await openPostgres(databaseUrl);
      try {
        await cleaner.exec(`DROP SCHEMA ${schema} CASCADE`);
      } finally {
        await cleaner.close();
      }
    },
  };
}
