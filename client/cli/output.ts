/** Exit codes shared by every command: 0 done, 1 refused or failed, 2 bad input. */
export const EXIT = { ok: 0, failed: 1, badInput: 2 } as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
  }
}

/** Prints `value` as JSON when --json was given, otherwise as `key  value` lines. */
export function print(value: Record<string, unknown>, json: boolean): void {
  if (json) {
    console.log(JSON.stringify(value, null, 2));
    return;
  }
  const width = Math.max(...Object.keys(value).map((key) => key.length));
  for (const [key, item] of Object.entries(value)) {
    console.log(`${key.padEnd(width)}  ${typeof item === 'object' ? JSON.stringify(item) : String(item)}`);
  }
}
