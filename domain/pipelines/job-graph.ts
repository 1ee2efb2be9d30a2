// The `needs` graph of a pipeline's jobs: checked when the file is loaded, ordered for the run.

/** Jobs by id with what each needs: the only part of a job the graph looks at. */
export type NeedsGraph = Readonly<Record<string, { needs: readonly string[] }>>;

/** The first need that names no job, as [job, need], or undefined. */
export function unknownNeed(graph: NeedsGraph): [string, string] | undefined {
  for (const [id, job] of Object.entries(graph)) {
    const missing = job.needs.find((need) => !Object.hasOwn(graph, need));
    if (missing !== undefined) return [id, missing];
  }
  return undefined;
}

/** A cycle of `needs` as the path that closes it (['a', 'b', 'a']), or undefined. Needs must all be known. */
export function needsCycle(graph: NeedsGraph): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'visiting') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'visiting');
    path.push(id);
    for (const need of graph[id]?.needs ?? []) {
      const cycle = visit(need);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const id of Object.keys(graph)) {
    const cycle = visit(id);
    if (cycle) return cycle;
  }
  return undefined;
}

/**
 * Job ids so that every job comes after what it needs; among jobs free at once, the order of the file
 * (so the run view and the start order read like the file). The graph must have no cycle.
 */
export function topologicalOrder(graph: NeedsGraph): string[] {
  const ids = Object.keys(graph);
  const placed = new Set<string>();
  const order: string[] = [];
  while (order.length < ids.length) {
    const next = ids.find((id) => !placed.has(id) && (graph[id]?.needs ?? []).every((need) => placed.has(need)));
    if (next === undefined) throw new Error(`needs form a cycle: ${(needsCycle(graph) ?? []).join(' -> ')}`);
    placed.add(next);
    order.push(next);
  }
  return order;
}

/** Every job that needs `id`, directly or through others (not `id` itself), in the graph's order. */
export function dependentsOf(graph: NeedsGraph, id: string): string[] {
  const found = new Set<string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const [other, job] of Object.entries(graph)) {
      if (found.has(other) || other === id) continue;
      if (job.needs.some((need) => need === id || found.has(need))) {
        found.add(other);
        grew = true;
      }
    }
  }
  return Object.keys(graph).filter((other) => found.has(other));
}
