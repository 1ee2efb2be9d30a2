import { condition, upsertSearchAttributes } from '@temporalio/workflow';
import type { DeploymentView } from '../../domain/deploy/deploy-types';
import type { DeploymentState } from '../../domain/deploy/deployment-state';
import { AuditTrail } from '../kit/audit-trail';
import { now } from '../kit/time';
import { DeployEnvironment, DeploymentStatus, DeployService } from '../search-attributes';

type TimelineEntry = DeploymentView['timeline'][number];

/**
 * How a deployment reaches the audit chain and its search attributes: every timeline entry
 * (decisions with their comments and identities, overrides, stages, refusals) is audited once,
 * in one activity call per burst, and DeploymentStatus is upserted whenever the status the
 * query shows changes, so the Web UI's list and `deploy status` agree.
 */
export class DeploymentRecorder {
  private readonly trail: AuditTrail<TimelineEntry>;
  private published: string | undefined;

  constructor(private readonly state: DeploymentState) {
    this.trail = new AuditTrail({
      subject: state.workflowId,
      timeline: () => state.timeline,
      toEvent: (entry) => ({
        actor: entry.actor,
        action: `deploy.${entry.event.replaceAll(' ', '_')}`,
        data: { status: state.status, ...(entry.detail ? { detail: entry.detail } : {}) },
      }),
    });
    const { service, environment } = state.input;
    upsertSearchAttributes([
      { key: DeployService, value: [service] },
      { key: DeployEnvironment, value: [environment] },
    ]);
    this.publish();
  }

  /** Audits the new entries and publishes the status. */
  async settle(): Promise<void> {
    this.publish();
    await this.trail.flush();
    this.publish();
  }

  /**
   * Waits until `done()` or `timeoutMs` passes (none: no limit), auditing what messages change
   * meanwhile (a vote is in the audit chain when it is cast, not when the wait ends). Returns done().
   */
  async waitFor(done: () => boolean, timeoutMs?: number): Promise<boolean> {
    const until = timeoutMs === undefined ? undefined : now() + timeoutMs;
    for (;;) {
      await this.settle();
      if (done()) return true;
      const left = until === undefined ? undefined : until - now();
      if (left !== undefined && left <= 0) return false;
      const seen = this.state.changes;
      const woken = () => done() || this.state.changes !== seen;
      if (left === undefined) await condition(woken);
      else await condition(woken, Math.max(1, left));
    }
  }

  private publish(): void {
    const status = this.state.status;
    if (status === this.published) return;
    this.published = status;
    upsertSearchAttributes([{ key: DeploymentStatus, value: [status] }]);
  }
}
