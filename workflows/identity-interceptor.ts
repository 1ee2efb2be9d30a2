import type {
  Next, QueryInput, SignalInput, StartChildWorkflowExecutionInput, UpdateInput, WorkflowExecuteInput, WorkflowInboundCallsInterceptor,
  WorkflowInterceptorsFactory, WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import { isHandedStamp, STAMP_FUTURE_SKEW_MS, STAMP_KEY, UNVERIFIED_PREFIX, type HandedStamp } from '../domain/identity-stamp';

/**
 * Identity stamps inside the workflow: every workflow type gets this interceptor (the bundle
 * registers it: workers/bundle.ts). A worker in stamped mode hands each verified stamp to the
 * workflow under STAMP_KEY (client/codec/identity-codec.ts); this removes it before any
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
 * hands nothing and nothing here changes a message. It emits no command, so it needs no patch.
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
      actor: message.actor.startsWith(UNVERIFIED_PREFIX) ? message.actor : `${UNVERIFIED_PREFIX}${message.actor.slice(0, 180)}`,
      ...('roles' in message ? { roles: [] } : {}),
    };
  });
}

function carriesStamp(args: readonly unknown[]): boolean {
  return args.some((arg) => arg !== null && typeof arg === 'object' && !Array.isArray(arg) && STAMP_KEY in arg);
}

class IdentityInbound implements WorkflowInboundCallsInterceptor {
  constructor(private readonly ledger: StampLedger) {}

  /** Judges and, when `use`, marks every counted stamp used. */
  private judged(args: readonly unknown[], use: boolean): unknown[] {
    const now = Date.now(); // workflow time: the same on replay
    return withoutHandedStamps(args, (stamp) => {
      if (this.ledger.refusal(stamp, now)) return false;
      if (use) this.ledger.use(stamp, now);
      return true;
    });
  }

  async execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    return next(carriesStamp(input.args) ? { ...input, args: withoutHandedStamps(input.args) } : input);
  }

  async handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>): Promise<void> {
    return next(carriesStamp(input.args) ? { ...input, args: this.judged(input.args, true) } : input);
  }

  validateUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'validateUpdate'>): void {
    next(carriesStamp(input.args) ? { ...input, args: this.judged(input.args, false) } : input);
  }

  async handleUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>): Promise<unknown> {
    return next(carriesStamp(input.args) ? { ...input, args: this.judged(input.args, true) } : input);
  }

  async handleQuery(input: QueryInput, next: Next<WorkflowInboundCallsInterceptor, 'handleQuery'>): Promise<unknown> {
    return next(carriesStamp(input.args) ? { ...input, args: withoutHandedStamps(input.args) } : input);
  }
}

class IdentityOutbound implements WorkflowOutboundCallsInterceptor {
  async startChildWorkflowExecution(
    input: StartChildWorkflowExecutionInput, next: Next<WorkflowOutboundCallsInterceptor, 'startChildWorkflowExecution'>,
  ): Promise<[Promise<string>, Promise<unknown>]> {
    const [started, completed] = await next(input);
    const result = completed.then((value) => withoutHandedStamps([value])[0]);
    result.catch(() => undefined); // as unhandled as the SDK's own: a parent that never awaits a failed child is not failed by this copy
    return [started, result];
  }
}
