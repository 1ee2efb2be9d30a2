import { condition } from '@temporalio/workflow';

/**
 * Update handlers that must run one at a time, in the order they arrived: each takes a ticket
 * when it starts (the order of the Updates in history, so the same on replay) and waits until
 * the one before it has finished, successfully or not.
 */
export class Turns {
  private issued = 0;
  private serving = 0;

  /** Requests waiting behind the one being processed. */
  get waiting(): number {
    return Math.max(0, this.issued - this.serving - 1);
  }

  async take<T>(work: () => Promise<T>): Promise<T> {
    const ticket = this.issued++;
    if (ticket !== this.serving) await condition(() => this.serving === ticket);
    try {
      return await work();
    } finally {
      this.serving += 1;
    }
  }
}
