import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { SqlDatabase } from './sql';

const MIGRATIONS_DIR = path.join(__dirname, 'migrations');

/** Applies db/migrations/*.sql in name order, each once, each in its own transaction. Returns the names applied. */
export async function migrate(db: SqlDatabase): Promise<string[]> {
  await db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
  const done = new Set((await db.query<{ name: string }>('SELECT name FROM schema_migrations')).map((r) => r.name));
  const pending = readdirSync(MIGRATIONS_DIR)
    .filter((f) => f.endsWith('.sql') && !done.has(f))
    .sort();
  for (const name of pending) {
    const script = readFileSync(path.join(MIGRATIONS_DIR, name), 'utf8');
    await db.transaction(async (tx) => {
      // Serialise concurrent starters: the second waits, then skips what the first applied.
      await tx.query('LOCK TABLE schema_migrations IN EXCLUSIVE MODE');
      const already = await tx.query('SELECT 1 FROM schema_migrations WHERE name = $1', [name]);
      if (already.length > 0) return;
      await tx.exec(script);
      await tx.query('INSERT INTO schema_migrations (name) VALUES ($1)', [name]);
    });
  }
  return pending;
}
