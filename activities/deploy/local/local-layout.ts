import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { InputError } from '../../../domain/validation';

/**
 * The local target's folder (`dir`, default `<dataDir>/deploy/<service>/<environment>`):
 *   releases/<version>/   one folder per installed version (renamed into place when complete)
 *   current -> releases/<version>   the serving version, switched by rename (atomic)
 *   run/slot-0.json, run/slot-1.json   what each slot runs: version, pid, its identity, port
 *   run/routes.json   the proxy's backends and weights;  run/proxy.json   the proxy's pid and port
 *   run/starts.log   one line per process start;  run/<version>.log, run/proxy.log   process output
 */
export interface LocalLayout {
  root: string;
  releases: string;
  current: string;
  run: string;
  routesFile: string;
  proxyFile: string;
  proxyLog: string;
  startsLog: string;
  releaseDir(version: string): string;
  slotFile(slot: SlotIndex): string;
  processLog(version: string): string;
}

export type SlotIndex = 0 | 1;
export const SLOTS: readonly SlotIndex[] = [0, 1];

export function localLayout(root: string): LocalLayout {
  const run = path.join(root, 'run');
  return {
    root,
    releases: path.join(root, 'releases'),
    current: path.join(root, 'current'),
    run,
    routesFile: path.join(run, 'routes.json'),
    proxyFile: path.join(run, 'proxy.json'),
    proxyLog: path.join(run, 'proxy.log'),
    startsLog: path.join(run, 'starts.log'),
    releaseDir: (version) => path.join(root, 'releases', version),
    slotFile: (slot) => path.join(run, `slot-${slot}.json`),
    processLog: (version) => path.join(run, `${version}.log`),
  };
}

export function ensureLayout(layout: LocalLayout): void {
  mkdirSync(layout.releases, { recursive: true });
  mkdirSync(layout.run, { recursive: true });
}

const VERSION = /^[0-9A-Za-z][0-9A-Za-z._+-]{0,127}$/;

/** A version names a folder: no separators, no `..`, so it can never point outside releases/. */
export function checkVersion(version: string, field = 'version'): void {
  if (typeof version !== 'string' || !VERSION.test(version) || version.includes('..'))
    throw new InputError(`${field} "${String(version)}" is not a version (letters, digits, . _ + -)`, [
      { path: field, message: 'must be letters, digits, ".", "_", "+" or "-", without ".."' },
    ]);
}

/** Writes `file` whole or not at all: a temp file beside it, then rename. */
export function writeFileAtomic(file: string, content: string): void {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}

/** JSON of a file, undefined when it is missing or unreadable (a torn write cannot happen: see writeFileAtomic). */
export function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** The version `current` points to, undefined before the first switch. */
export function readCurrent(layout: LocalLayout): string | undefined {
  try {
    return path.basename(readlinkSync(layout.current));
  } catch {
    return undefined;
  }
}

/** Points `current` at releases/<version>: a new symlink renamed over the old one, so readers see one or the other. */
export function switchCurrent(layout: LocalLayout, version: string): void {
  if (readCurrent(layout) === version && existsSync(layout.current)) return;
  const tmp = `${layout.current}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  symlinkSync(path.join('releases', version), tmp);
  renameSync(tmp, layout.current);
}

export function removeCurrent(layout: LocalLayout): void {
  rmSync(layout.current, { force: true });
}
