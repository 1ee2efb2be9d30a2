/* eslint-disable @typescript-eslint/no-require-imports -- Temporal's client loads on a Temporal error (see below) */
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

/**
 * The gRPC status of a Temporal call's failure. The SDK wraps some (a failed start is a
 * ServiceError whose `cause` is the gRPC error), so the causes are searched too.
 */
export function grpcErrorOf(err: unknown): { code: number; details: string } | undefined {
  if (!(err instanceof Error)) return undefined;
  // Here, not at import: the CLI through the gateway never loads Temporal's client (half a second).
  const { isGrpcServiceError } = require('@temporalio/client') as typeof import('@temporalio/client');
  for (let cause: unknown = err, depth = 0; cause instanceof Error && depth < 5; depth++) {
    if (isGrpcServiceError(cause)) return { code: cause.code, details: cause.details || cause.message };
    cause = (cause as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * A Temporal call that failed because Temporal cannot be reached (UNAVAILABLE: no connection)
 * or did not answer in time (DEADLINE_EXCEEDED) as a 503 to retry later; else undefined.
 */
export function temporalUnreachable(err: unknown): ApiError | undefined {
  if (err instanceof ApiError) return err.status === 503 ? err : undefined;
  const grpc = grpcErrorOf(err);
  if (!grpc) return undefined;
  const { GRPC_DEADLINE_EXCEEDED, GRPC_UNAVAILABLE } =
    require('../../platform/connection') as typeof import('../../platform/connection');
  if (grpc.code !== GRPC_UNAVAILABLE && grpc.code !== GRPC_DEADLINE_EXCEEDED) return undefined;
  return unavailable(`Temporal is unreachable: ${grpc.details}`);
}
