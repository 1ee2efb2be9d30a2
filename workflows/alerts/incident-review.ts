import { condition, proxyActivities, setHandler } from '@temporalio/workflow';
import { Incident, type IncidentSnapshot } from '../../domain/alerts/incident';
import type { AuditActivities } from '../../activities/audit';
import type { NotificationActivities } from '../../activities/notifications/deliver';
import { incidentQuery, reviewDoneSignal, reviewDoneUpdate } from './messages';

const { recordWorkflowEvents, deliverNotification } = proxyActivities<AuditActivities & NotificationActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

const now = () => Date.now();

/**
 * The post-incident review of a resolved incident, id `incident-review/<key>/<resolved ms>`:
 * due `dueDays` after the resolve; its responders are reminded before the due date, at it,
 * and a few times while overdue, until someone records the review as done.
 */
export async function incidentReview(snapshot: IncidentSnapshot): Promise<IncidentSnapshot> {
  const review = new Incident(snapshot);
  const subject = `incident/${snapshot.key}`;
  setHandler(incidentQuery, () => review.snapshot());
  setHandler(reviewDoneUpdate, (request) => review.completeReview(request, now()), {
    validator: (request) => {
      const reason = review.refusalOfReviewDone(request);
      if (reason) throw new Error(reason);
    },
  });
  setHandler(reviewDoneSignal, (request) => {
    if (!review.refusalOfReviewDone(request)) review.completeReview(request, now());
  });

  for (let next = review.nextReviewReminderAt; next !== undefined; next = review.nextReviewReminderAt) {
    const done = await condition(() => review.state.review.completedAt !== undefined, Math.max(1, next - now()));
    if (done) break;
    review.markReminderSent(now());
    const recipients = [...new Set([snapshot.resolvedBy ?? '', ...snapshot.responders.map((r) => r.who)])].filter(
      (who) => who.includes('@'),
    );
    for (const to of recipients.length ? recipients : ['oncall@localhost']) {
      await deliverNotification({
        key: `${subject}/review-reminder-${review.state.review.remindersSent}/${to}`,
        target: { kind: 'email', to },
        message: {
          title: `Post-incident review due: ${snapshot.title}`,
          text: `The review of ${subject} is due ${new Date(review.reviewDueAt!).toISOString()}.`,
        },
      });
    }
  }
  await condition(() => review.state.review.completedAt !== undefined);
  await recordWorkflowEvents([
    { sequence: 1, actor: review.state.review.completedBy ?? 'unknown', action: 'incident.review_completed', subject },
  ]);
  return review.snapshot();
}
