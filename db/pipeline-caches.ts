import type { SqlDatabase } from './sql';

export interface CacheEntry {
  key: string;
  bytes: number;
  path: string;
  createdAt: string;
  lastUsedAt: string;
}

interface CacheRow {
  key: string;
  bytes: string | number;
  path: string;
  created_at: Date | string;
  last_used_at: Date | string;
}

/** The index of the local cache store: which keys exist, their files and sizes, when last used. */
export class PipelineCaches {
  constructor(private readonly db: SqlDatabase) {}

  async get(key: string): Promise<CacheEntry | undefined> {
    const [row] = await this.db.query<CacheRow>('SELECT * FROM pipeline_caches WHERE key = $1', [key]);
    return row && entryOf(row);
  }

  /** The most recently used entry whose key starts with `prefix` (GitHub's restore-keys rule). */
  async latestWithPrefix(prefix: string): Promise<CacheEntry | undefined> {
    const [row] = await this.db.query<CacheRow>(
      'SELECT * FROM pipeline_caches WHERE left(key, length($1::text)) = $1::text ORDER BY last_used_at DESC, created_at DESC LIMIT 1',
      [prefix],
    );
    return row && entryOf(row);
  }

  /** Records a saved entry; false when the key was already taken (caches are immutable, as in GitHub Actions). */
  async add(entry: { key: string; bytes: number; path: string }): Promise<boolean> {
    const rows = await this.db.query(
      'INSERT INTO pipeline_caches (key, bytes, path) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING RETURNING key',
      [entry.key, entry.bytes, entry.path],
    );
    return rows.length > 0;
  }

  async touch(key: string): Promise<void> {
    await this.db.query('UPDATE pipeline_caches SET last_used_at = now() WHERE key = $1', [key]);
  }

  /** Least recently used first (eviction order). */
  async leastRecentlyUsed(): Promise<CacheEntry[]> {
    const rows = await this.db.query<CacheRow>('SELECT * FROM pipeline_caches ORDER BY last_used_at, created_at, key');
    return rows.map(entryOf);
  }

  async totalBytes(): Promise<number> {
    const [row] = await this.db.query<{ total: string | number | null }>(
      'SELECT sum(bytes) AS total FROM pipeline_caches',
    );
    return Number(row?.total ?? 0);
  }

  async remove(key: string): Promise<void> {
    await this.db.query('DELETE FROM pipeline_caches WHERE key = $1', [key]);
  }
}

function entryOf(row: CacheRow): CacheEntry {
  return {
    key: row.key,
    bytes: Number(row.bytes),
    path: row.path,
    createdAt: new Date(row.created_at).toISOString(),
    lastUsedAt: new Date(row.last_used_at).toISOString(),
  };
}
