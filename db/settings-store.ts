import path from 'node:path';
import type { Settings } from '../domain/settings';
import { openStore, type Store } from './store';

/** Opens the store the settings name: PostgreSQL when DATABASE_URL is set, else PGlite in the data dir. */
export function openSettingsStore(settings: Pick<Settings, 'databaseUrl' | 'dataDir'>): Promise<Store> {
  return openStore(
    settings.databaseUrl ? { databaseUrl: settings.databaseUrl } : { pgliteDir: path.join(settings.dataDir, 'pglite') },
  );
}
