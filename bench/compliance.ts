// `npm run bench -- compliance`: time to check generated plans of 100 to 100,000 spaces
// against IBC-2021, next to two baselines measured in the same run on the same plan:
// JSON.parse of the plan's text, and one pass that indexes every element by id in a Map
// (the least a linear checker has to do). ms per 1,000 spaces staying flat is the proof
// of linear growth. Also shows parsePlan (zod validation) for the same plans.
// Prints a table and writes bench/results/compliance.json.
import { checkPlan } from '../domain/compliance/engine';
import { parsePlan, type Plan } from '../domain/compliance/plan-schema';
import { benchComplianceReports } from './compliance-reports';
import { writeResults } from './results';

const SIZES = (process.env.BENCH_COMPLIANCE_SIZES ?? '100,1000,10000,100000').split(',').map(Number);
const SPACES_PER_LEVEL = 100;
const AS_OF = '2025-01-01';

/**
 * A sprinklered office tower with voice alarm: 100 offices of 10 occupants per story, each
 * with two 36 in doors onto a corridor, four 72 in exit doors, two corridors and an
 * accessible route per story, four 80 in stairs between stories. Compliant by design, so
 * the timing is the checking, not the building of messages.
 */
export function generatePlan(spaces: number): Plan {
  const levelCount = Math.ceil(spaces / SPACES_PER_LEVEL);
  const plan: Plan = {
    schemaVersion: 1,
    planId: `BENCH-${spaces}`,
    name: `Generated tower, ${spaces} spaces`,
    jurisdiction: 'IBC-2021',
    // 100,000 spaces make 1,000 levels, more stories than the format allows (300); the cost
    // of a check follows the element count, not `stories`, so it is capped.
    building: { occupancyGroup: 'B', sprinkler: 'nfpa13', voiceAlarm: true, stories: Math.min(levelCount, 300) },
    levels: [],
    spaces: [],
    doors: [],
    corridors: [],
    stairs: [],
    accessibleRoutes: [],
  };
  for (let l = 0; l < levelCount; l++) {
    const level = `L${l + 1}`;
    plan.levels.push({ id: level, name: `Level ${l + 1}` });
    for (let e = 1; e <= 4; e++) plan.doors.push({ id: `${level}-X${e}`, level, clearWidthIn: 72, isExit: true });
    for (let c = 1; c <= 2; c++)
      plan.corridors.push({ id: `${level}-C${c}`, level, widthIn: 100, deadEndFt: 30, occupantLoadServed: 500 });
    plan.accessibleRoutes.push({ id: `${level}-AR`, level, clearWidthIn: 44 });
    if (l > 0)
      for (let s = 1; s <= 4; s++)
        plan.stairs.push({ id: `${level}-ST${s}`, fromLevel: `L${l}`, toLevel: level, widthIn: 80 });
    const onLevel = Math.min(SPACES_PER_LEVEL, spaces - l * SPACES_PER_LEVEL);
    for (let s = 1; s <= onLevel; s++) {
      const id = `${level}-S${s}`;
      plan.doors.push(
        { id: `${id}-D1`, level, clearWidthIn: 36, isExit: false },
        { id: `${id}-D2`, level, clearWidthIn: 36, isExit: false },
      );
      plan.spaces.push({
        id,
        level,
        name: `Office ${s}`,
        use: 'business',
        areaSqft: 1500,
        areaBasis: 'gross',
        exitDoors: [`${id}-D1`, `${id}-D2`],
        commonPathFt: 60,
        travelDistanceFt: 180,
      });
    }
  }
  return plan;
}

/** Median ms of `rounds` runs after a short warm-up. */
function medianMs(rounds: number, work: () => unknown): number {
  for (let i = 0; i < Math.min(3, rounds); i++) work();
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const started = process.hrtime.bigint();
    work();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** The baseline pass: every element into a Map by id, and the areas summed. */
function indexElements(plan: Plan): number {
  const byId = new Map<string, unknown>();
  let area = 0;
  for (const list of [plan.levels, plan.spaces, plan.doors, plan.corridors, plan.stairs, plan.accessibleRoutes]) {
    for (const element of list) byId.set(element.id, element);
  }
  for (const space of plan.spaces) area += space.areaSqft;
  return byId.size + area;
}

export async function benchCompliance(): Promise<void> {
  const rows = [];
  for (const spaces of SIZES) {
    const text = JSON.stringify(generatePlan(spaces));
    // Checked as a service receives it: parsed from JSON (flat strings), like the CLI and activities.
    const plan = JSON.parse(text) as Plan;
    const elements =
      plan.levels.length +
      plan.spaces.length +
      plan.doors.length +
      plan.corridors.length +
      plan.stairs.length +
      plan.accessibleRoutes.length;
    const rounds = Math.max(5, Math.min(200, Math.round(200_000 / spaces)));
    const result = checkPlan(plan, { asOf: AS_OF });
    const jsonParseMs = medianMs(rounds, () => JSON.parse(text));
    const indexMs = medianMs(rounds, () => indexElements(plan));
    const checkMs = medianMs(rounds, () => checkPlan(plan, { asOf: AS_OF }));
    const parsePlanMs = medianMs(Math.max(3, Math.round(rounds / 4)), () => parsePlan(plan));
    rows.push({
      spaces,
      elements,
      rounds,
      violations: result.violations.length,
      jsonParseMs,
      indexMs,
      checkMs,
      parsePlanMs,
      checkVsJsonParse: checkMs / jsonParseMs,
      checkVsIndex: checkMs / indexMs,
      checkMsPer1kSpaces: (checkMs / spaces) * 1000,
    });
  }
  const ms = (value: number) => value.toFixed(value < 10 ? 3 : 1);
  console.log(
    `compliance benchmark: checkPlan (IBC-2021) on generated plans, median of the rounds shown; baselines measured in the same run`,
  );
  console.table(
    rows.map((r) => ({
      spaces: r.spaces.toLocaleString('en-US'),
      elements: r.elements.toLocaleString('en-US'),
      violations: r.violations,
      'JSON.parse ms (baseline)': ms(r.jsonParseMs),
      'index by id ms (baseline)': ms(r.indexMs),
      'checkPlan ms': ms(r.checkMs),
      'check / JSON.parse': `${r.checkVsJsonParse.toFixed(2)}x`,
      'check / index': `${r.checkVsIndex.toFixed(2)}x`,
      'check ms per 1k spaces': r.checkMsPer1kSpaces.toFixed(3),
      'parsePlan (zod) ms': ms(r.parsePlanMs),
    })),
  );
  const tenThousand = rows.find((r) => r.spaces === 10_000);
  if (tenThousand) console.log(`10,000 spaces: ${ms(tenThousand.checkMs)} ms (target: well under 100 ms)`);
  writeResults('compliance', { asOf: AS_OF, spacesPerLevel: SPACES_PER_LEVEL, rows });
  await benchComplianceReports();
}
