import { ANY_ROLE, hasAnyRole, type Role } from './roles';
import { InputError } from './validation';

/**
 * Live events (GET /v1/stream, GET /v1/sync/:documentId/events, `arxflow watch`): one stream
 * read from the audit chain, whose events are named by topics. An audit event belongs to an
 * area by the prefix of its action (`funding.released` -> `funding`) and has two topics: the
 * area and `<area>/<subject>` (`funding/P-1/M-2`, `sync/plan-7`). A subject that repeats the
 * area's prefix (`alert/<key>`, `incident/<key>`, `deploy/<service>/...`) is named without it:
 * `alerts/<key>`, not `alerts/alert/<key>`. Actions of no area (`probe.`, `task_trigger.`) are
 * audit-only and never streamed.
 */
export const STREAM_AREAS = ['funding', 'compliance', 'alerts', 'incidents', 'deploy', 'sync', 'pipelines'] as const;
export type StreamArea = (typeof STREAM_AREAS)[number];

/**
 * Who may see an area: the roles that may read its workflows' status through the API, so the
 * stream shows nobody more than a status query would (admin sees everything, hasAnyRole):
 * - funding, compliance, alerts, incidents: viewer, operator, approver (the `status` queries
 *   of fundingGate, complianceReview and alertEscalation in client/api/*registry*);
 * - deploy: every role (deploymentStatus is ANY_ROLE: a CI token with `deployer` follows its
 *   deployment, a `reviewer` the one it approves);
 * - sync: viewer (domain/roles.ts: an editor commits, reading documents needs viewer);
 * - pipelines: every role (the pipeline routes read runs, logs and quality history with ANY_ROLE:
 *   gateway/pipeline-routes.ts and client/api/pipeline-operations.ts), so a CI token with
 *   `deployer` follows the run it waits on; a token with business roles only (`signatory`) is refused.
 *   Events: the pipelineRun workflow's status changes (domain/pipelines/pipeline-status-events.ts),
 *   subject the run id, so `pipelines/<repoKey>/<sha>/<attempt>` follows one run.
 * test/integration/stream.test.ts checks the first three against the registry.
 */
const AREAS: Record<StreamArea, { actionPrefix: string; readers: readonly Role[] }> = {
  funding: { actionPrefix: 'funding', readers: ['viewer', 'operator', 'approver'] },
  compliance: { actionPrefix: 'compliance', readers: ['viewer', 'operator', 'approver'] },
  alerts: { actionPrefix: 'alert', readers: ['viewer', 'operator', 'approver'] },
  incidents: { actionPrefix: 'incident', readers: ['viewer', 'operator', 'approver'] },
  deploy: {
    actionPrefix: 'deploy',
    readers: ['viewer', 'operator', 'approver', 'deployer', 'reviewer', 'editor'],
  },
  sync: { actionPrefix: 'sync', readers: ['viewer'] },
  pipelines: { actionPrefix: 'pipeline', readers: ANY_ROLE },
};

/** At most this many topics in one subscription, each at most this long. */
export const STREAM_LIMITS = { maxTopics: 20, maxTopicChars: 512 } as const;

/** A topic a subscriber asked for: a whole area, or one subject of it. */
export interface StreamTopic {
  /** `sync` or `sync/plan-7` (a subject repeating the area's prefix without it). */
  topic: string;
  area: StreamArea;
  /** Absent for a whole area. */
  subject?: string;
}

/** One event of the stream as it goes over the wire (the SSE `data`), `id` its audit event id. */
export interface StreamEvent {
  id: number;
  /** ISO 8601. */
  at: string;
  /** The event's own topic, `<area>/<subject>`. */
  topic: string;
  action: string;
  /** The audit subject as recorded. */
  subject: string;
  workflowId: string | null;
  actor: string;
  data: Record<string, unknown>;
}

/** The roles that may see `area`. */
export function streamAreaReaders(area: StreamArea): readonly Role[] {
  return AREAS[area].readers;
}

/** The area of an audit action, or undefined when it is audit-only (not streamed). */
export function streamAreaOf(action: string): StreamArea | undefined {
  const prefix = action.slice(0, action.indexOf('.'));
  return STREAM_AREAS.find((area) => AREAS[area].actionPrefix === prefix);
}

/** The `<area>/<subject>` topic of an audit event, or undefined when it is not streamed. */
export function eventTopicOf(event: { action: string; subject: string }): string | undefined {
  const area = streamAreaOf(event.action);
  if (!area) return undefined;
  const subject = withoutRepeatedPrefix(area, event.subject);
  return subject ? `${area}/${subject}` : area;
}

function withoutRepeatedPrefix(area: StreamArea, subject: string): string {
  const repeated = `${AREAS[area].actionPrefix}/`;
  return subject.startsWith(repeated) ? subject.slice(repeated.length) : subject;
}

/**
 * Whether an event with topic `eventTopic` (eventTopicOf) is one a subscriber to `topics`
 * receives: its area or exactly its topic was asked for. Exact, never a prefix: `sync/a`
 * is not `sync/a/b`.
 */
export function topicsMatcher(topics: readonly StreamTopic[]): (eventTopic: string) => boolean {
  const areas = new Set(topics.filter((topic) => topic.subject === undefined).map((topic) => topic.area));
  const exact = new Set(topics.filter((topic) => topic.subject !== undefined).map((topic) => topic.topic));
  return (eventTopic) => {
    const slash = eventTopic.indexOf('/');
    const area = (slash < 0 ? eventTopic : eventTopic.slice(0, slash)) as StreamArea;
    return areas.has(area) || exact.has(eventTopic);
  };
}

/**
 * Parses topics, given comma-separated (`funding,sync/plan-7`: the query string) or as a list
 * (CLI arguments, a route's document id: a comma there is refused, as `topics=` could not carry
 * it): each an area or `<area>/<subject>`; duplicates dropped. Throws an InputError naming
 * `field` and the topic refused (an unknown area lists the known ones).
 */
export function parseStreamTopics(input: string | readonly string[], field = 'topics'): StreamTopic[] {
  const given = typeof input === 'string' ? input.split(',') : input;
  const texts = [...new Set(given.map((text) => text.trim()).filter((text) => text !== ''))];
  const refuse = (message: string): never => {
    throw new InputError(`${field}: ${message}`, [{ path: field, message }]);
  };
  if (texts.length === 0) refuse(`at least one topic: an area (${STREAM_AREAS.join(', ')}) or <area>/<subject>`);
  if (texts.length > STREAM_LIMITS.maxTopics) refuse(`at most ${STREAM_LIMITS.maxTopics} topics, got ${texts.length}`);
  return texts.map((topic) => {
    if (topic.length > STREAM_LIMITS.maxTopicChars) {
      refuse(`topic ${topic.slice(0, 40)}... is longer than ${STREAM_LIMITS.maxTopicChars} characters`);
    }
    if (/[\p{Cc}\s,]/u.test(topic)) refuse(`topic ${JSON.stringify(topic)} holds a comma, space or control character`);
    const slash = topic.indexOf('/');
    const area = slash < 0 ? topic : topic.slice(0, slash);
    if (!(STREAM_AREAS as readonly string[]).includes(area)) {
      refuse(`unknown area ${JSON.stringify(area)} in topic ${topic} (areas: ${STREAM_AREAS.join(', ')})`);
    }
    if (slash < 0) return { topic, area: area as StreamArea };
    // `alerts/alert/<key>` (the audit subject as recorded) is `alerts/<key>`, as eventTopicOf names it.
    const subject = withoutRepeatedPrefix(area as StreamArea, topic.slice(slash + 1));
    if (subject === '') refuse(`topic ${topic} names no subject after ${area}/`);
    return { topic: `${area}/${subject}`, area: area as StreamArea, subject };
  });
}

/**
 * Why a caller holding `roles` may not follow `topics`, naming the first topic refused, or
 * undefined when every area is theirs to see.
 */
export function topicsRefusal(topics: readonly StreamTopic[], roles: readonly string[]): string | undefined {
  for (const { topic, area } of topics) {
    const readers = streamAreaReaders(area);
    if (!hasAnyRole(roles, readers)) {
      return `topic ${topic}: role ${readers.join(' or ')} required to see ${area}; token has ${roles.join(', ') || 'no role'}`;
    }
  }
  return undefined;
}
