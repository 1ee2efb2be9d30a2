import { canonicalJson } from '../canonical-json';
import { sha256Hex } from './sha256';

/**
 * Dedup keys: one key per alert, stable across re-deliveries, safe as the tail of the
 * workflow id `alert/<key>` (and in URLs and CLI arguments). Each source gets its own
 * prefix so keys from different sources never collide.
 */

export const MAX_DEDUP_KEY_LENGTH = 255;
/** RFC 3986 unreserved characters: no escaping needed in a URL path, a shell or a workflow id. */
const SAFE_KEY = /^[A-Za-z0-9._~-]+$/;

export function isSafeDedupKey(key: string): boolean {
  return key.length > 0 && key.length <= MAX_DEDUP_KEY_LENGTH && SAFE_KEY.test(key);
}

export function alertWorkflowId(dedupKey: string): string {
  return `alert/${dedupKey}`;
}

/**
 * Alertmanager: one workflow per alert of a group. The groupKey names the route and group
 * labels, the fingerprint the alert's label set; neither is safe in an id, so both are hashed.
 */
export function alertmanagerDedupKey(groupKey: string, fingerprint: string): string {
  return `am-${sha256Hex(`${groupKey}\n${fingerprint}`)}`;
}

/** Alertmanager's fingerprint is a hash of the label set; for a payload without one we derive ours from the labels. */
export function labelsFingerprint(labels: Readonly<Record<string, string>>): string {
  return sha256Hex(canonicalJson(labels)).slice(0, 16);
}

/**
 * PagerDuty: dedup_key is unique per integration (routing key), so the key carries a short
 * digest of the routing key (never the key itself: it is a credential) and the client's key
 * verbatim when it is safe and short enough, otherwise its digest.
 */
export function pagerdutyDedupKey(routingKey: string, clientKey: string): string {
  return `pd-${sha256Hex(routingKey).slice(0, 8)}-${pagerdutyKeyTail(clientKey)}`;
}

/** `pd-` + 8 hex + `-`: the same length for every routing key, so the tail depends on the client's key alone. */
const PAGERDUTY_PREFIX_LENGTH = 12;
/** An alert id of a PagerDuty event: its routing key's digest, then the tail. */
export const PAGERDUTY_ID = /^pd-[0-9a-f]{8}-(.+)$/;

/** The client's key verbatim when safe and short enough, otherwise its digest (the alert id's tail). */
export function pagerdutyKeyTail(clientKey: string): string {
  return SAFE_KEY.test(clientKey) && PAGERDUTY_PREFIX_LENGTH + clientKey.length <= MAX_DEDUP_KEY_LENGTH
    ? clientKey
    : sha256Hex(clientKey);
}

/**
 * A PagerDuty trigger without dedup_key: PagerDuty would invent a random one; we derive it
 * from the content so that a client retrying the same POST (timeout, 5xx) does not open a
 * second alert. Two triggers differing in anything (timestamp included) get different keys.
 */
export function generatedPagerdutyKey(content: {
  routingKey: string;
  payload: unknown;
  links: unknown;
  images: unknown;
}): string {
  return sha256Hex(canonicalJson(content)).slice(0, 32);
}

/** A metric rule breached by one series (metric name plus tags). */
export function metricDedupKey(ruleName: string, seriesKey: string): string {
  return `metric-${ruleName}-${sha256Hex(seriesKey).slice(0, 16)}`;
}
