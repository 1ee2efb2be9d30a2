import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';
import { setHandler } from '@temporalio/workflow';

/**
 * One operator message, two ways to send it: an Update, whose validator refuses at once
 * (the caller learns why, and nothing enters history), and a Signal of the same payload for
 * the Temporal Web UI, which can only signal: the same rule applies, and a refused signal is
 * recorded in the state (and so in `status`) instead of thrown.
 */
export interface OperatorMessage<R, V> {
  update: UpdateDefinition<V, [R]>;
  signal: SignalDefinition<[R]>;
  /** Why this request must be refused now, or undefined. The state's `refusalOfX`: one rule for both. */
  refusal(request: R): string | undefined;
  /** Applies an accepted request to the state. */
  apply(request: R): void;
}

export interface OperatorMessageState<V> {
  /** What an accepted Update returns: the state's view after the change. */
  view(): V;
  /** Keeps a refused signal in the state, so the sender sees it in `status`. */
  recordRefused(kind: string, request: unknown, reason: string): void;
}

/** Wires each message's Update (validator + handler) and Signal to the state's one rule. */
export function wireOperatorMessages<V>(
  state: OperatorMessageState<V>,
  // Each message has its own request type; the map is checked message by message at the call.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  messages: Record<string, OperatorMessage<any, V>>,
): void {
  for (const [kind, message] of Object.entries(messages)) wireOperatorMessage(state, kind, message);
}

/** One message of wireOperatorMessages; `kind` names it in recorded refusals. */
export function wireOperatorMessage<R, V>(
  state: OperatorMessageState<V>,
  kind: string,
  message: OperatorMessage<R, V>,
) {
  setHandler(message.update, (request) => (message.apply(request), state.view()), {
    validator: (request) => {
      const reason = message.refusal(request);
      if (reason) throw new Error(reason);
    },
  });
  setHandler(message.signal, (request) => {
    const reason = message.refusal(request);
    if (reason) state.recordRefused(kind, request, reason);
    else message.apply(request);
  });
}
