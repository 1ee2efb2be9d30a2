import { clonePlain, isRecord } from '../plain-data';
import { InputError } from '../validation';
import { JURISDICTIONS } from './jurisdictions';
import type { Change, Jurisdiction, RuleDefinition, RulePack, Severity } from './rules';

/*
 * Resolving the code in force: the root pack, then each jurisdiction's amendments from the
 * state down to the city, each jurisdiction's in order of effective date, skipping those not
 * yet in force on `asOf`. The pack data is copied first and never mutated.
 */

/** Which amendment changed a rule, for `explainRule` and reports. */
export interface AmendmentRef {
  jurisdiction: string;
  amendment: string;
  effective: string;
  change: string;
}

export interface ResolvedRule {
  definition: RuleDefinition;
  /** The pack or jurisdiction that introduced the rule. */
  definedBy: string;
  amendedBy: AmendmentRef[];
}

export interface ResolvedCode {
  jurisdiction: { id: string; name: string; chain: string[]; example: boolean };
  edition: string;
  editionTitle: string;
  asOf: string;
  sources: string[];
  notModelled: string[];
  /** The jurisdictions over the model code, state down to city, with their amendments in force on `asOf`. */
  overlays: { jurisdiction: string; name: string; amendments: { id: string; title: string; effective: string }[] }[];
  rules: ResolvedRule[];
  /** Rules of the model code or a parent that an amendment deleted, by rule id. */
  deleted: Record<string, AmendmentRef>;
}

const ISO_DAY = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
/** Leaves that may hold null: the "NP" (not permitted) cells of the group tables. */
const NULLABLE_LEAVES = new Set(['unsprinklered', 'sprinklered', 'unsprinkleredSmallLoad', 'unsprinkleredLargeLoad']);
const SEVERITIES: readonly Severity[] = ['error', 'warning'];

export function resolveCode(
  jurisdictionId: string,
  asOf: string,
  registry: readonly Jurisdiction[] = JURISDICTIONS,
): ResolvedCode {
  if (!ISO_DAY.test(asOf))
    throw new InputError(`asOf: must be a date YYYY-MM-DD, got "${asOf}"`, [
      { path: 'asOf', message: 'must be a date YYYY-MM-DD' },
    ]);
  const chain = jurisdictionChain(jurisdictionId, registry);
  const root = chain[0]!;
  const pack = root.pack as RulePack;
  const rules: ResolvedRule[] = pack.rules.map((rule) => ({
    definition: clonePlain(rule),
    definedBy: pack.id,
    amendedBy: [],
  }));
  const deleted: Record<string, AmendmentRef> = {};
  for (const jurisdiction of chain) {
    const inForce = jurisdiction.amendments
      .filter((amendment) => amendment.effective <= asOf)
      .sort((a, b) => (a.effective < b.effective ? -1 : a.effective > b.effective ? 1 : 0)); // stable: same-day amendments keep their order
    for (const amendment of inForce) {
      for (const change of amendment.changes) {
        const ref = (description: string): AmendmentRef => ({
          jurisdiction: jurisdiction.id,
          amendment: amendment.id,
          effective: amendment.effective,
          change: description,
        });
        try {
          applyChange(rules, deleted, change, ref, jurisdiction.id);
        } catch (err) {
          throw new Error(
            `${jurisdiction.id} amendment ${amendment.id}: ${change.op} ${typeof change.rule === 'string' ? change.rule : change.rule.id}: ${(err as Error).message}`,
          );
        }
      }
    }
  }
  const occupantLoadRules = rules.filter((rule) => rule.definition.kind === 'occupant-load').length;
  if (occupantLoadRules !== 1)
    throw new Error(
      `${jurisdictionId}: the code in force needs exactly one occupant-load rule, has ${occupantLoadRules}`,
    );
  const leaf = chain[chain.length - 1]!;
  return {
    jurisdiction: {
      id: leaf.id,
      name: leaf.name,
      chain: chain.map((j) => j.id),
      example: chain.some((j) => j.example === true),
    },
    edition: pack.id,
    editionTitle: pack.edition,
    asOf,
    sources: [
      ...pack.sources,
      ...chain.flatMap((j) => j.amendments.filter((a) => a.effective <= asOf).map((a) => `${a.id}: ${a.source}`)),
    ],
    notModelled: [...pack.notModelled],
    overlays: chain.slice(1).map((j) => ({
      jurisdiction: j.id,
      name: j.name,
      amendments: j.amendments
        .filter((a) => a.effective <= asOf)
        .map((a) => ({ id: a.id, title: a.title, effective: a.effective })),
    })),
    rules,
    deleted,
  };
}

/** Root first, the asked-for jurisdiction last. */
function jurisdictionChain(id: string, registry: readonly Jurisdiction[]): Jurisdiction[] {
  const byId = new Map(registry.map((j) => [j.id, j]));
  const chain: Jurisdiction[] = [];
  const seen = new Set<string>();
  for (
    let current = byId.get(id);
    current;
    current = current.parent === undefined ? undefined : byId.get(current.parent)
  ) {
    if (seen.has(current.id)) throw new Error(`jurisdiction ${id}: its parents form a cycle at ${current.id}`);
    seen.add(current.id);
    chain.unshift(current);
    if (current.parent !== undefined && !byId.has(current.parent))
      throw new Error(`jurisdiction ${current.id}: unknown parent ${current.parent}`);
  }
  if (chain.length === 0) {
    const message = `unknown jurisdiction "${id}"; known: ${registry.map((j) => j.id).join(', ')}`;
    throw new InputError(`jurisdiction: ${message}`, [{ path: 'jurisdiction', message }]);
  }
  if (!chain[0]!.pack) throw new Error(`jurisdiction ${chain[0]!.id}: a root jurisdiction needs a rule pack`);
  return chain;
}

function applyChange(
  rules: ResolvedRule[],
  deleted: Record<string, AmendmentRef>,
  change: Change,
  ref: (description: string) => AmendmentRef,
  by: string,
): void {
  if (change.op === 'add-rule') {
    if (rules.some((rule) => rule.definition.id === change.rule.id))
      throw new Error('a rule with this id is already in force');
    rules.push({ definition: clonePlain(change.rule), definedBy: by, amendedBy: [ref('added rule')] });
    delete deleted[change.rule.id];
    return;
  }
  const index = rules.findIndex((rule) => rule.definition.id === change.rule);
  const target = rules[index];
  if (!target) throw new Error('no such rule in force');
  const definition = target.definition;
  switch (change.op) {
    case 'delete-rule':
      rules.splice(index, 1);
      deleted[change.rule] = ref('deleted rule');
      return;
    case 'replace': {
      const previous = replaceAt(definition, change.path, change.value);
      target.amendedBy.push(ref(`${change.path}: ${String(previous)} -> ${String(change.value)}`));
      return;
    }
    case 'add-exception':
      if (!('exceptions' in definition)) throw new Error('this rule has no exceptions');
      if (definition.exceptions.some((e) => e.id === change.exception.id))
        throw new Error(`exception ${change.exception.id} exists already`);
      definition.exceptions.push(clonePlain(change.exception));
      target.amendedBy.push(ref(`added exception ${change.exception.id}`));
      return;
    case 'delete-exception': {
      if (!('exceptions' in definition)) throw new Error('this rule has no exceptions');
      const at = definition.exceptions.findIndex((e) => e.id === change.exception);
      if (at < 0) throw new Error(`no exception ${change.exception}`);
      definition.exceptions.splice(at, 1);
      target.amendedBy.push(ref(`deleted exception ${change.exception}`));
      return;
    }
  }
}

/**
 * Sets an existing value and returns the one it replaced. Only numbers (null in an NP cell)
 * and the severity can be replaced: ids, kinds and table shapes are the pack's contract, and
 * a path that does not exist is an error rather than a silently added field.
 */
function replaceAt(definition: RuleDefinition, path: string, value: number | null | Severity): unknown {
  const segments = path.split('.');
  const leaf = segments.pop()!;
  let node: unknown = definition;
  for (const segment of segments) {
    node = Array.isArray(node)
      ? node.find((item: { id?: unknown }) => item?.id === segment)
      : isRecord(node) && Object.hasOwn(node, segment)
        ? node[segment]
        : undefined;
    if (node === undefined) throw new Error(`no value at ${path}`);
  }
  if (!isRecord(node) || !Object.hasOwn(node, leaf)) throw new Error(`no value at ${path}`);
  const previous = node[leaf];
  if (path === 'severity') {
    if (!SEVERITIES.includes(value as Severity)) throw new Error(`severity must be one of ${SEVERITIES.join(', ')}`);
  } else if (typeof previous !== 'number' && previous !== null) {
    throw new Error(`${path} is not a number and cannot be replaced`);
  } else if (
    value === null ? !NULLABLE_LEAVES.has(leaf) : typeof value !== 'number' || !Number.isFinite(value) || value < 0
  ) {
    throw new Error(
      `${path} needs a number of 0 or more${NULLABLE_LEAVES.has(leaf) ? ' or null (not permitted)' : ''}`,
    );
  }
  node[leaf] = value;
  return previous;
}
