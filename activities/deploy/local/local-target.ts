import { existsSync } from 'node:fs';
import path from 'node:path';
import { durationToMs } from '../../../domain/durations';
import type { LocalTargetConfig } from '../../../domain/deploy/deploy-types';
import { InputError } from '../../../domain/validation';
import type { DeployTarget, TargetCommandLog } from '../targets/deploy-target';
import {
  SLOTS,
  checkVersion,
  ensureLayout,
  localLayout,
  readCurrent,
  removeCurrent,
  switchCurrent,
  type SlotIndex,
} from './local-layout';
import { ensureProxy, readRoutes, stopProxy, writeRoutes, type Route } from './proxy-process';
import { artifactPath, installRelease } from './release-install';
import { liveSlot, startRelease, stopSlot, type SlotState } from './release-processes';

export interface LocalTargetOptions {
  service: string;
  environment: string;
  config: LocalTargetConfig;
  /** The config file's folder: relative `artifact` and `dir` are read from here. */
  configDir: string;
  /** The data dir: the default folder is `<dataDir>/deploy/<service>/<environment>`. */
  dataDir: string;
  /** How long a started release gets to answer HTTP on its port (default 30 s). */
  readyTimeoutMs?: number;
  /** Each command the target ran (install, start, stop, switch) and its time, for the record and the benchmark. */
  onCommand?: (entry: TargetCommandLog) => void;
}

export type LocalTarget = DeployTarget & {
  /** The target's folder (releases/, current, run/). */
  readonly dir: string;
  stopAll(): Promise<void>;
};

const DEFAULT_READY_TIMEOUT_MS = 30_000;

/**
 * The `local` target: releases under a folder, `current` switched by an atomic rename, a small
 * supervisor for two slots (blue and green on `slotPorts`, versions alternating between them) and a
 * reverse proxy on `port` splitting traffic by weight (proxy.cjs). Everything it starts is
 * detached and recorded under run/, so it keeps serving when the worker dies and any later
 * target object on the same folder picks up where this one stopped. Each method looks at what
 * is there and does only what is missing: called twice, nothing is installed, started or
 * switched twice.
 */
export function createLocalTarget(options: LocalTargetOptions): LocalTarget {
  const { service, environment, config, configDir } = options;
  const root = config.dir
    ? path.resolve(configDir, config.dir)
    : path.resolve(options.dataDir, 'deploy', service, environment);
  const layout = localLayout(root);
  const stopTimeoutMs = durationToMs(config.stopTimeout);
  checkConfig(config, stopTimeoutMs);
  const readyTimeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const publicUrl = `http://127.0.0.1:${config.port}`;
  const slotUrl = (state: SlotState) => `http://127.0.0.1:${state.port}`;

  async function timed<T>(command: string, action: () => Promise<T>): Promise<T> {
    const started = Date.now();
    try {
      return await action();
    } finally {
      options.onCommand?.({ command, ms: Date.now() - started });
    }
  }

  async function install(version: string, artifact?: string): Promise<void> {
    if (existsSync(layout.releaseDir(version))) return;
    const source = artifactPath(artifact ?? config.artifact, version, { service, environment, configDir });
    await timed(`install ${version} from ${source}`, () => installRelease(layout, version, source));
  }

  function liveSlots(): Array<SlotState | undefined> {
    return SLOTS.map((slot) => liveSlot(layout, slot));
  }

  function releaseEnv(version: string, port: number): Record<string, string> {
    // Not the worker's environment: its secrets (database, tokens) are not the release's business.
    const base: Record<string, string> = { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin' };
    for (const name of ['HOME', 'LANG', 'TMPDIR', 'TZ']) if (process.env[name]) base[name] = process.env[name]!;
    return {
      ...base,
      ARXFLOW_SERVICE: service,
      ARXFLOW_ENVIRONMENT: environment,
      ...config.env,
      PORT: String(port),
      ARXFLOW_VERSION: version,
    };
  }

  /**
   * The slot running `version`, started if none does: in a free slot, else in the slot of a
   * version not in `keep` (stopped first). `keep` holds what must go on serving meanwhile.
   */
  async function ensureRunning(version: string, keep: Array<string | undefined>): Promise<SlotState> {
    const slots = liveSlots();
    const running = slots.find((slot) => slot?.version === version);
    if (running) return running;
    await install(version);
    let slot: SlotIndex | undefined = SLOTS.find((index) => slots[index] === undefined);
    if (slot === undefined) {
      slot = SLOTS.find((index) => !keep.includes(slots[index]?.version));
      if (slot === undefined) throw new Error(`no slot free for ${version}: both run versions that must keep serving`);
      const evicted = slots[slot]!.version;
      await timed(`stop ${evicted} (slot ${slot})`, () => stopSlot(layout, slot!, stopTimeoutMs));
    }
    const index = slot;
    const port = config.slotPorts[index];
    return timed(`start ${version} (slot ${index}, port ${port})`, () =>
      startRelease(layout, {
        slot: index,
        version,
        port,
        cwd: layout.releaseDir(version),
        command: config.start,
        env: releaseEnv(version, port),
        readyTimeoutMs,
        stopTimeoutMs,
      }),
    );
  }

  /** Stops every slot not running one of `keep`. */
  async function stopOthers(keep: string[]): Promise<void> {
    for (const slot of SLOTS) {
      const state = liveSlot(layout, slot);
      if (state && !keep.includes(state.version))
        await timed(`stop ${state.version} (slot ${slot})`, () => stopSlot(layout, slot, stopTimeoutMs));
    }
  }

  /** Routes that give the serving version traffic and name only live slots are kept as they are (a weight in progress); others are replaced by `fallback`. */
  function routesValid(serving: string | undefined): boolean {
    const routes = readRoutes(layout);
    if (!routes) return false;
    if (serving && !routes.some((route) => route.version === serving && route.weight > 0)) return false;
    const slots = liveSlots();
    return routes.every((route) => slots.some((slot) => slot?.version === route.version && slot.port === route.port));
  }

  function route(state: SlotState, weight: number): Route {
    return { version: state.version, port: state.port, weight };
  }

  async function prepare(): Promise<void> {
    ensureLayout(layout);
    await timed(`proxy on port ${config.port}`, () => ensureProxy(layout, config.port, stopTimeoutMs));
  }

  function checkWeight(weight: number): void {
    if (!Number.isInteger(weight) || weight < 0 || weight > 100)
      throw new InputError(`weight ${weight} must be a whole percentage from 0 to 100`, [
        { path: 'weight', message: 'must be an integer from 0 to 100' },
      ]);
  }

  // One call at a time per folder in this process: an activity attempt that timed out may still
  // be running when its retry starts on the same worker.
  const serialized =
    <A extends unknown[], R>(method: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      oneAtATime(root, () => method(...args));

  return {
    dir: root,

    async serving() {
      return readCurrent(layout);
    },

    async artifactExists(version, artifact) {
      checkVersion(version);
      return existsSync(artifactPath(artifact ?? config.artifact, version, { service, environment, configDir }));
    },

    deploy: serialized(async (version: string, artifact?: string) => {
      checkVersion(version);
      ensureLayout(layout);
      await install(version, artifact);
      await prepare();
      const serving = readCurrent(layout);
      // What serves keeps serving: started again if it is not running (a reboot, a stopAll).
      const servingSlot = serving && serving !== version ? await ensureRunning(serving, [version]) : undefined;
      const slot = await ensureRunning(version, [serving]);
      if (!routesValid(serving)) {
        // No traffic to the new version yet; on a first deploy nothing serves until setWeight.
        const base = servingSlot ?? (serving === version ? slot : undefined);
        writeRoutes(layout, base ? [route(base, 100)] : []);
      }
      return { baseUrl: slotUrl(slot), publicUrl, switched: false };
    }),

    setWeight: serialized(async (version: string, weight: number) => {
      checkVersion(version);
      checkWeight(weight);
      await prepare();
      const serving = readCurrent(layout);
      const slot = await ensureRunning(version, [serving]);
      if (weight === 100) {
        // Order matters for a crash in between: traffic first, then the symlink, then the old
        // version stops; a second call finds each step done and finishes the rest.
        writeRoutes(layout, [route(slot, 100)]);
        await timed(`switch current to ${version}`, async () => switchCurrent(layout, version));
        await stopOthers([version]);
        return;
      }
      const servingSlot = serving && serving !== version ? await ensureRunning(serving, [version]) : undefined;
      // Nothing else serves (a first deploy): the only version there is takes all the traffic.
      writeRoutes(layout, servingSlot ? [route(servingSlot, 100 - weight), route(slot, weight)] : [route(slot, 100)]);
    }),

    rollback: serialized(async (failed: string, previous: string | undefined) => {
      checkVersion(failed, 'failed');
      if (previous !== undefined) checkVersion(previous, 'previous');
      if (previous === failed)
        throw new InputError(`cannot roll ${failed} back to itself`, [
          { path: 'previous', message: 'must differ from the failed version' },
        ]);
      await prepare();
      if (previous === undefined) {
        writeRoutes(layout, []);
        if (readCurrent(layout) === failed) removeCurrent(layout);
        await stopOthers([]);
        return;
      }
      const slot = await ensureRunning(previous, [failed]);
      writeRoutes(layout, [route(slot, 100)]);
      await timed(`switch current to ${previous}`, async () => switchCurrent(layout, previous));
      await stopOthers([previous]);
    }),

    publicUrl: () => publicUrl,

    stopAll: serialized(async () => {
      for (const slot of SLOTS) await stopSlot(layout, slot, stopTimeoutMs);
      await stopProxy(layout, stopTimeoutMs);
    }),
  };
}

const running = new Map<string, Promise<unknown>>();

/** Runs `action` after every earlier action on `key` in this process has ended (resolved or not). */
function oneAtATime<T>(key: string, action: () => Promise<T>): Promise<T> {
  const before = running.get(key) ?? Promise.resolve();
  const result = before.catch(() => undefined).then(action);
  const settled = result.catch(() => undefined);
  running.set(key, settled);
  void settled.then(() => {
    if (running.get(key) === settled) running.delete(key);
  });
  return result;
}

/** What the config check (deploy-config.ts) should have refused already; here so a bad config never starts anything. */
function checkConfig(config: LocalTargetConfig, stopTimeoutMs: number): void {
  const problems: Array<{ path: string; message: string }> = [];
  if (!Number.isFinite(stopTimeoutMs) || stopTimeoutMs < 0)
    problems.push({ path: 'target.stopTimeout', message: 'must be a duration such as "10s"' });
  const ports = [config.port, ...config.slotPorts];
  if (ports.some((port) => !Number.isInteger(port) || port <= 0 || port > 65_535))
    problems.push({ path: 'target.port', message: 'port and slotPorts must be ports (1-65535)' });
  else if (new Set(ports).size !== 3)
    problems.push({ path: 'target.slotPorts', message: 'the two slot ports and the public port must all differ' });
  if (problems.length > 0)
    throw new InputError(
      `local target: ${problems.map((problem) => `${problem.path} ${problem.message}`).join('; ')}`,
      problems,
    );
}
