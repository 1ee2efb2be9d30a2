import { readdirSync } from 'node:fs';
import path from 'node:path';

/** The migration files db/migrate.ts applies, in order. */
export const MIGRATIONS = readdirSync(path.resolve(__dirname, '..', '..', 'db', 'migrations'))
  .filter((f) => f.endsWith('.sql'))
  .sort();
