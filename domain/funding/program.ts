import { z } from 'zod';
import { lazySchema } from '../lazy-schema';
import { InputError, issuesText, refuseUnknownKeys } from '../validation';
import { ApprovalLedger, approvalPolicySchema } from './approvals';
import { conditionDefinitionsSchema } from './condition-schemas';
import { gateClocksSchema, keySegment, type FundingGateInput, type Maker } from './gate-input';
import { currencySchema, minorUnitsSchema } from './money';
import { drawLinesSchema, retainagePolicySchema } from './retainage';

/*
 * A project's funding program: who approves its draws, which conditions every draw carries,
 * how much retainage is held, the clocks, and (optionally) the schedule of values a draw may
 * draw against. Admins publish it (stored, versioned, audited); a requester only names it.
 * A draw may narrow what its program allows (ask for less, add conditions), never widen it.
 */

export const fundingProgramDefinitionSchema = lazySchema(() =>
  z
    .object({
      currency: currencySchema,
      approvals: approvalPolicySchema,
      /** Carried by every draw of the program; a draw may add its own, not remove these. */
      conditions: conditionDefinitionsSchema.default([]),
      retainage: retainagePolicySchema,
      clocks: gateClocksSchema,
      waiverRoles: z.array(z.string().min(1).max(40)).max(20).optional(),
      /** The schedule of values: when set, a draw's lines must be lines of it, with its scheduled values. */
      budget: z
        .array(
          z
            .object({
              lineId: z.string().min(1).max(200),
              description: z.string().max(500),
              scheduledValue: minorUnitsSchema,
            })
            .strict(),
        )
        .min(1)
        .optional(),
      /** The most one draw may request in total. */
      maxDrawTotal: minorUnitsSchema.optional(),
    })
    .strict(),
);

export type FundingProgramDefinition = z.output<typeof fundingProgramDefinitionSchema>;
export type FundingProgramDefinitionInput = z.input<typeof fundingProgramDefinitionSchema>;

/** One stored version of a program. */
export interface FundingProgram {
  projectId: string;
  programId: string;
  version: number;
  definition: FundingProgramDefinition;
  createdBy: string;
  createdAt: string;
}

/** How long the author of a program or payee change may not decide the project's draws, unless configured. */
export const DEFAULT_MAKER_CHECKER_WINDOW = '7 days';

/** Fields of the workflow input that the server decides; a draw request naming one is refused with the reason. */
const SERVER_DECIDES: Record<string, string> = {
  requestedBy: 'the requester is the authenticated caller',
  actor: 'the requester is the authenticated caller',
  approvals: "set by the project's funding program",
  retainage: "set by the project's funding program",
  clocks: "set by the project's funding program",
  waiverRoles: "set by the project's funding program",
  currency: "set by the project's funding program",
  program: 'resolved by arxflow from programId',
  separation: 'set by arxflow',
};

/** What a requester sends to start a draw (POST /v1/workflows/fundingGate, `arxflow funding start`). */
export const drawRequestSchema = lazySchema(() => {
  const request = z.object({
    kind: z.enum(['progress', 'retainage_release']).default('progress'),
    projectId: keySegment,
    milestoneId: keySegment,
    /** Unset: the project's current program. */
    programId: keySegment.optional(),
    payeeId: keySegment,
    lines: drawLinesSchema,
    projectPercentComplete: z.number().min(0).max(100),
    /** Conditions added to the program's for this draw only. */
    conditions: conditionDefinitionsSchema.default([]),
  });
  return request
    .catchall(z.unknown())
    .superRefine(refuseUnknownKeys(Object.keys(request.shape), SERVER_DECIDES, 'a draw request'));
});

export type DrawRequest = z.output<typeof drawRequestSchema>;
export type DrawRequestInput = z.input<typeof drawRequestSchema>;

/** Separation of duties the server adds to every draw: the maker-checker window and who is inside it now. */
export interface Separation {
  window: string;
  makers: Maker[];
}

/**
 * The workflow input of a draw: the request, narrowed by its program. Throws an InputError
 * naming the field when the request asks for more than the program allows.
 */
export function resolveDraw(
  program: FundingProgram,
  request: DrawRequest,
  requester: string,
  separation: Separation,
): FundingGateInput {
  const { definition } = program;
  const problems: { path: string; message: string }[] = [];
  if (request.projectId !== program.projectId)
    problems.push({
      path: 'programId',
      message: `program ${program.programId} belongs to project ${program.projectId}`,
    });

  if (definition.budget) {
    const budget = new Map(definition.budget.map((line) => [line.lineId, line]));
    request.lines.forEach((line, index) => {
      const planned = budget.get(line.lineId);
      if (!planned)
        problems.push({
          path: `lines.${index}.lineId`,
          message: `"${line.lineId}" is not a line of program ${program.programId}'s schedule of values`,
        });
      else if (line.scheduledValue !== planned.scheduledValue) {
        problems.push({
          path: `lines.${index}.scheduledValue`,
          message: `must be the program's ${planned.scheduledValue}`,
        });
      }
    });
  }
  request.lines.forEach((line, index) => {
    if (line.requestedAmount + line.previouslyReleased > line.scheduledValue) {
      problems.push({
        path: `lines.${index}.requestedAmount`,
        message: 'with previouslyReleased, more than the scheduled value',
      });
    }
  });
  const total = request.lines.reduce((sum, line) => sum + line.requestedAmount, 0);
  if (definition.maxDrawTotal !== undefined && total > definition.maxDrawTotal) {
    problems.push({
      path: 'lines',
      message: `requested total ${total} is above the program's maxDrawTotal ${definition.maxDrawTotal}`,
    });
  }
  const programConditions = new Set(definition.conditions.map((c) => c.id));
  request.conditions.forEach((condition, index) => {
    if (programConditions.has(condition.id)) {
      problems.push({
        path: `conditions.${index}.id`,
        message: `the program already has condition "${condition.id}" (a draw adds conditions, it cannot replace one)`,
      });
    }
  });
  try {
    // Four eyes at the door: a stage the requester alone could fill can never be approved.
    new ApprovalLedger(definition.approvals, { requestedBy: requester, lines: request.lines });
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    problems.push({ path: 'requestedBy', message: err.message });
  }
  if (problems.length > 0) throw new InputError(`draw request: ${issuesText(problems)}`, problems);

  return {
    kind: request.kind,
    projectId: request.projectId,
    milestoneId: request.milestoneId,
    requestedBy: requester,
    payeeId: request.payeeId,
    currency: definition.currency,
    lines: request.lines,
    // A retainage release pays out what was held: it withholds nothing itself.
    retainage: request.kind === 'retainage_release' ? { percent: 0 } : definition.retainage,
    projectPercentComplete: request.projectPercentComplete,
    conditions: [...definition.conditions, ...request.conditions],
    approvals: definition.approvals,
    clocks: definition.clocks,
    ...(definition.waiverRoles ? { waiverRoles: definition.waiverRoles } : {}),
    program: { programId: program.programId, version: program.version },
    separation,
  };
}
