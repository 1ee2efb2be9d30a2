import { ApiError } from './api/errors';
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError as TemporalScheduleNotFoundError,
  type CalendarSpecDescription,
  type Client,
  type Range,
  type ScheduleDescription,
  type ScheduleHandle,
  type ScheduleOverlapPolicy,
  type ScheduleSpecDescription,
  type ScheduleUpdateOptions,
} from '@temporalio/client';
import { msToNumber } from '@temporalio/common/lib/time';
import { canonicalJson } from '../domain/canonical-json';
import type { OverlapPolicy, ScheduleConfig } from '../domain/schedule-config';

/** No schedule with this id exists in the namespace. */
export class ScheduleNotFoundError extends Error {
  constructor(readonly scheduleId: string) {
    super(`schedule ${scheduleId} not found`);
    this.name = 'ScheduleNotFoundError';
  }
}

/** Temporal refused to create or update a configured schedule (for example a cron field out of range). */
export class ScheduleSyncError extends Error {
  constructor(
    readonly scheduleId: string,
    cause: unknown,
  ) {
    super(`schedule ${scheduleId}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'ScheduleSyncError';
  }
}

export interface SyncReport {
  created: string[];
  updated: string[];
  unchanged: string[];
  /** In Temporal but not in the config: reported, never deleted (an operator may have made them on purpose). */
  unmanaged: string[];
}

export interface ScheduleListing {
  id: string;
  workflowType?: string;
  /** Such as "cron 0 2 * * * (UTC)" or "every 1h (UTC)". */
  spec: string;
  paused: boolean;
  note?: string;
  nextRunTimes: Date[];
  recentActions: { scheduledAt: Date; takenAt: Date; workflowId: string; runId: string }[];
}

/** Temporal appends the scheduled time to this id, so every run is findable by its schedule. */
export function scheduleWorkflowId(scheduleId: string): string {
  return `schedule/${scheduleId}`;
}

/**
 * Makes Temporal's schedules match the config: creates the missing ones, updates those whose
 * spec, action or overlap policy differ, leaves the rest untouched (so a second sync reports
 * everything unchanged). Paused state and note are set on creation only; afterwards they
 * belong to operators, so a restart never unpauses a schedule paused during an incident.
 */
export async function syncSchedules(
  client: Client,
  schedules: ScheduleConfig[],
  taskQueue: string,
): Promise<SyncReport> {
  const report: SyncReport = { created: [], updated: [], unchanged: [], unmanaged: [] };
  for (const config of schedules) {
    const outcome = await syncSchedule(client, config, taskQueue).catch((err: unknown) => {
      throw new ScheduleSyncError(config.id, err);
    });
    report[outcome].push(config.id);
  }
  const configured = new Set(schedules.map((schedule) => schedule.id));
  // Listing is eventually consistent: a schedule made a moment ago elsewhere may show up only next time.
  for await (const summary of client.schedule.list()) {
    if (!configured.has(summary.scheduleId)) report.unmanaged.push(summary.scheduleId);
  }
  return report;
}

async function syncSchedule(
  client: Client,
  config: ScheduleConfig,
  taskQueue: string,
): Promise<'created' | 'updated' | 'unchanged'> {
  const handle = client.schedule.getHandle(config.id);
  let existing = await describeIfExists(handle);
  if (!existing) {
    try {
      await client.schedule.create({
        scheduleId: config.id,
        ...scheduleDefinition(config, taskQueue),
        state: { paused: config.paused, note: config.note },
      });
      return 'created';
    } catch (err) {
      // Another arxflow instance created it between our describe and create: compare with theirs.
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      existing = await handle.describe();
    }
  }
  if (canonicalJson(configuredShape(config, taskQueue)) === canonicalJson(describedShape(existing))) return 'unchanged';
  await handle.update((previous) => ({
    ...scheduleDefinition(config, taskQueue),
    state: {
      paused: previous.state.paused,
      note: previous.state.note,
      remainingActions: previous.state.remainingActions,
    },
  }));
  return 'updated';
}

async function describeIfExists(handle: ScheduleHandle): Promise<ScheduleDescription | undefined> {
  try {
    return await handle.describe();
  } catch (err) {
    if (err instanceof TemporalScheduleNotFoundError) return undefined;
    throw err;
  }
}

const OVERLAP: Record<OverlapPolicy, ScheduleOverlapPolicy> = {
  skip: 'SKIP',
  buffer_one: 'BUFFER_ONE',
  allow_all: 'ALLOW_ALL',
  cancel_other: 'CANCEL_OTHER',
  terminate_other: 'TERMINATE_OTHER',
};

/** What arxflow sets on a schedule from its config; everything else keeps Temporal's defaults. */
function scheduleDefinition(config: ScheduleConfig, taskQueue: string): Omit<ScheduleUpdateOptions, 'state'> {
  return {
    spec: {
      // Temporal compiles cron strings into calendars and keeps only the "#" comment verbatim,
      // so the expression itself goes into the comment: that is what the next sync compares,
      // and what the Web UI shows.
      cronExpressions: config.cron?.map((expression) => `${expression} #${expression}`),
      intervals: config.every ? [{ every: config.every }] : undefined,
      timezone: config.timezone,
    },
    action: {
      type: 'startWorkflow',
      workflowType: config.workflowType,
      workflowId: scheduleWorkflowId(config.id),
      taskQueue,
      args: config.args,
    },
    policies: { overlap: OVERLAP[config.overlap] },
  };
}

/** The parts of a schedule that sync owns, in one normalised form for config and server alike. */
interface ScheduleShape {
  workflowType: string;
  workflowId: string | undefined;
  taskQueue: string | undefined;
  args: unknown[];
  cron: string[];
  everyMs: number[];
  timezone: string;
  overlap: ScheduleOverlapPolicy;
  /** Set outside arxflow (skip times, jitter, start/end, interval offsets): the config has none of them. */
  hasUnconfiguredSpec: boolean;
}

function configuredShape(config: ScheduleConfig, taskQueue: string): ScheduleShape {
  return {
    workflowType: config.workflowType,
    workflowId: scheduleWorkflowId(config.id),
    taskQueue,
    args: config.args,
    cron: config.cron ?? [],
    everyMs: config.every ? [msToNumber(config.every)] : [],
    timezone: config.timezone || 'UTC',
    overlap: OVERLAP[config.overlap],
    hasUnconfiguredSpec: false,
  };
}

function describedShape(description: ScheduleDescription): ScheduleShape {
  const { spec, action, policies } = description;
  return {
    workflowType: action.workflowType,
    workflowId: action.workflowId,
    taskQueue: action.taskQueue,
    args: [...(action.args ?? [])],
    cron: (spec.calendars ?? []).map((calendar) => calendar.comment ?? ''),
    everyMs: (spec.intervals ?? []).map((interval) => interval.every),
    timezone: spec.timezone || 'UTC',
    overlap: policies.overlap,
    hasUnconfiguredSpec:
      (spec.skip ?? []).length > 0 ||
      !!spec.jitter ||
      !!spec.startAt ||
      !!spec.endAt ||
      (spec.intervals ?? []).some((interval) => !!interval.offset),
  };
}

/** Every schedule in the namespace, arxflow's and others'. Eventually consistent, like all Temporal listings. */
export async function listSchedules(client: Client): Promise<ScheduleListing[]> {
  const listings: ScheduleListing[] = [];
  for await (const summary of client.schedule.list()) {
    listings.push({
      id: summary.scheduleId,
      workflowType: summary.action?.workflowType,
      spec: summary.spec ? describeSpec(summary.spec) : 'unknown',
      paused: summary.state.paused,
      note: summary.state.note || undefined,
      nextRunTimes: summary.info.nextActionTimes,
      recentActions: summary.info.recentActions.map((result) => ({
        scheduledAt: result.scheduledAt,
        takenAt: result.takenAt,
        workflowId: result.action.workflow.workflowId,
        runId: result.action.workflow.firstExecutionRunId,
      })),
    });
  }
  return listings.sort((a, b) => a.id.localeCompare(b.id));
}

/** Starts the schedule's workflow now, even while an earlier run is still going. */
export function triggerSchedule(client: Client, scheduleId: string): Promise<void> {
  return onSchedule(client, scheduleId, (handle) => handle.trigger());
}

export function pauseSchedule(client: Client, scheduleId: string, note: string): Promise<void> {
  return onSchedule(client, scheduleId, (handle) => handle.pause(note));
}

export function unpauseSchedule(client: Client, scheduleId: string, note: string): Promise<void> {
  return onSchedule(client, scheduleId, (handle) => handle.unpause(note));
}

async function onSchedule<T>(
  client: Client,
  scheduleId: string,
  act: (handle: ScheduleHandle) => Promise<T>,
): Promise<T> {
  try {
    return await act(client.schedule.getHandle(scheduleId));
  } catch (err) {
    if (err instanceof TemporalScheduleNotFoundError) throw new ScheduleNotFoundError(scheduleId);
    throw err;
  }
}

/** A one-line summary for operators: the cron expressions arxflow stored as comments, else the calendar fields. */
export function describeSpec(spec: ScheduleSpecDescription): string {
  const parts = [
    ...(spec.calendars ?? []).map((calendar) => `cron ${calendar.comment || calendarAsCron(calendar)}`),
    ...(spec.intervals ?? []).map((interval) => `every ${formatMs(interval.every)}`),
  ];
  return `${parts.join(', ') || 'no times'} (${spec.timezone || 'UTC'})`;
}

function calendarAsCron(calendar: CalendarSpecDescription): string {
  const fields = [
    formatRanges(calendar.minute, '0-59'),
    formatRanges(calendar.hour, '0-23'),
    formatRanges(calendar.dayOfMonth, '1-31'),
    formatRanges(calendar.month, 'JAN-DEC'),
    formatRanges(calendar.dayOfWeek, 'SUN-SAT'),
  ];
  const second = formatRanges(calendar.second, '0-59');
  const year = formatRanges(calendar.year, '');
  return second === '0' && year === '*' ? fields.join(' ') : [second, ...fields, year].join(' ');
}

function formatRanges(ranges: Range<number | string>[], everyValue: string): string {
  if (ranges.length === 0) return '*';
  return ranges
    .map(({ start, end, step }) => {
      const span = start === end ? short(start) : `${short(start)}-${short(end)}`;
      if (span === everyValue) return step > 1 ? `*/${step}` : '*';
      return step > 1 ? `${span}/${step}` : span;
    })
    .join(',');
}

// Temporal's SDK decodes months and weekdays to full names; cron uses three letters.
function short(value: number | string): string {
  return typeof value === 'string' ? value.slice(0, 3) : String(value);
}

function formatMs(ms: number): string {
  const units: [string, number][] = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ];
  let rest = ms;
  const parts: string[] = [];
  for (const [unit, size] of units) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  if (rest > 0 || parts.length === 0) parts.push(`${rest}ms`);
  return parts.join('');
}

/** trigger | pause | unpause one schedule; an unknown id is a 404 ApiError (CLI exit 1). */
export async function scheduleAction(
  client: Client,
  verb: 'trigger' | 'pause' | 'unpause',
  scheduleId: string,
  note: string,
) {
  try {
    if (verb === 'trigger') await triggerSchedule(client, scheduleId);
    if (verb === 'pause') await pauseSchedule(client, scheduleId, note);
    if (verb === 'unpause') await unpauseSchedule(client, scheduleId, note);
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw new ApiError(err.message, 404, 'not_found');
    throw err;
  }
}
