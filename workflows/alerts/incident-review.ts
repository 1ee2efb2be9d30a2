import { allHandlersFinished, condition, patched, proxyActivities, setHandler } from '@temporalio/workflow';
import { Incident, type IncidentSnapshot } from '../../domain/alerts/incident';
import type { ActorRequest } from '../../domain/alerts/requests';
import type { TimelineEntry } from '../../domain/alerts/types';
import type { NotificationActivities } from '../../activities/notifications/deliver';
import { AuditTrail } from '../kit/audit-trail';
import { wireOperatorMessage } from '../kit/operator-messages';
import { now } from '../kit/time';
import { incidentQuery, reviewDoneSignal, reviewDoneUpdate } from './messages';

// The send heartbeats: one cut off by a dead worker is retried elsewhere within seconds.
const { deliverNotification } = proxyActivities<NotificationActivities>({
  startToCloseTimeout: '30 seconds',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/**
 * The post-incident review of a resolved incident, id `incident-review/<key>/<resolved ms>`:
 * due `dueDays` after the resolve; its responders are reminded before the due date, at it,
 * and a few times while overdue, until someone records the review as done. Its timeline
 * entries (reminders, the completion, refused completions) go to the incident's audit subject.
 */
export async function incidentReview(snapshot: IncidentSnapshot): Promise<IncidentSnapshot> {
  // Runs begun before the workflow kit audited the completion only, in one call at the end.
  const kit = patched('incident-review-workflow-kit');
  const review = new Incident(snapshot);
  const subject = `incident/${snapshot.key}`;
  const trail = new AuditTrail<TimelineEntry>({
    subject,
    timeline: () => (kit ? review.state.timeline : []),
    toEvent: (entry) => ({
      actor: entry.by,
      action: `incident.${entry.event.replaceAll(' ', '_')}`,
      data: { detail: entry.detail },
    }),
  });
  trail.skipTimeline(); // the incident's own entries: the incident audited them

  setHandler(incidentQuery, () => review.snapshot());
  const completeReview = {
    update: reviewDoneUpdate,
    signal: reviewDoneSignal,
    refusal: (request: unknown) => review.refusalOfReviewDone(request),
    apply: (request: ActorRequest) => review.completeReview(request, now()),
  };
  if (kit) {
    wireOperatorMessage(
      {
        view: () => review.snapshot(),
        recordRefused: (kind, request, reason) => review.recordRefused(kind, request, reason, now()),
      },
      'complete review',
      completeReview,
    );
  } else {
    // Runs begun before the kit keep the rule they began with (refusalBeforeKit): their
    // Signals are handled again on replay, and one accepted then must be accepted again. A
    // refused Signal was dropped then, and still is.
    const refusal = (request: unknown) => review.refusalBeforeKit('complete review', request);
    setHandler(reviewDoneUpdate, (request) => (completeReview.apply(request), review.snapshot()), {
      validator: (request) => {
        const reason = refusal(request);
        if (reason) throw new Error(reason);
      },
    });
    setHandler(reviewDoneSignal, (request) => {
      if (!refusal(request)) completeReview.apply(request);
    });
  }

  for (let next = review.nextReviewReminderAt; next !== undefined; next = review.nextReviewReminderAt) {
    const done = await condition(() => review.state.review.completedAt !== undefined, Math.max(1, next - now()));
    if (done) break;
    review.markReminderSent(now());
    if (kit) await trail.flush();
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
  if (kit) {
    await condition(allHandlersFinished);
    await trail.flush();
  } else await trail.record(review.state.review.completedBy ?? 'unknown', 'incident.review_completed');
  return review.snapshot();
}
