/*
 * When an alert or incident run hands its state to a new run (continue-as-new), so that an
 * alert fed duplicate triggers for weeks, or an incident joined by a flood of alerts, keeps
 * each run's history short: replaying it (after an eviction, a worker restart) stays cheap,
 * and the run never nears the server's history limits.
 */

/**
 * A run continues as new once its history holds this many events, or sooner when the server
 * suggests it (`continueAsNewSuggested`: by default at 4,096 events or 4 MB on a Temporal
 * server). Half the server's default: the decision is taken at the next wake-up, and
 * messages that keep arriving while the run finishes (its last audit call, the
 * continue-as-new refused while new signals wait) still add events.
 */
export const EVENTS_PER_RUN = 2_000;

/**
 * ... or once it has handled this many messages (signals and accepted updates), whatever the
 * server reports: the time-skipping test server neither suggests continue-as-new nor counts
 * a run's events for it. A message costs at most about 7 events (the signal, a workflow task,
 * a timer cancelled and started again), so 400 messages stay under 2,800 events, with room
 * under the server's 4,096 for the run's own work and for what arrives while it finishes.
 */
export const MESSAGES_PER_RUN = 400;

/** What a run reads of its workflow info to decide (workflowInfo(): deterministic on replay). */
export interface RunHistoryInfo {
  historyLength: number;
  continueAsNewSuggested: boolean;
}

export interface RunBoundOptions {
  /** Continue as new once the run's history holds this many events (default EVENTS_PER_RUN). */
  eventsPerRun?: number;
  /** ... or once it handled this many messages (default MESSAGES_PER_RUN; tests use fewer). */
  messagesPerRun?: number;
}

/** One run's count of messages, and whether the run should hand its state to a new run now. */
export class RunBound {
  private messages = 0;
  private readonly eventsPerRun: number;
  private readonly messagesPerRun: number;

  constructor(options: RunBoundOptions = {}) {
    this.eventsPerRun = options.eventsPerRun ?? EVENTS_PER_RUN;
    this.messagesPerRun = options.messagesPerRun ?? MESSAGES_PER_RUN;
  }

  /** A signal or update was handled by this run. */
  message(): void {
    this.messages += 1;
  }

  /** `handle`, counting each message it handles for this run first. */
  counting<R>(handle: (request: R) => void): (request: R) => void {
    return (request) => {
      this.message();
      handle(request);
    };
  }

  due(info: RunHistoryInfo): boolean {
    return (
      info.continueAsNewSuggested || info.historyLength >= this.eventsPerRun || this.messages >= this.messagesPerRun
    );
  }
}
