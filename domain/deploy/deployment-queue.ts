/**
 * The queue of one service and environment (`deployQueue`, id deploy-queue/<service>/<env>):
 * one deployment at a time, the others in the order they joined. Plain state, carried over
 * continue-as-new as its input.
 */

export interface DeployQueueInput {
  service: string;
  environment: string;
  /** The deployment running now (continue-as-new carries it). */
  active?: string;
  /** Waiting, in order (continue-as-new carries it). */
  waiting?: string[];
  /** An empty queue ends after this long without a join (default 10 minutes); the next join starts it again. */
  idleAfterMs?: number;
}

/** The default of DeployQueueInput.idleAfterMs. */
export const DEPLOY_QUEUE_IDLE_MS = 10 * 60_000;

/** A place told to a deployment: 0 is its turn. */
export interface QueuePlace {
  workflowId: string;
  position: number;
  ahead?: string;
}

export class DeployQueue {
  active?: string;
  readonly waiting: string[];

  constructor(input: DeployQueueInput) {
    this.active = input.active;
    this.waiting = [...(input.waiting ?? [])];
  }

  get empty(): boolean {
    return this.active === undefined && this.waiting.length === 0;
  }

  /** Joins at the end; a deployment that is already in (a retried join) keeps its place. Returns whether it was new. */
  enqueue(workflowId: string): boolean {
    if (this.active === workflowId || this.waiting.includes(workflowId)) return false;
    this.waiting.push(workflowId);
    return true;
  }

  /** A deployment ended (or left while waiting). Returns whether it was in the queue. */
  done(workflowId: string): boolean {
    if (this.active === workflowId) {
      this.active = undefined;
      return true;
    }
    const at = this.waiting.indexOf(workflowId);
    if (at >= 0) this.waiting.splice(at, 1);
    return at >= 0;
  }

  /** When none runs, the head of the line becomes active; returns it (undefined: nothing changed). */
  advance(): string | undefined {
    if (this.active !== undefined || this.waiting.length === 0) return undefined;
    this.active = this.waiting.shift();
    return this.active;
  }

  /** Every deployment's place: the active one 0, the waiting ones 1, 2, ... with the one ahead of each. */
  places(): QueuePlace[] {
    const line = [...(this.active !== undefined ? [this.active] : []), ...this.waiting];
    const offset = this.active !== undefined ? 0 : 1;
    return line.map((workflowId, index) => ({
      workflowId,
      position: index + offset,
      ...(index > 0 ? { ahead: line[index - 1] } : {}),
    }));
  }

  snapshot(service: string, environment: string, idleAfterMs?: number): DeployQueueInput {
    return {
      service,
      environment,
      ...(this.active !== undefined ? { active: this.active } : {}),
      waiting: [...this.waiting],
      ...(idleAfterMs !== undefined ? { idleAfterMs } : {}),
    };
  }
}
