import type { FieldIssue } from '../../domain/validation';

/** Outcomes the API, the gateway and the CLI map the same way: HTTP status and CLI exit code. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 401 | 403 | 404 | 409 | 422 | 429 | 503,
    readonly code: string,
    /** Bad input: each refused field, for the 400 body's `issues`. */
    readonly issues: readonly FieldIssue[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const badInput = (message: string, issues: readonly FieldIssue[] = []) =>
  new ApiError(message, 400, 'bad_input', issues);
export const notFound = (message: string) => new ApiError(message, 404, 'not_found');
export const conflict = (message: string) => new ApiError(message, 409, 'already_started');
export const rejected = (message: string) => new ApiError(message, 422, 'rejected');
export const unavailable = (message: string) => new ApiError(message, 503, 'unavailable');
