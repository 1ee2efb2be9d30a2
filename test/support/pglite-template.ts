import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statfsSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openStore, type Store, type StoreLocation } from '../../db/store';
import { processIsAlive } from '../../platform/service-file';

// A fresh PGlite store costs initdb (2 s, 4-5 s on a loaded machine) in almost every test file.
// Copying a migrated data dir and opening it costs well under half of that; the store is the
// same PGlite with the same migrations, in a folder of its own that is removed when it closes.

const ROOT = path.resolve(__dirname, '..', '..');
const MIGRATIONS_DIR = path.join(ROOT, 'db', 'migrations');

/** The template of this PGlite version and these migrations (any change makes a new one). */
function templateDir(): string {
  const hash = createHash('sha256');
  hash.update(readFileSync(path.join(ROOT, 'node_modules', '@electric-sql', 'pglite', 'package.json')));
  for (const name of readdirSync(MIGRATIONS_DIR).sort())
    hash.update(name).update(readFileSync(path.join(MIGRATIONS_DIR, name)));
  const key = hash.digest('hex').slice(0, 16);
  return path.join(ROOT, 'node_modules', '.cache', 'arxflow', `pglite-template-${key}`, 'pglite');
}

/**
 * A PGlite data dir with every migration applied, built once and kept in node_modules/.cache.
 * Built aside and renamed into place, so a concurrent `jest` never copies half of one.
 */
async function buildPgliteTemplate(): Promise<string> {
  const target = templateDir();
  removeOldTemplates(path.basename(path.dirname(target)));
  if (existsSync(target)) return target;
  mkdirSync(path.dirname(target), { recursive: true });
  const building = mkdtempSync(`${path.dirname(target)}/building-`);
  try {
    const store = await openStore({ pgliteDir: path.join(building, 'pglite') });
    await store.close();
    renameSync(path.join(building, 'pglite'), target);
  } catch (err) {
    if (!existsSync(target)) throw err; // else another run built it first
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
  return target;
}

/** Templates of other migrations, unused for a day (a run takes minutes; they are 40 MB each). */
function removeOldTemplates(current: string): void {
  const cache = path.join(ROOT, 'node_modules', '.cache', 'arxflow');
  if (!existsSync(cache)) return;
  for (const name of readdirSync(cache)) {
    if (!name.startsWith('pglite-template-') || name === current) continue;
    const dir = path.join(cache, name);
    try {
      if (Date.now() - statSync(dir).mtimeMs > 24 * 60 * 60 * 1000) rmSync(dir, { recursive: true, force: true });
    } catch {
      // another run removed it first
    }
  }
}

/** Set by global-setup.ts for the test workers: the template, and this run's folder for copies. */
const TEMPLATE_VAR = 'JEST_PGLITE_TEMPLATE';
const COPIES_VAR = 'JEST_PGLITE_COPIES';

/**
 * Builds the template (once per PGlite version and set of migrations) and this run's folder for
 * copies, in memory (tmpfs) where there is room; global-teardown.ts removes the folder, and the
 * next run the folders of runs that were killed.
 */
export async function preparePgliteCopies(): Promise<void> {
  const template = await buildPgliteTemplate();
  const parent = hasRoom('/dev/shm') ? '/dev/shm' : tmpdir();
  for (const name of readdirSync(parent)) {
    const pid = Number(/^arxflow-jest-pglite-(\d+)$/.exec(name)?.[1]);
    if (pid && !processIsAlive(pid)) rmSync(path.join(parent, name), { recursive: true, force: true });
  }
  const copies = path.join(parent, `arxflow-jest-pglite-${process.pid}`);
  mkdirSync(copies, { recursive: true });
  process.env[TEMPLATE_VAR] = template;
  process.env[COPIES_VAR] = copies;
}

/** A tmpfs with room for the copies open at once (40 MB each; a container's is often 64 MB in all). */
function hasRoom(dir: string): boolean {
  try {
    const { bavail, bsize } = statfsSync(dir);
    return bavail * bsize > 1024 ** 3;
  } catch {
    return false;
  }
}

export function removePgliteCopies(): void {
  const copies = process.env[COPIES_VAR];
  if (copies) rmSync(copies, { recursive: true, force: true });
}

/**
 * A location for a fresh, empty, migrated PGlite store: a copy of the template (removed by
 * `cleanup`, else with the run's folder), or in memory when global-setup.ts made none.
 */
export function freshPgliteLocation(): { location: StoreLocation; cleanup: () => void } {
  const template = process.env[TEMPLATE_VAR];
  const copies = process.env[COPIES_VAR];
  if (!template || !copies || !existsSync(template) || !existsSync(copies))
    return { location: { inMemory: true }, cleanup: () => undefined };
  const dir = mkdtempSync(path.join(copies, 'store-'));
  cpSync(template, path.join(dir, 'pglite'), { recursive: true });
  return {
    location: { pgliteDir: path.join(dir, 'pglite') },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A fresh, empty PGlite store, as `openStore({ inMemory: true })` gives; its folder goes with `close()`. */
export async function openTestStore(): Promise<Store> {
  const { location, cleanup } = freshPgliteLocation();
  let store: Store;
  try {
    store = await openStore(location);
  } catch (err) {
    cleanup();
    throw err;
  }
  return {
    ...store,
    close: async () => {
      try {
        await store.close();
      } finally {
        cleanup();
      }
    },
  };
}

/**
 * Puts a migrated PGlite store (a copy of the template) at `<dataDir>/pglite`, as a service that
 * ran there once leaves it: a test of `npm start`'s crash handling or of the CLI then skips
 * initdb (tens of seconds on a loaded machine) at the service's first start. Returns false, and
 * copies nothing, when global-setup.ts made no template (the service then creates the store).
 */
export function seedMigratedPglite(dataDir: string): boolean {
  const template = process.env[TEMPLATE_VAR];
  if (!template || !existsSync(template)) return false;
  cpSync(template, path.join(dataDir, 'pglite'), { recursive: true });
  return true;
}
