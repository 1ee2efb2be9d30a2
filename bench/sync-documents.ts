// Documents for `npm run bench -- sync`: plans (plan format v1) of a given size and an edited
// copy of each, so the diff is timed on realistic shapes: id-keyed arrays of spaces and doors.
import type { JsonValue } from '../domain/sync/sync-types';

type Plan = { spaces: Record<string, JsonValue>[]; doors: Record<string, JsonValue>[] } & Record<string, JsonValue>;

function space(i: number): Record<string, JsonValue> {
  return {
    id: `S${i}`,
    level: i % 2 === 0 ? 'L1' : 'L2',
    name: `Office ${i}`,
    use: 'business',
    areaSqft: 400 + (i % 50),
    areaBasis: 'gross',
    exitDoors: [`D${i}`],
    commonPathFt: 40,
    travelDistanceFt: 120,
  };
}

function door(i: number): Record<string, JsonValue> {
  return { id: `D${i}`, level: i % 2 === 0 ? 'L1' : 'L2', clearWidthIn: 36, isExit: true };
}

/** A plan whose JSON (without indentation) is at least `bytes` long, by at most a space and its door: spaces, each with its door. */
export function planOfSize(bytes: number): Plan {
  const plan: Plan = {
    schemaVersion: 1,
    planId: `BENCH-${bytes}`,
    name: 'Benchmark plan',
    jurisdiction: 'IBC-2021',
    building: { occupancyGroup: 'B', sprinkler: 'nfpa13', voiceAlarm: false, stories: 2 },
    levels: [
      { id: 'L1', name: 'Ground floor' },
      { id: 'L2', name: 'Second floor' },
    ],
    spaces: [],
    doors: [],
  };
  const base = JSON.stringify(plan).length;
  const perItem = JSON.stringify(space(10_000)).length + JSON.stringify(door(10_000)).length + 2;
  let items = 0;
  // Estimated in one step, then topped up (short ids make small plans' items smaller than estimated).
  for (let length = base; length < bytes; length = JSON.stringify(plan).length) {
    const more = Math.max(1, Math.ceil((bytes - length) / perItem));
    for (const end = items + more; items < end;) {
      items++;
      plan.spaces.push(space(items));
      plan.doors.push(door(items));
    }
  }
  return plan;
}

/**
 * The plan after an edit: one space in a hundred (at least one) has a new area, the last is
 * renamed, the middle one and its door are removed and a space with its door is added.
 * Returns a new object; `plan` is untouched.
 */
export function editedPlan(plan: Plan): Plan {
  const edited = structuredClone(plan);
  edited.spaces.forEach((item, i) => {
    if (i % 100 === 0) item.areaSqft = (item.areaSqft as number) + 25;
  });
  edited.spaces.at(-1)!.name = 'Renamed office';
  const middle = Math.floor(edited.spaces.length / 2);
  edited.spaces.splice(middle, 1);
  edited.doors.splice(middle, 1);
  const next = plan.spaces.length + 1;
  edited.spaces.push(space(next));
  edited.doors.push(door(next));
  return edited;
}
