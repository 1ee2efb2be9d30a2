import { CommanderError } from 'commander';
import type { ApplicationFailure } from '@temporalio/common';
import { ZodError } from 'zod';
import { ApiError } from '../client/api/errors';
import { InputError } from '../domain/validation';
import { readInputFile } from '../platform/input-file';

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

/**
 * The one way an error becomes the exit code, for every command and both paths (Temporal
 * directly, or the gateway, whose HTTP errors arrive as ApiErrors):
 * - 2, bad input: input that fails validation before anything is started or sent (an
 *   InputError, a zod error, a usage error), an ApiError 400 / `bad_input`, and a run or
 *   update a workflow failed as `InvalidInput`;
 * - 1, refused or failed: a refusal by a workflow's rules (ApiError 403, 409, 422: four
 *   eyes, a closed gate, a role the caller lacks), not found, unreachable, anything else;
 * - a CliError says its own; help and version exit 0.
 */
export function exitCodeOf(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.badInput;
  if (err instanceof CliError) return err.exitCode;
  if (err instanceof InputError || err instanceof ZodError) return EXIT.badInput;
  if (err instanceof ApiError) return err.status === 400 || err.code === 'bad_input' ? EXIT.badInput : EXIT.failed;
  return failedAsInvalidInput(err) ? EXIT.badInput : EXIT.failed;
}

/** A Temporal error (a failed run or update) caused by a non-retryable `InvalidInput`: the input, not the rules. */
function failedAsInvalidInput(err: unknown): boolean {
  for (let cause = err, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth++)
    if (isApplicationFailure(cause) && cause.type === 'InvalidInput') return true;
  return false;
}

/**
 * The SDK's failures name their class; the SDK (half a second to load) is only loaded to check
 * one that says it is one, so a command through the gateway never loads it.
 */
function isApplicationFailure(err: Error): err is ApplicationFailure {
  if (err.name !== 'ApplicationFailure') return false;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
  const { ApplicationFailure } = require('@temporalio/common') as typeof import('@temporalio/common');
  return err instanceof ApplicationFailure;
}

/** Prints `value` as JSON when --json was given, otherwise as `key  value` lines. */
export function print(value: Record<string, unknown>, json: boolean): void {
  if (json) {
    console.log(JSON.stringify(value, null, 2));
    return;
  }
  for (const line of fieldLines(value)) console.log(line);
}

/** Prints rows as JSON when --json was given, otherwise as an aligned table of `columns`. */
export function printTable(rows: Record<string, unknown>[], columns: string[], json: boolean): void {
  if (json) {
    console.log(JSON.stringify(rows, null, 2));
    return;
  }
  for (const line of tableLines(rows, columns)) console.log(line);
  if (rows.length === 0) console.log('(none)');
}

/** What a text section holds: a table of `columns`, or `key  value` fields. */
export type SectionContent =
  { rows: Record<string, unknown>[]; columns: string[] } | { fields: Record<string, unknown> };

/**
 * One section of a longer text view (a status with several tables): its title, then its
 * table or fields indented under it ("(none)" for an empty table), then a blank line.
 */
export function printSection(title: string, content: SectionContent): void {
  console.log(title);
  const lines =
    'fields' in content
      ? fieldLines(content.fields)
      : content.rows.length === 0
        ? ['(none)']
        : tableLines(content.rows, content.columns);
  for (const line of lines) console.log(`  ${line}`);
  console.log('');
}

const cell = (value: unknown) =>
  value === null || value === undefined ? '-' : typeof value === 'object' ? JSON.stringify(value) : String(value);

function fieldLines(value: Record<string, unknown>): string[] {
  const width = Math.max(0, ...Object.keys(value).map((key) => key.length));
  const text = (item: unknown) => (typeof item === 'object' && item !== null ? JSON.stringify(item) : String(item));
  return Object.entries(value).map(([key, item]) => `${key.padEnd(width)}  ${text(item)}`);
}

function tableLines(rows: Record<string, unknown>[], columns: string[]): string[] {
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => cell(row[column]).length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [
    line(columns.map((c) => c.toUpperCase())),
    ...rows.map((row) => line(columns.map((column) => cell(row[column])))),
  ];
}

/** Parses a --body/--input JSON option, exiting 2 naming the option when it is not JSON. */
export function jsonOption(text: string | undefined, option: string): unknown {
  if (text === undefined) return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliError(`${option}: not valid JSON (${(err as Error).message})`, EXIT.badInput);
  }
}

/**
 * The text of a file named on the command line. Missing, unreadable, not a regular file (a
 * directory, /dev/zero, a pipe) or over the size limit: exit 2 naming the file, nothing read.
 */
export function readFileArgument(file: string): string {
  try {
    return readInputFile(file);
  } catch (err) {
    const problem = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new CliError(`${file}: ${problem}`, EXIT.badInput);
  }
}

/** A JSON file named on the command line; unreadable or not JSON: exit 2 naming the file. */
export function readJsonFile(file: string): unknown {
  return jsonOption(readFileArgument(file), file);
}
