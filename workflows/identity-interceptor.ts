import {
  ApplicationFailure,
  patched,
  workflowInfo,
  type ActivityInput,
  type LocalActivityInput,
  type Next,
  type QueryInput,
  type SignalInput,
  type StartChildWorkflowExecutionInput,
  type UpdateInput,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptorsFactory,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import {
  isHandedStamp,
  ORIGIN_KEY,
  SERVER_PREPARED_WORKFLOW_TYPES,
  STAMP_FUTURE_SKEW_MS,
  STAMP_KEY,
  UNPREPARED_INPUT_FAILURE,
  UNVERIFIED_PREFIX,
  unpreparedInputMessage,
  type HandedStamp,
} from '../domain/identity-stamp';
import { now } from './kit/time';

/**
 * Identity stamps inside the workflow: every workflow type gets this interceptor (the bundle
 * registers it: workers/bundle.ts). A worker in stamped mode hands each verified stamp to the
 * workflow under STAMP_KEY (platform/codec/identity-codec.ts); this removes it before any
 * handler sees the message (strict schemas refuse unknown keys) and, for signals and updates,
 * marks the message's sender unverified (`actor: "unverified:<actor>"`, `roles: []` when it has
 * roles) when the stamp
 * - was made longer ago than its window, against workflow time (deterministic on replay),
 * - was made more than STAMP_FUTURE_SKEW_MS in the future, or
 * - was already used by a signal or update of this workflow run within its window.
 * An update's validator and handler see the same judgement: only the handler marks a stamp used.
 *
 * Start input, queries and child workflow results only lose STAMP_KEY (a retried or cron run
 * gets its first run's input: judging its age would refuse it). In trusted mode the worker
 * hands nothing and nothing here changes a message.
 *
 * Origins: a worker in stamped mode also hands each JSON object a workflow receives its origin
 * verdict under ORIGIN_KEY (`'arxflow'` when a trusted arxflow process encoded it, else
 * `'outside'`). It is removed from every message, activity and child result here; a start of a
 * SERVER_PREPARED_WORKFLOW_TYPES type whose input came from outside (the Web UI's start form,
 * any client without arxflow's keys) fails at once, non-retryable (UnpreparedInput): its
 * requester, approvals, ... must be the ones arxflow prepared on the server. A retried or
 * continued run reuses an input whose origin MAC (no time in it) still verifies. Only that
 * refusal emits a command (a patch marker, UNPREPARED_INPUT_PATCH): histories of runs started
 * before origins were checked replay as they ran.
 */
export const interceptors: WorkflowInterceptorsFactory = () => {
  const ledger = new StampLedger();
  return { inbound: [new IdentityInbound(ledger)], outbound: [new IdentityOutbound()] };
};

/** The stamps used in this workflow run, by id, until their window ends (module state is per run; this is per factory call). */
export class StampLedger {
  /** Most stamps remembered at once (pruned by age first; beyond it the oldest go). */
  static readonly MAX_ENTRIES = 10_000;
  private readonly usedUntil = new Map<string, number>();

  /** Why a stamp does not count at `now` (epoch ms), or undefined when it does. */
  refusal(stamp: HandedStamp, now: number): 'stale' | 'future' | 'reused' | undefined {
    if (now - stamp.at > stamp.window) return 'stale';
    if (stamp.at - now > STAMP_FUTURE_SKEW_MS) return 'future';
    const until = this.usedUntil.get(stamp.id);
    return until !== undefined && until >= now ? 'reused' : undefined;
  }

  use(stamp: HandedStamp, now: number): void {
    for (const [id, until] of this.usedUntil) if (until < now) this.usedUntil.delete(id);
    this.usedUntil.delete(stamp.id);
    this.usedUntil.set(stamp.id, stamp.at + stamp.window);
    while (this.usedUntil.size > StampLedger.MAX_ENTRIES) this.usedUntil.delete(this.usedUntil.keys().next().value!);
  }
}

type Judge = (stamp: HandedStamp) => boolean;

/** `args` with STAMP_KEY removed from each object that carries it; `counts` says whether its sender stays as stamped. */
export function withoutHandedStamps(args: readonly unknown[], counts?: Judge): unknown[] {
  return args.map((arg) => {
    if (arg === null || typeof arg !== 'object' || Array.isArray(arg) || !(STAMP_KEY in arg)) return arg;
    const { [STAMP_KEY]: stamp, ...message } = arg as Record<string, unknown>;
    if (!counts || (isHandedStamp(stamp) && counts(stamp))) return message;
    if (typeof message.actor !== 'string') return message;
    return {
      ...message,
      actor: message.actor.startsWith(UNVERIFIED_PREFIX)
        ? message.actor
        : `${UNVERIFIED_PREFIX}${message.actor.slice(0, 180)}`,
      ...('roles' in message ? { roles: [] } : {}),
    };
  });
}

/** The patch of the UnpreparedInput refusal: runs started before it replay without it. */
export const UNPREPARED_INPUT_PATCH = 'refuse-unprepared-input';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The origin verdicts the worker handed with `args` (one per JSON object that carries one). */
export function originsOf(args: readonly unknown[]): unknown[] {
  return args
    .filter((arg) => isPlainObject(arg) && ORIGIN_KEY in arg)
    .map((arg) => (arg as Record<string, unknown>)[ORIGIN_KEY]);
}

/** `args` with ORIGIN_KEY removed from each object that carries it. */
export function withoutOrigins(args: readonly unknown[]): unknown[] {
  if (!args.some((arg) => isPlainObject(arg) && ORIGIN_KEY in arg)) return args as unknown[];
  return args.map((arg) => {
    if (!isPlainObject(arg) || !(ORIGIN_KEY in arg)) return arg;
    const { [ORIGIN_KEY]: _verdict, ...message } = arg;
    return message;
  });
}

/** A value received by the workflow (activity or child result) without a handed stamp or origin. */
function received(value: unknown): unknown {
  return withoutHandedStamps(withoutOrigins([value]))[0];
}

/** Whether a start of `workflowType` with these verdicts must be refused: any input from outside, for a type arxflow prepares. */
export function isUnpreparedStart(workflowType: string, verdicts: readonly unknown[]): boolean {
  return SERVER_PREPARED_WORKFLOW_TYPES.includes(workflowType) && verdicts.some((verdict) => verdict !== 'arxflow');
}

function carriesStamp(args: readonly unknown[]): boolean {
  return args.some((arg) => arg !== null && typeof arg === 'object' && !Array.isArray(arg) && STAMP_KEY in arg);
}

class IdentityInbound implements WorkflowInboundCallsInterceptor {
  constructor(private readonly ledger: StampLedger) {}

  /** Judges and, when `use`, marks every counted stamp used. */
  private judged(args: readonly unknown[], use: boolean): unknown[] {
    const at = now();
    return withoutHandedStamps(args, (stamp) => {
      if (this.ledger.refusal(stamp, at)) return false;
      if (use) this.ledger.use(stamp, at);
      return true;
    });
  }

  async execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const { workflowType } = workflowInfo();
    // patched() only here: it records a marker in new runs and is false when an older run's history replays.
    if (isUnpreparedStart(workflowType, originsOf(input.args)) && patched(UNPREPARED_INPUT_PATCH)) {
      throw ApplicationFailure.nonRetryable(unpreparedInputMessage(workflowType), UNPREPARED_INPUT_FAILURE);
    }
    const args = withoutOrigins(input.args);
    return next(carriesStamp(args) ? { ...input, args: withoutHandedStamps(args) } : { ...input, args });
  }

  async handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>): Promise<void> {
    const args = withoutOrigins(input.args);
    return next(carriesStamp(args) ? { ...input, args: this.judged(args, true) } : { ...input, args });
  }

  validateUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'validateUpdate'>): void {
    const args = withoutOrigins(input.args);
    next(carriesStamp(args) ? { ...input, args: this.judged(args, false) } : { ...input, args });
  }

  async handleUpdate(
    input: UpdateInput,
    next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>,
  ): Promise<unknown> {
    const args = withoutOrigins(input.args);
    return next(carriesStamp(args) ? { ...input, args: this.judged(args, true) } : { ...input, args });
  }

  async handleQuery(input: QueryInput, next: Next<WorkflowInboundCallsInterceptor, 'handleQuery'>): Promise<unknown> {
    const args = withoutOrigins(input.args);
    return next(carriesStamp(args) ? { ...input, args: withoutHandedStamps(args) } : { ...input, args });
  }
}

class IdentityOutbound implements WorkflowOutboundCallsInterceptor {
  async startChildWorkflowExecution(
    input: StartChildWorkflowExecutionInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'startChildWorkflowExecution'>,
  ): Promise<[Promise<string>, Promise<unknown>]> {
    const [started, completed] = await next(input);
    const result = completed.then(received);
    result.catch(() => undefined); // as unhandled as the SDK's own: a parent that never awaits a failed child is not failed by this copy
    return [started, result];
  }

  // Activity results are decoded in the activity's context (nothing handed), except after the
  // worker lost the context (a replay from history): then they may carry an origin verdict.
  async scheduleActivity(
    input: ActivityInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>,
  ): Promise<unknown> {
    return received(await next(input));
  }

  async scheduleLocalActivity(
    input: LocalActivityInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>,
  ): Promise<unknown> {
    return received(await next(input));
  }
}
