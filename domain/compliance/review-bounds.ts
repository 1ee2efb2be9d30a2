/*
 * What one complianceReview keeps in its state and sends through Temporal, whatever the size
 * of the plan or the number of messages: every list that grows with user data is cut here,
 * with a count of what was left out (and, for a plan's data, the whole of it stored by
 * reference: payload-ref.ts). Temporal refuses a payload over 2 MiB and suggests a new run
 * past about 4 MiB or 4,096 events of history; a cached waiting workflow costs its state.
 */

/** Violations of a cycle carried inline; the rest are counted and stored by reference for the reports. */
export const MAX_VIOLATIONS_INLINE = 200;

/**
 * A checked plan's element ids kept in the review (reviewer comments must name one of them);
 * a plan with more is checked against its stored list by an activity when a decision names elements.
 */
export const MAX_ELEMENT_IDS_INLINE = 10_000;

/** Review cycles kept in the state, the status and the reports' view; older ones are counted in `cyclesDropped`. */
export const MAX_CYCLES_KEPT = 20;

/**
 * A run continues as new at this many history events, if Temporal has not suggested it before
 * (its default suggestion is at 4,096 events): the margin is for the messages a flood adds
 * while the run audits its last entries and hands over.
 */
export const EVENTS_PER_RUN = 3_000;
