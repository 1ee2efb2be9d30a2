/**
 * What one bad-input surface saw: cases run, how each was answered, and every failure (a 5xx, a
 * hang over the limit, a crash, a write or start by a refused request) with the target and input.
 */

/** A case slower than this is a hang (issue 17: "zero hangs over 10 s"). */
export const HANG_MS = 10_000;

export type FailureKind = '5xx' | 'hang' | 'crash' | 'wrong refusal' | 'rows written' | 'workflow started';

export interface Failure {
  surface: string;
  kind: FailureKind;
  /** The route, command or file format. */
  target: string;
  /** The input, shortened (shrunk by fast-check where it could). */
  input: string;
  detail: string;
  /** How long the case took (for a hang: until it ended after all, when it did; see `detail`). */
  ms?: number;
  /** fast-check's seed and path of the case: `fc.check(property, { seed, path })` runs it alone again. */
  replay?: string;
}

/** One of the slowest cases of a surface: where time went when a loaded machine nears the limit. */
export interface SlowCase {
  target: string;
  input: string;
  answer: string | number;
  ms: number;
}

/** The slowest cases kept per surface. */
const SLOWEST_KEPT = 5;

export class Tally {
  cases = 0;
  /** How cases were answered: an HTTP status, an exit code, `refused` or `accepted`. */
  readonly answers: Record<string, number> = {};
  /** Cases per target (route, command, format). */
  readonly perTarget: Record<string, number> = {};
  readonly failures: Failure[] = [];
  slowestMs = 0;
  /** The slowest cases, slowest first. */
  readonly slowest: SlowCase[] = [];

  constructor(readonly surface: string) {}

  count(target: string, answer: string | number, ms: number, input = ''): void {
    this.cases++;
    this.answers[answer] = (this.answers[answer] ?? 0) + 1;
    this.perTarget[target] = (this.perTarget[target] ?? 0) + 1;
    this.slowestMs = Math.max(this.slowestMs, ms);
    if (this.slowest.length < SLOWEST_KEPT || ms > (this.slowest.at(-1)?.ms ?? 0)) {
      this.slowest.push({ target, input: input.slice(0, 200), answer, ms: Math.round(ms) });
      this.slowest.sort((a, b) => b.ms - a.ms).splice(SLOWEST_KEPT);
    }
  }

  fail(
    kind: FailureKind,
    target: string,
    input: string,
    detail: string,
    more: { ms?: number; replay?: string } = {},
  ): Failure {
    // One failure per (kind, target, detail start) is enough to report; fast-check's shrunk input replaces the first.
    const failure: Failure = {
      surface: this.surface,
      kind,
      target,
      input,
      detail: detail.slice(0, 400),
      ...(more.ms === undefined ? {} : { ms: Math.round(more.ms) }),
      ...(more.replay === undefined ? {} : { replay: more.replay }),
    };
    this.failures.push(failure);
    return failure;
  }

  /**
   * Keeps the last failure since `from` (fast-check shrinks, failing many times on its way down:
   * the last is the smallest input) and stamps it with the run's replay (seed and path).
   */
  keepLast(from: number, details: { seed: number; counterexamplePath: string | null }): Failure | undefined {
    this.failures.splice(from, Math.max(0, this.failures.length - from - 1));
    const last = this.failures.length > from ? this.failures.at(-1) : undefined;
    if (last) last.replay = `fast-check seed ${details.seed} path ${details.counterexamplePath ?? '?'}`;
    return last;
  }

  failuresOf(kind: FailureKind): number {
    return this.failures.filter((failure) => failure.kind === kind).length;
  }
}

/** Runs `work` and says how long it took, or `undefined` as the result when it outlived `limitMs`. */
export async function timed<T>(
  work: () => Promise<T>,
  limitMs = HANG_MS,
): Promise<{ result: T | undefined; ms: number; hung: boolean }> {
  const start = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<'hang'>((resolve) => (timer = setTimeout(() => resolve('hang'), limitMs)));
  try {
    const result = await Promise.race([work(), hang]);
    const ms = performance.now() - start;
    return result === 'hang' ? { result: undefined, ms, hung: true } : { result, ms, hung: false };
  } finally {
    clearTimeout(timer);
  }
}
