import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { extractArchive, LocalCacheStore } from '../../activities/pipelines/cache-store';
import { hashWorkspaceFiles, matchWorkspace } from '../../activities/pipelines/workspace-files';
import { PipelineLogs } from '../../db/pipeline-logs';
import { PipelineRuns } from '../../db/pipeline-runs';
import { openStore, type Store } from '../../db/store';
import type { PipelineRunView } from '../../domain/pipelines/pipeline-types';
import { storeBackends } from '../support/store-backends';

describe.each(storeBackends('pipeline stores'))(
  'pipeline stores on %s: the local cache store (tar files indexed in the store), step logs, runs',
  (_name, backend) => {
    let store: Store;
    let dataDir: string;
    let caches: LocalCacheStore;
    let cleanup: () => Promise<void>;

    beforeAll(async () => {
      const opened = await backend();
      cleanup = opened.cleanup;
      store = await openStore(opened.location);
    });
    afterAll(async () => {
      await store.close();
      await cleanup();
    });
    beforeEach(async () => {
      await store.db.query('DELETE FROM pipeline_caches');
      dataDir = mkdtempSync(path.join(tmpdir(), 'arxflow-cache-'));
      caches = new LocalCacheStore(store.db, dataDir);
    });
    afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

    function workspaceWith(files: Record<string, string>): string {
      const dir = mkdtempSync(path.join(dataDir, 'ws-'));
      for (const [file, content] of Object.entries(files)) {
        mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        writeFileSync(path.join(dir, file), content);
      }
      return dir;
    }
    const age = (key: string, minutesAgo: number) =>
      store.db.query(`UPDATE pipeline_caches SET last_used_at = now() - make_interval(mins => $2) WHERE key = $1`, [
        key,
        minutesAgo,
      ]);

    it('saves paths under a key and restores them by the exact key; a taken key is kept as it was', async () => {
      const source = workspaceWith({ 'node_modules/x/index.js': 'x', 'keep.txt': 'not cached' });
      await expect(caches.put('deps-abc', source, ['node_modules'])).resolves.toBe(true);
      await expect(caches.put('deps-abc', source, ['keep.txt'])).resolves.toBe(false);
      const hit = await caches.get('deps-abc');
      expect(hit?.key).toBe('deps-abc');
      const target = workspaceWith({});
      await extractArchive(hit!.archive, target);
      expect(readFileSync(path.join(target, 'node_modules/x/index.js'), 'utf8')).toBe('x');
      expect(existsSync(path.join(target, 'keep.txt'))).toBe(false);
      await expect(caches.get('deps-ab')).resolves.toBeUndefined();
    });

    it('restores by prefix the most recently used entry, and forgets entries whose file is gone', async () => {
      const source = workspaceWith({ 'cache/a': 'a' });
      await caches.put('deps-linux-old', source, ['cache']);
      await caches.put('deps-linux-new', source, ['cache']);
      await caches.put('deps-mac-1', source, ['cache']);
      await age('deps-linux-old', 10);
      await age('deps-linux-new', 5);
      await expect(caches.get('deps-linux-', { prefix: true })).resolves.toMatchObject({ key: 'deps-linux-new' });
      await caches.touch('deps-linux-old');
      await expect(caches.get('deps-linux-', { prefix: true })).resolves.toMatchObject({ key: 'deps-linux-old' });
      // A prefix is a prefix, not a pattern: LIKE's wildcards mean nothing here.
      await expect(caches.get('deps_%', { prefix: true })).resolves.toBeUndefined();
      rmSync((await caches.get('deps-linux-old'))!.archive);
      await expect(caches.get('deps-linux-', { prefix: true })).resolves.toMatchObject({ key: 'deps-linux-new' });
      await expect(caches.get('deps-linux-old')).resolves.toBeUndefined();
    });

    it('evicts least recently used entries until the store is within its size limit', async () => {
      const source = workspaceWith({ 'big/blob': 'b'.repeat(20_000) });
      for (const key of ['k1', 'k2', 'k3']) await caches.put(key, source, ['big']);
      await age('k1', 3);
      await age('k2', 30);
      await age('k3', 2);
      const one = (await caches.get('k1'))!;
      const size = readFileSync(one.archive).length;
      expect(await caches.evict(size * 3)).toEqual([]);
      const k2File = (await caches.get('k2'))!.archive;
      expect(await caches.evict(size * 2)).toEqual(['k2']);
      expect(existsSync(k2File)).toBe(false);
      expect(await caches.evict(size - 1)).toEqual(['k1', 'k3']);
      await expect(caches.get('k3')).resolves.toBeUndefined();
    });

    it("computes hashFiles as GitHub does: files matching the globs, in path order; '' when none match", () => {
      const ws = workspaceWith({ 'package-lock.json': '{"a":1}', 'sub/package-lock.json': '{"b":2}', 'x.txt': 'x' });
      const top = hashWorkspaceFiles(ws, ['package-lock.json']);
      expect(top).toMatch(/^[0-9a-f]{64}$/);
      const all = hashWorkspaceFiles(ws, ['**/package-lock.json']);
      expect(all).not.toBe(top);
      expect(matchWorkspace(ws, ['**/package-lock.json'])).toEqual(['package-lock.json', 'sub/package-lock.json']);
      expect(hashWorkspaceFiles(ws, ['nothing-*.lock'])).toBe('');
      writeFileSync(path.join(ws, 'package-lock.json'), '{"a":2}');
      expect(hashWorkspaceFiles(ws, ['package-lock.json'])).not.toBe(top);
    });

    it('keeps the tail of a step log within the bound, one marker first, other steps untouched', async () => {
      const logs = new PipelineLogs(store.db);
      const run = `run-${Date.now()}`;
      for (let i = 0; i < 10; i++) await logs.append(run, 'build', 'stdout', `${i}`.repeat(100), { stepIndex: 1 });
      await logs.append(run, 'build', 'stdout', 'other step', { stepIndex: 2 });
      await expect(logs.trimStep(run, 'build', 1, 350)).resolves.toBe(700);
      await logs.append(run, 'build', 'stdout', 'a'.repeat(100), { stepIndex: 1 });
      await expect(logs.trimStep(run, 'build', 1, 350)).resolves.toBe(100);
      const step = (await logs.read(run)).filter((c) => c.stepIndex === 1).map((c) => c.text);
      expect(step).toEqual([
        '[arxflow] 800 bytes of earlier output dropped: the last 350 bytes are kept\n',
        '8'.repeat(100),
        '9'.repeat(100),
        'a'.repeat(100),
      ]);
      expect((await logs.read(run, { jobId: 'build' })).some((c) => c.text === 'other step')).toBe(true);
      await logs.append(run, 'build', 'stdout', 'nul\0byte');
      expect((await logs.read(run)).at(-1)!.text).toBe('nulbyte');
    });

    it('records runs, newest first, a closed run never reopened, and concurrency groups in order of entry', async () => {
      const runs = new PipelineRuns(store.db);
      const repoKey = `repo-${Date.now()}`;
      const view = (runId: string, status: PipelineRunView['status'], attempt: number): PipelineRunView => ({
        runId,
        status,
        repo: '/r',
        repoKey,
        ref: 'refs/heads/main',
        sha: 'a'.repeat(40),
        attempt,
        event: 'push',
        createdAt: new Date(Date.UTC(2026, 0, attempt)).toISOString(),
        jobs: [],
      });
      await runs.upsert(view(`${repoKey}/1`, 'failed', 1));
      await runs.upsert(view(`${repoKey}/1`, 'running', 1));
      await runs.upsert(view(`${repoKey}/2`, 'running', 2));
      await expect(runs.get(`${repoKey}/1`)).resolves.toMatchObject({ status: 'failed' });
      expect((await runs.list({ repoKey })).map((r) => r.runId)).toEqual([`${repoKey}/2`, `${repoKey}/1`]);
      expect((await runs.list({ repoKey, status: 'running' })).map((r) => r.runId)).toEqual([`${repoKey}/2`]);
      await expect(runs.latestAttempt(repoKey, 'a'.repeat(40))).resolves.toBe(2);
      const group = `${repoKey}/main`;
      await expect(runs.enterGroup(group, `${repoKey}/1`)).resolves.toEqual([]);
      await expect(runs.enterGroup(group, `${repoKey}/2`)).resolves.toEqual([]); // 1 is closed
      await expect(runs.enterGroup(group, `${repoKey}/3`)).resolves.toEqual([`${repoKey}/2`]);
    });
  },
);
