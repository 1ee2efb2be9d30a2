/**
 * The entries of a bounded timeline (oldest dropped past its cap) not yet written to the
 * audit chain: found after the last entry audited, not by index, which shifts once the
 * timeline is full.
 */
export function auditCursor<T>(): (timeline: readonly T[]) => T[] {
  let last: T | undefined;
  return (timeline) => {
    const fresh = timeline.slice(last === undefined ? 0 : timeline.lastIndexOf(last) + 1);
    if (fresh.length > 0) last = fresh[fresh.length - 1];
    return fresh;
  };
}
