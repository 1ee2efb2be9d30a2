import { z } from 'zod';
import { lazySchema } from '../lazy-schema';
import { documentIdSchema, documentTextSchema, duplicateIdIssues } from './document-fields';

/**
 * The `schedule` kind: tasks with calendar dates (YYYY-MM-DD, a real day) and dependencies.
 * A dependency names a task of the same schedule; a cycle is refused, since no order of work
 * could satisfy it.
 */
const dateSchema = lazySchema(() => z.iso.date({ error: 'must be a date YYYY-MM-DD' }));

const taskSchema = lazySchema(() =>
  z
    .strictObject({
      id: documentIdSchema,
      name: documentTextSchema,
      start: dateSchema,
      end: dateSchema,
      dependsOn: z.array(documentIdSchema, { error: 'must be a list of task ids' }).optional(),
    })
    // ISO dates compare as text.
    .refine((task) => task.end >= task.start, { path: ['end'], error: 'must be on or after start' }),
);

export const scheduleSchema = lazySchema(() =>
  z
    .strictObject({
      scheduleId: documentIdSchema,
      tasks: z.array(taskSchema, { error: 'must be a list of tasks' }),
    })
    .superRefine((schedule, ctx) => {
      for (const issue of [...duplicateIdIssues('tasks', schedule.tasks), ...dependencyIssues(schedule.tasks)])
        ctx.addIssue({ code: 'custom', ...issue });
    }),
);

export type Schedule = z.output<typeof scheduleSchema>;

interface TaskLinks {
  id: string;
  dependsOn?: string[] | undefined;
}

function dependencyIssues(tasks: readonly TaskLinks[]): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  const ids = new Set(tasks.map((task) => task.id));
  tasks.forEach((task, i) => {
    const listed = new Set<string>();
    (task.dependsOn ?? []).forEach((dependency, j) => {
      const path = ['tasks', i, 'dependsOn', j];
      if (dependency === task.id) issues.push({ path, message: 'a task cannot depend on itself' });
      else if (!ids.has(dependency)) issues.push({ path, message: `unknown task "${dependency}"` });
      if (listed.has(dependency)) issues.push({ path, message: `task "${dependency}" is listed twice` });
      listed.add(dependency);
    });
  });
  const cycle = firstCycle(tasks);
  if (cycle)
    issues.push({
      path: ['tasks', tasks.findIndex((task) => task.id === cycle[0]), 'dependsOn'],
      message: `dependencies form a cycle: ${cycle.join(' -> ')}`,
    });
  return issues;
}

/**
 * The first cycle of the dependency graph (ids, the first repeated at the end): a depth-first
 * search with its own stack, so a chain of thousands of tasks cannot overflow the call stack.
 */
function firstCycle(tasks: readonly TaskLinks[]): string[] | undefined {
  const edges = new Map(tasks.map((task) => [task.id, (task.dependsOn ?? []).filter((id) => id !== task.id)]));
  const state = new Map<string, 'open' | 'done'>();
  for (const root of tasks) {
    if (state.has(root.id)) continue;
    const stack: { id: string; next: number }[] = [{ id: root.id, next: 0 }];
    state.set(root.id, 'open');
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const dependency = edges.get(top.id)![top.next++];
      if (dependency === undefined) {
        state.set(top.id, 'done');
        stack.pop();
      } else if (state.get(dependency) === 'open') {
        const trail = stack.map((frame) => frame.id);
        return [...trail.slice(trail.indexOf(dependency)), dependency];
      } else if (!state.has(dependency) && edges.has(dependency)) {
        state.set(dependency, 'open');
        stack.push({ id: dependency, next: 0 });
      }
    }
  }
  return undefined;
}
