import { CancellationScope, condition } from '@temporalio/workflow';

/**
 * Publishes a workflow's state after it changed (a store record, commit statuses): at most one
 * call in flight, and changes made while it runs go out together in the next one, so a burst
 * of changes in one workflow task costs one activity, not one each. It runs outside the
 * workflow's cancellation: a cancelled run still publishes how it ended.
 */
export class StatePublisher {
  private changes = 0;
  private published = 0;
  private closing = false;
  private readonly loop: Promise<void>;

  constructor(private readonly publish: () => Promise<void>) {
    this.loop = CancellationScope.nonCancellable(() => this.run());
  }

  /** The state changed: publish it at the next chance. */
  changed(): void {
    this.changes += 1;
  }

  /** Publishes what changed since the last call, then stops. */
  async close(): Promise<void> {
    this.closing = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    for (;;) {
      await condition(() => this.changes !== this.published || this.closing);
      if (this.changes === this.published) return;
      const seen = this.changes;
      await this.publish();
      this.published = seen;
    }
  }
}
