import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { ComplianceReports } from '../../db/compliance-reports';
import { canonicalJson } from '../../domain/canonical-json';
import { plainDay } from '../../domain/compliance/report-dates';
import type { ReportModel } from '../../domain/compliance/report-model';
import { complianceReviewId } from '../../domain/compliance/review';
import type { ComplianceReviewInput, ReviewStatusView } from '../../domain/compliance/review-types';
import {
  complianceDecideUpdate,
  complianceResubmitUpdate,
  complianceReview,
  complianceStatusQuery,
} from '../../workflows';
import { REVIEW_DOCUMENTS, reviewInput, reviewPlan } from '../fixtures/compliance-review';
import { createTestWorker, uniqueTaskQueue, useTimeSkippingWorld } from '../support/temporal-env';

/**
 * The compliance PDF as an official gets it: real reviews on the time-skipping server write
 * their reports to the store (PGlite), and Debian's poppler-utils reads them back. pdftotext
 * must find every field of the letter (permit, applicant, site, code, overlays, signer, each
 * violation, "Page N of M" and the content hash on every page); pdftoppm must render every
 * page. CI (.ci/run) installs poppler-utils: there a missing one fails, elsewhere it skips.
 */
const POPPLER = ['pdftotext', 'pdftoppm'].every((tool) => spawnSync(tool, ['-v']).error === undefined);
const describeWithPoppler = POPPLER ? describe : describe.skip;
if (!POPPLER) {
  if (process.env.CI) {
    it('has poppler-utils (CI: the compliance PDF test may not skip)', () => {
      throw new Error(
        "no pdftotext/pdftoppm: install Debian's poppler-utils (apt-get install poppler-utils; .ci/run does) or unset CI to skip",
      );
    });
  } else {
    console.warn('compliance PDF test SKIPPED: no pdftotext/pdftoppm (Debian package poppler-utils)');
  }
}

type Review = WorkflowHandle<typeof complianceReview>;

const ZONE = 'America/Chicago';
const OFFICIALS = {
  'rev-ray': { name: 'Ray Ortiz', title: 'Senior Plan Reviewer' },
  'rev-rosa': { name: 'Rosa Diaz', title: 'Plan Reviewer II', timeZone: 'America/Denver' },
};
const DOCUMENTS = [
  ...REVIEW_DOCUMENTS,
  { kind: 'life-safety-plan', name: 'LS-101 life safety plan.pdf', ref: 'docs://LS-101' },
];
/** Narrow doors added to the example plan: 2 pages of findings at least. */
const NARROW_DOORS = 24;

/**
 * The example plan in Example City (travel distance within the city's 200 ft). Narrow: door D3
 * at 30 in, corridor C2's 40 ft dead end (the city allows 25) and NARROW_DOORS more doors of
 * 28 in, each a violation; otherwise all fixed.
 */
function cityPlan(planId: string, narrow: boolean): Record<string, unknown> {
  const plan = reviewPlan(planId, { fixDoor: !narrow });
  plan.jurisdiction = 'EXAMPLE-CITY';
  (plan.spaces as { id: string; travelDistanceFt: number }[]).find((s) => s.id === 'S201')!.travelDistanceFt = 180;
  if (!narrow) (plan.corridors as { id: string; deadEndFt: number }[]).find((c) => c.id === 'C2')!.deadEndFt = 20;
  if (narrow) {
    const doors = plan.doors as { id: string; level: string; clearWidthIn: number; isExit: boolean }[];
    for (let i = 0; i < NARROW_DOORS; i++)
      doors.push({ id: `D${100 + i}`, level: i % 2 ? 'L2' : 'L1', clearWidthIn: 28, isExit: false });
  }
  return plan;
}

function cityInput(planId: string): ComplianceReviewInput {
  return reviewInput(planId, {
    jurisdiction: 'EXAMPLE-CITY',
    applicant: { id: 'arch-amy', email: 'amy@architects.example', name: 'Amy Archer, Archer Architects LLC' },
    submission: { planVersion: 1, plan: cityPlan(planId, true), documents: DOCUMENTS },
    permitNumber: 'BLD-2026-00417',
    siteAddress: '100 Main St, Example City, EX 12345',
    timeZone: ZONE,
    officials: OFFICIALS,
  });
}

async function waitForStatus(handle: Review, ready: (view: ReviewStatusView) => boolean): Promise<ReviewStatusView> {
  let view: ReviewStatusView | undefined;
  for (let i = 0; i < 400; i++) {
    view = await handle.query(complianceStatusQuery);
    if (ready(view)) return view;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const last = view?.cycles.at(-1);
  throw new Error(
    `status never became ready: ${view?.status}, ${JSON.stringify(last?.missing ?? last?.check?.violations.map((v) => v.message))}`,
  );
}

interface ReadPdf {
  model: ReportModel;
  hash: string;
  /** pdftotext -layout, one entry per page. */
  pages: string[];
  /** The whole text with runs of white space as one space. */
  flat: string;
  pngs: Buffer[];
}

describeWithPoppler('compliance PDF: the letter an official signs, read back with poppler-utils', () => {
  const world = useTimeSkippingWorld();
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'arxflow-pdf-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The stored PDF and JSON of one report key (without extension): text per page, PNG per page, the model. */
  async function readReport(keyWithoutFormat: string): Promise<ReadPdf> {
    const reports = new ComplianceReports(world.store.db);
    const pdf = (await reports.get(`${keyWithoutFormat}.pdf`))!.body;
    const json = JSON.parse((await reports.get(`${keyWithoutFormat}.json`))!.body.toString()) as ReportModel & {
      contentSha256: string;
    };
    const { contentSha256: hash, ...model } = json;
    const name = keyWithoutFormat.replaceAll(/[^A-Za-z0-9-]/g, '_');
    const file = path.join(dir, `${name}.pdf`);
    writeFileSync(file, pdf);
    const text = run('pdftotext', ['-layout', file, '-']);
    const pages = text.split('\f').filter((page) => page.trim() !== '');
    run('pdftoppm', ['-png', '-r', '40', file, path.join(dir, name)]);
    const pngs = readdirSync(dir)
      .filter((f) => f.startsWith(`${name}-`) && f.endsWith('.png'))
      .sort()
      .map((f) => readFileSync(path.join(dir, f)));
    return { model, hash, pages, flat: text.replaceAll(/\s+/g, ' '), pngs };
  }

  function expectEveryPage(read: ReadPdf): void {
    expect(read.pngs).toHaveLength(read.pages.length);
    read.pages.forEach((page, index) => {
      expect(page).toContain(`Page ${index + 1} of ${read.pages.length}`);
      expect(page).toContain(`Content SHA-256: ${read.hash}`);
    });
    for (const png of read.pngs) {
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      expect(png.length).toBeGreaterThan(1_000);
    }
    // The hash is SHA-256 of the stored model's canonical JSON: a paper copy matches its record.
    expect(createHash('sha256').update(canonicalJson(read.model)).digest('hex')).toBe(read.hash);
  }

  it('a corrections letter over several pages, then the approval record, with every field', async () => {
    const planId = 'LETTER-1';
    const { letter, approval } = await runReview(async (handle) => {
      const corrections = await waitForStatus(
        handle,
        (v) => v.status === 'corrections_required' && !!v.cycles[0]?.reports,
      );
      await handle.executeUpdate(complianceResubmitUpdate, {
        args: [{ planVersion: 2, plan: cityPlan(planId, false), documents: DOCUMENTS, actor: 'arch-amy' }],
      });
      await waitForStatus(handle, (v) => v.status === 'in_review');
      await handle.executeUpdate(complianceDecideUpdate, {
        args: [{ decision: 'approve', actor: 'rev-rosa', summary: 'Egress widths now meet 1010.1.1.' }],
      });
      const done = await handle.result();
      return {
        letter: corrections.cycles[0]!.reports!.find((k) => k.endsWith('.pdf'))!,
        approval: done.cycles[1]!.reports!.find((k) => k.endsWith('final.pdf'))!,
      };
    }, cityInput(planId));

    const read = await readReport(letter.replace(/\.pdf$/, ''));
    expect(read.pages.length).toBeGreaterThanOrEqual(2);
    expectEveryPage(read);
    const text = read.pages.join('\n');
    expect(text).toContain('Corrections letter');
    expect(text).toMatch(/Permit number:\s+BLD-2026-00417/);
    expect(text).toContain('Amy Archer, Archer Architects LLC (account arch-amy)');
    expect(text).toMatch(/Site address:\s+100 Main St, Example City, EX 12345/);
    expect(read.flat).toContain('2021 International Building Code (IBC-2021), in force on November 1, 2026');
    // Example City over Example State over the model code: each overlay's amendments in force on asOf.
    for (const amendment of ['EXS-2022-01', 'EXS-2024-01', 'EXC-2023-01', 'EXC-2025-01'])
      expect(text).toContain(amendment);
    expect(text).toMatch(/EXAMPLE-STATE:/);
    expect(text).toMatch(/EXAMPLE-CITY:/);
    expect(read.flat).toContain(`Dates are in: ${ZONE} (the jurisdiction's time zone)`);
    expect(text).toContain(plainDay(read.model.generatedAt, ZONE));
    expect(read.flat).toMatch(
      /Resubmit a corrected plan \(the next plan version\) by \w+ \d{1,2}, \d{4} at \d{1,2}:\d\d [AP]M CST/,
    );
    // Signed by the first assigned reviewer: no one has decided yet.
    expect(text).toContain('Issued for the plan reviewers by');
    expect(text).toMatch(/Signature\s+Date/);
    expect(text).toMatch(/Reviewer name:\s+Ray Ortiz \(rev-ray\)/);
    expect(text).toMatch(/Title:\s+Senior Plan Reviewer/);
    // Every violation with its section, location and required against actual.
    const errors = read.model.violations.filter((v) => v.severity === 'error');
    expect(errors).toHaveLength(NARROW_DOORS + 2);
    expect(text).toContain(`Violations (${errors.length})`);
    errors.forEach((v, index) => {
      expect(v.location).toMatch(/^(door D\d+|corridor C2) on level (Ground|Second) floor \(L[12]\)$/);
      expect(read.flat).toContain(`${index + 1}. Section ${v.section}`);
      expect(read.flat).toContain(`Location: ${v.location}`);
      expect(read.flat).toContain(`Required: ${v.required} ${v.unit} Actual: ${v.actual} ${v.unit}`);
    });
    expect(read.flat).toContain('Location: door D3 on level Ground floor (L1)');
    expect(read.flat).toContain('Required: 32 in Actual: 28 in');
    expect(read.flat).toContain('Required: 25 ft Actual: 40 ft');
    // Documents reviewed and rules checked.
    for (const document of DOCUMENTS)
      expect(read.flat).toContain(`${document.kind}: ${document.name} (${document.ref})`);
    expect(text).toContain(`Rules checked (${read.model.code!.rules.length})`);
    for (const rule of read.model.code!.rules) expect(read.flat).toContain(`(${rule.id})`);

    const approved = await readReport(approval.replace(/\.pdf$/, ''));
    expectEveryPage(approved);
    const approvedText = approved.pages.join('\n');
    expect(approvedText).toContain('Approval record');
    expect(approvedText).not.toContain('Corrections letter');
    expect(approvedText).toContain('Violations (0)');
    expect(approvedText).toContain('Reviewed and decided by');
    expect(approvedText).toMatch(/Reviewer name:\s+Rosa Diaz \(rev-rosa\)/);
    expect(approvedText).toMatch(/Title:\s+Plan Reviewer II/);
    expect(approvedText).toMatch(/Permit number:\s+BLD-2026-00417/);
    expect(approved.flat).toContain(`approved on ${plainDay(approved.model.decision!.at, ZONE)}`);
    expect(approved.hash).not.toBe(read.hash);
  });

  it('prints "not given" for what an old-style input leaves out, and dates in UTC', async () => {
    const planId = 'LETTER-2';
    const key = await runReview(async (handle) => {
      const view = await waitForStatus(handle, (v) => v.status === 'corrections_required' && !!v.cycles[0]?.reports);
      return view.cycles[0]!.reports!.find((k) => k.endsWith('.pdf'))!;
    }, reviewInput(planId));
    const read = await readReport(key.replace(/\.pdf$/, ''));
    expectEveryPage(read);
    const text = read.pages.join('\n');
    expect(text).toMatch(/Permit number:\s+not given/);
    expect(text).toContain('not given (account arch-amy)');
    expect(text).toMatch(/Site address:\s+not given/);
    expect(text).toMatch(/Reviewer name:\s+not given \(rev-ray\)/);
    expect(text).toMatch(/Title:\s+not given/);
    expect(read.flat).toContain('overlays applied: none (the model code as published)');
    expect(read.flat).toContain('Dates are in: UTC (no time zone configured for the jurisdiction or the reviewer)');
    expect(read.flat).toContain('Location: door D3 on level Ground floor (L1)');
  });

  async function runReview<T>(work: (handle: Review) => Promise<T>, input: ComplianceReviewInput): Promise<T> {
    const taskQueue = uniqueTaskQueue('compliance-pdf');
    const worker = await createTestWorker(world.env, taskQueue, { store: world.store });
    return worker.runUntil(async () => {
      const handle = await world.env.client.workflow.start(complianceReview, {
        taskQueue,
        workflowId: complianceReviewId(input.planId),
        args: [input],
      });
      return work(handle);
    });
  }
});

function run(tool: string, args: string[]): string {
  const result = spawnSync(tool, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed: ${result.stderr || result.error}`);
  return result.stdout;
}
