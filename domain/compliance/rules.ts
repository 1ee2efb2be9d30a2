import type { AreaBasis, SpaceUse, SprinklerSystem } from './vocabulary';

/*
 * What a rule pack and its jurisdiction overlays are made of: plain data. The engine has one
 * evaluator per rule `kind`; everything a code edition or an amendment can change (limits,
 * tables, factors, exceptions, which rules exist) is a value here, not a branch in code.
 */

export type Severity = 'error' | 'warning';

/**
 * When an exception (or a rule) applies. Every field given must hold. `groups`/`notGroups`
 * are checked against every occupancy group the element serves: `groups` holds when all of
 * them are listed, `notGroups` when none is, so a mixed story only gets a relaxation every
 * one of its occupancies is entitled to. A list names groups ('I-1') or families ('S').
 */
export interface Condition {
  sprinkler?: readonly SprinklerSystem[];
  voiceAlarm?: boolean;
  groups?: readonly string[];
  notGroups?: readonly string[];
  loadServedBelow?: number;
  loadServedAtLeast?: number;
  storiesAtLeast?: number;
}

/** Replaces the rule's governing number (its limit, or its inches per occupant) when `when` holds. */
export interface RuleException {
  id: string;
  description: string;
  when: Condition;
  value: number;
}

interface RuleBase {
  id: string;
  section: string;
  title: string;
  /** The requirement in one or two plain sentences, for reports and `explainRule`. */
  summary: string;
  source: string;
  severity: Severity;
  /** Elements outside this condition are not checked by the rule at all. */
  appliesWhen?: Condition;
}

/** IBC 1004.5: occupant load = floor area / factor, rounded up. Reported, and needed by the other rules. */
export interface OccupantLoadRule extends RuleBase {
  kind: 'occupant-load';
  factors: Record<SpaceUse, { sqftPerOccupant: number; basis: AreaBasis; tableRow: string }>;
}

/** A limit per group and sprinkler status; null means "not permitted" (NP in the code tables). */
export interface GroupLimitRow {
  unsprinklered: number | null;
  sprinklered: number | null;
  /** The systems that count as "sprinklered" for this row (table footnotes differ). */
  sprinklerSystems: readonly SprinklerSystem[];
}

export type LimitTarget =
  | { target: 'door'; measure: 'clearWidthIn' }
  | { target: 'corridor'; measure: 'widthIn' | 'deadEndFt' }
  | { target: 'stair'; measure: 'widthIn' }
  | { target: 'accessibleRoute'; measure: 'clearWidthIn' }
  | { target: 'space'; measure: 'travelDistanceFt' | 'commonPathFt' | 'areaSqft' };

/** One measurement of each element of a kind against a minimum or maximum. */
export type LimitRule = RuleBase &
  LimitTarget & {
    kind: 'limit';
    /** How the measure reads in a message: "clear width". */
    label: string;
    bound: 'min' | 'max';
    unit: 'in' | 'ft' | 'sqft';
    limit: number | { byGroup: Record<string, GroupLimitRow> };
    /** Tried in order; the last that applies sets the limit, so an overlay's addition wins. */
    exceptions: RuleException[];
  };

/** IBC 1006.2.1: a space with one exit must stay within its group's occupant load and common path. */
export interface SingleExitRule extends RuleBase {
  kind: 'single-exit-space';
  /** The unsprinklered common path column splits at this occupant load (OL <= 30 / OL > 30). */
  smallLoadMax: number;
  byGroup: Record<
    string,
    {
      maxOccupantLoad: number;
      commonPathFt: {
        unsprinkleredSmallLoad: number | null;
        unsprinkleredLargeLoad: number | null;
        sprinklered: number | null;
      };
      sprinklerSystems: readonly SprinklerSystem[];
    }
  >;
}

/** IBC 1006.3.3 and 1006.2.1.1: exits required for an occupant load, per space and per story. */
export interface ExitCountRule extends RuleBase {
  kind: 'exit-count';
  scopes: readonly ('space' | 'story')[];
  /** Ascending; `maxOccupantLoad: null` is the open-ended last tier. */
  tiers: { maxOccupantLoad: number | null; exits: number }[];
}

export type CapacityComponent = 'story-stairs' | 'space-exit-doors' | 'corridors' | 'story-exit-doors';

/** IBC 1005.3: egress width at least occupant load x inches per occupant. */
export interface CapacityRule extends RuleBase {
  kind: 'egress-capacity';
  components: readonly CapacityComponent[];
  inchesPerOccupant: number;
  exceptions: RuleException[];
}

export type RuleDefinition = OccupantLoadRule | LimitRule | SingleExitRule | ExitCountRule | CapacityRule;

/** A model code edition: the base every jurisdiction resolves from. */
export interface RulePack {
  id: string;
  edition: string;
  publisher: string;
  sources: string[];
  /** What the pack deliberately does not check, so nobody reads silence as compliance. */
  notModelled: string[];
  rules: RuleDefinition[];
}

/**
 * One change of an amendment. `replace` sets an existing number (or null for "not
 * permitted") or a rule's severity, addressed by a dot path into the rule; a path segment
 * after an array picks the element with that id (`exceptions.load-under-50.value`).
 */
export type Change =
  | { op: 'replace'; rule: string; path: string; value: number | null | Severity }
  | { op: 'add-exception'; rule: string; exception: RuleException }
  | { op: 'delete-exception'; rule: string; exception: string }
  | { op: 'add-rule'; rule: RuleDefinition }
  | { op: 'delete-rule'; rule: string };

export interface Amendment {
  id: string;
  title: string;
  /** YYYY-MM-DD: in force on and after this day. */
  effective: string;
  source: string;
  changes: Change[];
}

/** A jurisdiction adopts its parent's code (or, at the root, a pack) with its own amendments. */
export interface Jurisdiction {
  id: string;
  name: string;
  parent?: string;
  pack?: RulePack;
  amendments: Amendment[];
  /** Illustrative data shipped to show the mechanism, not a real adopted code. */
  example?: boolean;
}
