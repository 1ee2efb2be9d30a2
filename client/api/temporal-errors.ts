import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { ApiError, conflict, grpcErrorOf, notFound, rejected, temporalUnreachable } from './errors';

// Its own module, apart from temporal-operations.ts (which loads the workflow registry): the
// operations of each area use it, and the registry loads those areas' entries.

/** Temporal's errors as ApiErrors: not found 404, already started 409, refused update 422, unreachable 503. */
export async function translate<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof ApiError) throw err;
    if (err instanceof WorkflowNotFoundError) throw notFound(err.message);
    if (err instanceof WorkflowExecutionAlreadyStartedError)
      throw conflict(`workflow ${err.workflowId} is already started`);
    if (err instanceof WorkflowUpdateFailedError) throw rejected(err.cause?.message ?? err.message);
    const unreachable = temporalUnreachable(err);
    if (unreachable) throw unreachable;
    const grpc = grpcErrorOf(err);
    if (grpc?.code === 5) throw notFound(grpc.details); // NOT_FOUND
    if (grpc?.code === 3 && /update/i.test(grpc.details)) throw rejected(grpc.details); // INVALID_ARGUMENT
    throw err;
  }
}
