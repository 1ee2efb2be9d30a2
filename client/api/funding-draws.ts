import { durationToMs } from '../../domain/durations';
import type { FundingGateInput } from '../../domain/funding/gate-input';
import { resolveDraw, type DrawRequest } from '../../domain/funding/program';
import { InputError } from '../../domain/validation';
import type { FundingPrograms } from '../../db/funding-programs';
import { badInput, rejected } from './errors';
import type { Caller } from './operations';

/** What a draw is resolved against: the store's programs and payees, and the maker-checker window. */
export interface DrawContext {
  programs(): Promise<FundingPrograms>;
  makerCheckerWindow: string;
}

/**
 * Turns a requester's draw request into the fundingGate input: the requester is the caller,
 * approvals, conditions, retainage and clocks come from the project's funding program (the
 * version in force now, copied into the draw), the payee must be registered for the project,
 * and whoever changed the program or payees within the window is named so the gate bars them.
 * Refused (422) before anything starts.
 */
export async function prepareDraw(
  request: DrawRequest,
  caller: Caller,
  context: DrawContext,
  now = new Date(),
): Promise<FundingGateInput> {
  const programs = await context.programs();
  const { projectId } = request;
  const program = request.programId
    ? await programs.get(projectId, request.programId)
    : await programs.current(projectId);
  if (!program) {
    throw rejected(
      request.programId
        ? `programId: project ${projectId} has no funding program ${request.programId}`
        : `programId: project ${projectId} has no current funding program (an admin publishes one)`,
    );
  }
  if (!(await programs.payee(projectId, request.payeeId))) {
    throw rejected(
      `payeeId: ${request.payeeId} is not a registered payee of project ${projectId} (an admin registers payees)`,
    );
  }
  const since = new Date(now.getTime() - durationToMs(context.makerCheckerWindow));
  const makers = await programs.makersSince(projectId, since);
  try {
    return resolveDraw(program, request, caller.subject, { window: context.makerCheckerWindow, makers });
  } catch (err) {
    if (err instanceof InputError) throw badInput(err.message, err.issues);
    throw err;
  }
}
