import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { PipelineCaches } from '../../db/pipeline-caches';
import type { SqlDatabase } from '../../db/sql';

/**
 * Where job caches live. The local directory (LocalCacheStore) is the default; another store (S3,
 * a shared volume, a cache server) plugs in by implementing this interface and being passed to
 * createPipelineActivities as `cacheStore`: `get` hands back a local tar file (a remote store
 * downloads it first), `put` receives the directory and the paths to keep.
 */
export interface CacheStore {
  /** The entry for `key` exactly, or with `prefix: true` the most recently used entry whose key starts with it. */
  get(key: string, options?: { prefix?: boolean }): Promise<{ key: string; archive: string } | undefined>;
  /** Archives `paths` (relative to `dir`) under `key`. False when the key exists already (entries are immutable). */
  put(key: string, dir: string, paths: string[]): Promise<boolean>;
  /** Marks the entry used now (restore order and eviction order). */
  touch(key: string): Promise<void>;
  /** Removes least recently used entries until the store holds at most `maxBytes`; returns the keys removed. */
  evict(maxBytes: number): Promise<string[]>;
}

/** Tarballs under `<dataDir>/pipelines/caches`, indexed in the store (pipeline_caches). */
export class LocalCacheStore implements CacheStore {
  private readonly index: PipelineCaches;
  private readonly dir: string;

  constructor(db: SqlDatabase, dataDir: string) {
    this.index = new PipelineCaches(db);
    this.dir = path.join(dataDir, 'pipelines', 'caches');
  }

  async get(key: string, options: { prefix?: boolean } = {}): Promise<{ key: string; archive: string } | undefined> {
    const entry = options.prefix ? await this.index.latestWithPrefix(key) : await this.index.get(key);
    if (!entry) return undefined;
    // An entry whose file went missing (a cleaned disk) is no entry.
    if (!existsSync(entry.path)) {
      await this.index.remove(entry.key);
      return options.prefix ? this.get(key, options) : undefined;
    }
    return { key: entry.key, archive: entry.path };
  }

  async put(key: string, dir: string, paths: string[]): Promise<boolean> {
    if (await this.index.get(key)) return false;
    mkdirSync(this.dir, { recursive: true });
    const file = path.join(this.dir, `${createHash('sha256').update(key).digest('hex')}.tar`);
    const partial = `${file}.partial-${process.pid}-${Date.now()}`;
    try {
      await tar(['-cf', partial, '-C', dir, '--', ...paths]);
      renameSync(partial, file);
    } finally {
      rmSync(partial, { force: true });
    }
    const added = await this.index.add({ key, bytes: statSync(file).size, path: file });
    return added;
  }

  touch(key: string): Promise<void> {
    return this.index.touch(key);
  }

  async evict(maxBytes: number): Promise<string[]> {
    let total = await this.index.totalBytes();
    const evicted: string[] = [];
    for (const entry of await this.index.leastRecentlyUsed()) {
      if (total <= maxBytes) break;
      await this.index.remove(entry.key);
      rmSync(entry.path, { force: true });
      total -= entry.bytes;
      evicted.push(entry.key);
    }
    return evicted;
  }
}

/** Extracts a cache archive into `dir` (over what is there). */
export function extractArchive(archive: string, dir: string): Promise<void> {
  return tar(['-xf', archive, '-C', dir]);
}

function tar(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('tar', args, { maxBuffer: 16 * 1024 * 1024 }, (err, _stdout, stderr) =>
      err ? reject(new Error(`tar ${args[0]}: ${(stderr || err.message).trim()}`)) : resolve(),
    );
  });
}
