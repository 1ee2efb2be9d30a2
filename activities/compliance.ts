import { Context } from '@temporalio/activity';
import { BlobStore } from '../db/blob-store';
import { ComplianceReports, type StoredReport } from '../db/compliance-reports';
import type { Store } from '../db/store';
import { checkPlan } from '../domain/compliance/engine';
import { permitRecord } from '../domain/compliance/permit-export';
import { readPlan } from '../domain/compliance/plan-schema';
import { withLocations } from '../domain/compliance/violation-location';
import { violationsCsv } from '../domain/compliance/report-csv';
import { renderReportHtml } from '../domain/compliance/report-html';
import { codeInForceOf, reportContentHash, reportModel, type ReportKind } from '../domain/compliance/report-model';
import { resolveCode } from '../domain/compliance/resolve';
import type { PayloadRef } from '../domain/compliance/payload-ref';
import { MAX_ELEMENT_IDS_INLINE, MAX_VIOLATIONS_INLINE } from '../domain/compliance/review-bounds';
import { planFieldProblems } from '../domain/compliance/review-completeness';
import type { CheckSummary, ReviewStatusView } from '../domain/compliance/review-types';
import type { Violation } from '../domain/compliance/violation';
import type { JsonValue } from '../domain/sync/sync-types';
import { fieldIssues, InputError, issuesText } from '../domain/validation';
import { renderReportPdf } from './compliance-pdf';
import { heartbeating } from './heartbeat';

export interface PlanCheckRequest {
  planId: string;
  jurisdiction: string;
  /** YYYY-MM-DD: the code in force that day. */
  asOf: string;
  /** Inline (runs from before references, small plans) or stored by content hash: one of the two. */
  plan?: unknown;
  planRef?: PayloadRef;
}

/**
 * A plan that does not parse is the applicant's to fix, not a failure: it comes back as
 * problems. A plan's element ids come inline up to MAX_ELEMENT_IDS_INLINE, else as a stored
 * list (`elementIdsRef`) with their count: 200,000 ids are about 2 MB, Temporal's limit.
 */
export type PlanCheckOutcome =
  | { ok: true; summary: CheckSummary; elementIds: string[]; elementCount?: number; elementIdsRef?: PayloadRef }
  | { ok: false; problems: string[] };

export interface ElementsRequest {
  elementIdsRef: PayloadRef;
  elements: string[];
}

export interface ReportRequest {
  kind: ReportKind;
  view: ReviewStatusView;
  /** Workflow time, so a retry renders the same document. */
  generatedAt: string;
}

export interface ExportRequest {
  view: ReviewStatusView;
  at: string;
  permitNumber?: string;
}

/**
 * The compliance review's side of the engine and its paperwork: parsing and checking a
 * submitted plan (the plan schema and the rule packs load here, never in the workflow), rendering
 * reports, and the jurisdiction export. Reports go to the store, once per key.
 */
export function createComplianceActivities({ store }: { store: Store }) {
  const reports = new ComplianceReports(store.db);
  const blobs = new BlobStore(store.db);
  const workflowId = () => Context.current().info.workflowExecution?.workflowId ?? 'unknown';
  /** Reports are per run: a new application under the same plan id must not find the last one's keys taken. */
  const runPrefix = () => {
    const execution = Context.current().info.workflowExecution;
    return `${execution?.workflowId ?? 'unknown'}/${execution?.runId ?? 'unknown'}`;
  };

  const work = {
    async checkSubmittedPlan(request: PlanCheckRequest): Promise<PlanCheckOutcome> {
      let submitted = request.plan;
      if (request.planRef) {
        // A stored plan was not read by the workflow's completeness check: its fields are checked here.
        submitted = await blobs.find(request.planRef);
        if (submitted === undefined)
          return { ok: false, problems: [`planRef: no stored plan ${request.planRef.sha256}: store the plan again`] };
        const problems = planFieldProblems(submitted, request);
        if (problems.length > 0) return { ok: false, problems };
      }
      const reading = readPlan(submitted);
      if (!reading.ok) {
        const issues = fieldIssues(reading.issues, { prefix: 'plan.' });
        return { ok: false, problems: issues.map((issue) => issuesText([issue])) };
      }
      const { plan } = reading;
      let result;
      try {
        result = checkPlan(plan, { jurisdiction: request.jurisdiction, asOf: request.asOf });
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        return { ok: false, problems: [err.message] };
      }
      const elementIds = [
        plan.levels,
        plan.spaces,
        plan.doors,
        plan.corridors,
        plan.stairs,
        plan.accessibleRoutes,
      ].flatMap((list) => (list ?? []).map((element) => element.id));
      const violations = withLocations(plan, result.violations);
      const cut = violations.length > MAX_VIOLATIONS_INLINE;
      const summary: CheckSummary = {
        compliant: result.compliant,
        planName: plan.name,
        edition: result.edition,
        asOf: result.asOf,
        occupantLoad: result.occupantLoad.total,
        violations: cut ? violations.slice(0, MAX_VIOLATIONS_INLINE) : violations,
        ...(cut
          ? { violationsTotal: violations.length, violationsRef: await blobs.put(violations as unknown as JsonValue) }
          : {}),
      };
      if (elementIds.length <= MAX_ELEMENT_IDS_INLINE) return { ok: true, elementIds, summary };
      return {
        ok: true,
        elementIds: [],
        elementCount: elementIds.length,
        elementIdsRef: await blobs.put(elementIds),
        summary,
      };
    },

    /** The elements of `elements` that are not in a checked plan's stored element list. */
    async unknownPlanElements(request: ElementsRequest): Promise<string[]> {
      const known = new Set((await blobs.get(request.elementIdsRef)) as string[]);
      return request.elements.filter((element) => !known.has(element));
    },

    /**
     * The report of the review's current cycle in HTML, PDF, JSON and CSV; returns the stored
     * keys. The JSON is the report model with its content hash (`contentSha256`), which the
     * PDF and HTML print on every page: a signed paper copy can be matched to the stored record.
     */
    async storeComplianceReports(request: ReportRequest): Promise<string[]> {
      const view = await withAllViolations(blobs, request.view);
      const checked = view.cycles.at(-1)?.check;
      // The rules and overlays of the day the cycle was checked against (packs load here, not in the workflow).
      const code = checked && codeInForceOf(resolveCode(request.view.jurisdiction, checked.asOf));
      const model = reportModel(request.kind, view, request.generatedAt, code);
      const contentSha256 = reportContentHash(model);
      const bodies: [StoredReport['format'], Buffer][] = [
        ['html', Buffer.from(renderReportHtml(model, contentSha256))],
        ['pdf', await renderReportPdf(model, contentSha256)],
        ['json', Buffer.from(`${JSON.stringify({ ...model, contentSha256 }, null, 2)}\n`)],
        ['csv', Buffer.from(violationsCsv(model.violations))],
      ];
      const id = workflowId();
      const keys: string[] = [];
      for (const [format, body] of bodies) {
        const key = `${runPrefix()}/cycle-${model.cycle.number}/${request.kind}.${format}`;
        await reports.put({
          key,
          workflowId: id,
          planId: model.planId,
          cycle: model.cycle.number,
          kind: request.kind,
          format,
          body,
        });
        keys.push(key);
      }
      return keys;
    },

    /** The permit record (docs/jurisdiction-export.md) for the jurisdiction's permit system; returns its key. */
    async exportPermitRecord(request: ExportRequest): Promise<string> {
      const record = permitRecord(request.view, request.at, request.permitNumber);
      const id = workflowId();
      const cycle = request.view.cycles.length;
      const key = `${runPrefix()}/cycle-${cycle}/jurisdiction-export.json`;
      await reports.put({
        key,
        workflowId: id,
        planId: record.planId,
        cycle,
        kind: 'jurisdiction-export',
        format: 'json',
        body: Buffer.from(`${JSON.stringify(record, null, 2)}\n`),
      });
      return key;
    },
  };
  // Each beats while it works (activities/heartbeat.ts): a task lost with its worker or a
  // restarted server is run again after the workflow's heartbeat timeout, not its start-to-close.
  return {
    checkSubmittedPlan: (request: PlanCheckRequest) => heartbeating(() => work.checkSubmittedPlan(request)),
    unknownPlanElements: (request: ElementsRequest) => heartbeating(() => work.unknownPlanElements(request)),
    storeComplianceReports: (request: ReportRequest) => heartbeating(() => work.storeComplianceReports(request)),
    exportPermitRecord: (request: ExportRequest) => heartbeating(() => work.exportPermitRecord(request)),
  };
}

export type ComplianceActivities = ReturnType<typeof createComplianceActivities>;

/** The view with the current cycle's whole violation list when the review carries only its first ones. */
async function withAllViolations(blobs: BlobStore, view: ReviewStatusView): Promise<ReviewStatusView> {
  const current = view.cycles.at(-1);
  if (!current?.check?.violationsRef) return view;
  const violations = (await blobs.get(current.check.violationsRef)) as unknown as Violation[];
  return { ...view, cycles: [...view.cycles.slice(0, -1), { ...current, check: { ...current.check, violations } }] };
}
