/*
 * What a fundingGate run hands the next one when it continues as new (a flood of signals
 * would otherwise grow one run's history without bound): the gate's whole state, where the
 * run was waiting, and the figures that must not restart. Written by the workflow, never by
 * a client (the gateway's start body is a draw request, which has no such field).
 */
import { z } from 'zod';
import { lazySchema } from '../lazy-schema';
import { isRecord } from '../plain-data';
import type { LedgerSnapshot } from './approvals';
import type { BookSnapshot } from './condition-book';
import type { GateClockSnapshot } from './gate-clock';
import type { GateStatus, ReverseRequest, TimelineEntry } from './gate';
import type { Maker } from './gate-input';
import type { RefusedMessage } from './refused-messages';
import type { ReleaseComputation } from './retainage';

/** FundingGate's state as plain data (FundingGate.snapshot): times are absolute, so no clock restarts. */
export interface GateSnapshot {
  book: BookSnapshot;
  approvals: LedgerSnapshot;
  clock: GateClockSnapshot;
  timeline: TimelineEntry[];
  status: GateStatus;
  onHold?: { by: string; reason: string; since: string };
  release?: ReleaseComputation;
  payment?: { transactionId: number; providerRef: string | null };
  unconditionalWaiverOverdue: boolean;
  unconditionalWaiverReceived: boolean;
  changedDuringDraw: Maker[];
  reversal?: ReverseRequest;
  refused: RefusedMessage[];
  refusalsDropped: number;
  timelineDropped: number;
  version: number;
}

/**
 * Where the run waited: `collecting` (evidence and approvals, before any payment) or
 * `disbursed` (paid; the unconditional waiver or a reversal awaited). A run never hands over
 * while it pays, so the payment is made by one run only, and a `disbursed` run never pays.
 */
export const CARRIED_PHASES = ['collecting', 'disbursed'] as const;
export type CarriedPhase = (typeof CARRIED_PHASES)[number];

export interface GateCarried {
  phase: CarriedPhase;
  /** The release number of the next (or the made) payment: its idempotency key with the workflow id. */
  releaseNumber: number;
  /** When the unconditional waiver is due (epoch ms; phase `disbursed`): the wait keeps its wall time. */
  waiverDueAt?: number;
  /** The last timeline entries the run before had not audited yet: this run writes them. */
  unaudited: number;
  gate: GateSnapshot;
}

/** The workflow's own output, so only where it resumes and the figures it counts with are checked. */
export const gateCarriedSchema = lazySchema(() =>
  z
    .object({
      phase: z.enum(CARRIED_PHASES),
      releaseNumber: z.int().min(1),
      waiverDueAt: z.number().finite().optional(),
      unaudited: z.int().min(0),
      gate: z.custom<GateSnapshot>(
        (value) => isRecord(value) && Number.isInteger(value.version) && isRecord(value.book),
        'must be a gate snapshot (FundingGate.snapshot)',
      ),
    })
    .strict(),
);

/** How often a run hands over (RunBound's options); tests and recorded histories use fewer messages per run. */
export const runBoundOptionsSchema = lazySchema(() =>
  z.strictObject({ eventsPerRun: z.int().min(100).optional(), messagesPerRun: z.int().min(1).optional() }),
);
