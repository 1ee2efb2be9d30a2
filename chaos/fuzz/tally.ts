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
}

export class Tally {
  cases = 0;
  /** How cases were answered: an HTTP status, an exit code, `refused` or `accepted`. */
  readonly answers: Record<string, number> = {};
  /** Cases per target (route, command, format). */
  readonly perTarget: Record<string, number> = {};
  readonly failures: Failure[] = [];
  slowestMs = 0;

  constructor(readonly surface: string) {}

  count(target: string, answer: string | number, ms: number): void {
    this.cases++;
    this.answers[answer] = (this.answers[answer] ?? 0) + 1;
    this.perTarget[target] = (this.perTarget[target] ?? 0) + 1;
    this.slowestMs = Math.max(this.slowestMs, ms);
  }

  fail(kind: FailureKind, target: string, input: string, detail: string): void {
    // One failure per (kind, target, detail start) is enough to report; fast-check's shrunk input replaces the first.
    this.failures.push({ surface: this.surface, kind, target, input, detail: detail.slice(0, 400) });
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
