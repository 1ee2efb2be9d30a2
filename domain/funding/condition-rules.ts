import type {
  ConditionBudgetLine,
  ConditionDefinition,
  ConditionStatus,
  Evidence,
  EvidenceKind,
  InspectionLineReport,
} from './condition-schemas';

/*
 * The rules: what each condition type says about the evidence received so far. Pure
 * functions of the evidence, its order, the budget lines and the release date.
 */

/** What the rules say of one condition; a waiver is the book's business, not the rules'. */
export interface Evaluation {
  evaluated: Exclude<ConditionStatus, 'waived'>;
  note: string;
  lines?: InspectionLineReport[];
}

export interface EvaluationContext {
  evidence: readonly Evidence[];
  lines: readonly ConditionBudgetLine[];
  releaseAt?: string;
}

/** Latest-wins reads use arrival order: the workflow appends evidence in its own deterministic order. */
function ofKind<K extends EvidenceKind>(evidence: readonly Evidence[], kind: K): Extract<Evidence, { kind: K }>[] {
  return evidence.filter((e): e is Extract<Evidence, { kind: K }> => e.kind === kind);
}

const round2 = (value: number) => Math.round(value * 100) / 100;
const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

function evaluateTasks(
  def: Extract<ConditionDefinition, { type: 'task_completed' }>,
  ctx: EvaluationContext,
): Evaluation {
  const done = new Set(ofKind(ctx.evidence, 'task_completed').map((e) => e.taskId));
  const missing = def.taskIds.filter((id) => !done.has(id));
  if (missing.length === 0) return { evaluated: 'passed', note: `completed: ${def.taskIds.join(', ')}` };
  return { evaluated: 'pending', note: `waiting for task(s) ${missing.join(', ')}` };
}

function evaluateInspection(
  def: Extract<ConditionDefinition, { type: 'inspection_passed' }>,
  ctx: EvaluationContext,
): Evaluation {
  // A re-inspection replaces earlier figures for the lines it covers, and only those.
  const latest = new Map<string, { verifiedPercent: number; inspector: string }>();
  for (const inspection of ofKind(ctx.evidence, 'inspection')) {
    for (const line of inspection.lines)
      latest.set(line.lineId, { verifiedPercent: line.verifiedPercent, inspector: inspection.inspector });
  }
  const lines = ctx.lines.map((line): InspectionLineReport => {
    if (line.requestedAmount === 0) {
      return {
        lineId: line.lineId,
        requestedAmount: 0,
        claimedPercent: 0,
        requiredPercent: 0,
        result: 'not_requested',
      };
    }
    // requestedAmount > 0 and the budget-line invariant make scheduledValue > 0.
    const claimed = ((line.previouslyReleased + line.requestedAmount) * 100) / line.scheduledValue;
    const required = Math.max(0, claimed - def.tolerancePercent);
    const report: InspectionLineReport = {
      lineId: line.lineId,
      requestedAmount: line.requestedAmount,
      claimedPercent: round2(claimed),
      requiredPercent: round2(required),
      result: 'missing',
    };
    const verified = latest.get(line.lineId);
    if (!verified) return report;
    // The epsilon absorbs float noise of the division, so exactly-at-the-threshold passes.
    const ok = verified.verifiedPercent + 1e-9 >= required;
    return {
      ...report,
      verifiedPercent: verified.verifiedPercent,
      inspector: verified.inspector,
      result: ok ? 'passed' : 'failed',
    };
  });
  const failed = lines.filter((l) => l.result === 'failed');
  const missing = lines.filter((l) => l.result === 'missing');
  if (failed.length > 0) {
    const why = failed.map(
      (l) =>
        `${l.lineId} verified ${l.verifiedPercent}% < required ${l.requiredPercent}% (claimed ${l.claimedPercent}% - ${def.tolerancePercent}%)`,
    );
    return { evaluated: 'failed', note: why.join('; '), lines };
  }
  if (missing.length > 0)
    return {
      evaluated: 'pending',
      note: `no inspection yet for line(s) ${missing.map((l) => l.lineId).join(', ')}`,
      lines,
    };
  return { evaluated: 'passed', note: 'every requested line verified within tolerance', lines };
}

function evaluateLienWaiver(
  def: Extract<ConditionDefinition, { type: 'lien_waiver' }>,
  ctx: EvaluationContext,
): Evaluation {
  const wanted = `${def.waiverType} waiver from ${def.from} through ${def.throughDate} or later${def.amount === undefined ? '' : ` for at least ${def.amount}`}`;
  // The type must match exactly: a progress waiver does not release final retainage and vice versa.
  const fromParty = ofKind(ctx.evidence, 'lien_waiver').filter(
    (w) => w.waiverType === def.waiverType && w.from === def.from,
  );
  const match = fromParty.find(
    (w) => w.throughDate >= def.throughDate && (def.amount === undefined || w.amount >= def.amount),
  );
  if (match)
    return {
      evaluated: 'passed',
      note: `received ${def.waiverType} waiver from ${def.from} through ${match.throughDate} for ${match.amount}`,
    };
  const nearMiss = fromParty.length > 0 ? ` (${fromParty.length} received that do not cover the date or amount)` : '';
  return { evaluated: 'pending', note: `waiting for a ${wanted}${nearMiss}` };
}

function evaluateDocument(def: Extract<ConditionDefinition, { type: 'document' }>, ctx: EvaluationContext): Evaluation {
  // Names are typed by people; case differences are not a missing document.
  const doc = ofKind(ctx.evidence, 'document').find((d) => sameName(d.name, def.name));
  if (!doc) return { evaluated: 'pending', note: `waiting for document "${def.name}"` };
  return { evaluated: 'passed', note: `received "${doc.name}"${doc.reference ? ` (${doc.reference})` : ''}` };
}

function evaluateInsurance(ctx: EvaluationContext): Evaluation {
  const certificate = ofKind(ctx.evidence, 'insurance').at(-1);
  if (!certificate) return { evaluated: 'pending', note: 'no insurance certificate received' };
  const what = `certificate ${certificate.certificateId} expires on ${certificate.expiresOn}`;
  if (!ctx.releaseAt) return { evaluated: 'pending', note: `${what}; no release date to check it against yet` };
  // Coverage must outlast the whole release day (UTC): expiring on that day is not enough.
  const releaseDay = ctx.releaseAt.slice(0, 10);
  if (certificate.expiresOn > releaseDay)
    return { evaluated: 'passed', note: `${what}, after the release date ${releaseDay}` };
  return { evaluated: 'failed', note: `${what}, not after the release date ${releaseDay}` };
}

function evaluateCompliance(ctx: EvaluationContext): Evaluation {
  const result = ofKind(ctx.evidence, 'compliance_result').at(-1);
  if (!result) return { evaluated: 'pending', note: 'waiting for a compliance review result' };
  const summary = result.summary ? `: ${result.summary}` : '';
  return result.approved
    ? { evaluated: 'passed', note: `review ${result.reviewId} approved${summary}` }
    : { evaluated: 'failed', note: `review ${result.reviewId} not approved${summary}` };
}

function evaluateChangeOrder(
  def: Extract<ConditionDefinition, { type: 'change_order_executed' }>,
  ctx: EvaluationContext,
): Evaluation {
  const latest = ofKind(ctx.evidence, 'change_order')
    .filter((c) => c.changeOrderId === def.changeOrderId)
    .at(-1);
  if (!latest) return { evaluated: 'pending', note: `waiting for change order ${def.changeOrderId} to be executed` };
  return latest.status === 'executed'
    ? { evaluated: 'passed', note: `change order ${def.changeOrderId} executed` }
    : { evaluated: 'failed', note: `change order ${def.changeOrderId} voided` };
}

export function evaluateCondition(def: ConditionDefinition, ctx: EvaluationContext): Evaluation {
  switch (def.type) {
    case 'task_completed':
      return evaluateTasks(def, ctx);
    case 'inspection_passed':
      return evaluateInspection(def, ctx);
    case 'lien_waiver':
      return evaluateLienWaiver(def, ctx);
    case 'document':
      return evaluateDocument(def, ctx);
    case 'insurance_valid':
      return evaluateInsurance(ctx);
    case 'compliance_approved':
      return evaluateCompliance(ctx);
    case 'change_order_executed':
      return evaluateChangeOrder(def, ctx);
  }
}
