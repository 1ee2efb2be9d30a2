import type { Intent } from '../nlp-types';
import { DOMAINS, type Action, type Domain, type Sense } from './lexicon';

/**
 * Intent from evidence: each area scores what named it (its words count 2, the entities that
 * belong to it count 1-3); the best area wins; within it, the action its words name decides,
 * in an order that puts the more specific action first ("approve the checkout deploy" is an
 * approval, not a start), else the word's weak action, else the area's safe default.
 */

/** Per area: which action maps to which intent, most specific first; the last is the default. */
const ACTIONS_OF: Record<Domain, readonly (readonly [Action, Intent])[]> = {
  funding: [
    ['approve', 'funding.approve'],
    ['reject', 'funding.reject'],
    ['status', 'funding.status'],
    ['list', 'funding.status'],
    ['check', 'funding.status'],
  ],
  alerts: [
    ['resolve', 'alerts.resolve'],
    ['ack', 'alerts.ack'],
    ['list', 'alerts.list'],
    ['status', 'alerts.list'],
    ['check', 'alerts.list'],
  ],
  deploy: [
    ['rollback', 'deploy.rollback'],
    ['revert', 'deploy.rollback'],
    ['approve', 'deploy.approve'],
    ['status', 'deploy.status'],
    ['list', 'deploy.status'],
    ['check', 'deploy.status'],
    ['log', 'deploy.status'],
    ['start', 'deploy.start'],
    ['run', 'deploy.start'],
  ],
  compliance: [
    ['status', 'compliance.status'],
    ['list', 'compliance.status'],
    ['check', 'compliance.check'],
    ['run', 'compliance.check'],
    ['start', 'compliance.check'],
  ],
  sync: [
    ['revert', 'sync.revert'],
    ['rollback', 'sync.revert'],
    ['log', 'sync.log'],
    ['list', 'sync.log'],
    ['status', 'sync.log'],
    ['check', 'sync.log'],
  ],
  pipeline: [
    ['status', 'pipeline.status'],
    ['check', 'pipeline.status'],
    ['list', 'pipeline.status'],
    ['log', 'pipeline.status'],
    ['run', 'pipeline.run'],
    ['start', 'pipeline.run'],
  ],
  workflows: [
    ['list', 'workflows.list'],
    ['status', 'workflows.list'],
    ['check', 'workflows.list'],
  ],
};

const DEFAULT_INTENT: Record<Domain, Intent> = {
  funding: 'funding.status',
  alerts: 'alerts.list',
  deploy: 'deploy.status',
  compliance: 'compliance.status',
  sync: 'sync.log',
  pipeline: 'pipeline.status',
  workflows: 'workflows.list',
};

/** Actions that point at an area even when no area word is said ("ack checkout", "i'm on it"). */
const ACTION_HINTS: Partial<Record<Action, Domain>> = {
  ack: 'alerts',
  resolve: 'alerts',
  rollback: 'deploy',
  revert: 'deploy',
};

export interface Evidence {
  senses: readonly Sense[];
  /** A question ("is the build green?") asks about state: words that imply doing something do not. */
  question: boolean;
  /** Area points from the entities found (a plan id points at compliance, a version at deploy...). */
  entityScores: Partial<Record<Domain, number>>;
}

export interface Classification {
  intent: Intent;
  domain?: Domain;
  confidence: number;
  /** How the action was decided: said outright, implied by a word, or the area's default. */
  how: 'explicit' | 'weak' | 'default' | 'none';
  /** The winning area's points (2 per word that names it; an action's hint alone gives 1). */
  score: number;
  reason?: string;
}

export function classify({ senses, entityScores, question }: Evidence): Classification {
  if (senses.some((sense) => sense.action === 'forbidden')) {
    return {
      intent: 'unknown',
      confidence: 0,
      how: 'none',
      score: 0,
      reason: 'the request asks for something arxflow does not do from a sentence',
    };
  }
  const scores: Record<Domain, number> = { ...zeroScores(), ...entityScores } as Record<Domain, number>;
  for (const sense of senses) {
    if (sense.domain) scores[sense.domain] += 2;
    const hinted = sense.action && ACTION_HINTS[sense.action];
    if (hinted && !sense.domain) scores[hinted] += 1;
  }
  const ranked = [...DOMAINS].sort((a, b) => scores[b] - scores[a]);
  const best = ranked[0]!;
  const second = ranked[1]!;
  if (scores[best] === 0)
    return {
      intent: 'unknown',
      confidence: 0,
      how: 'none',
      score: 0,
      reason: 'nothing in the text names an arxflow area',
    };

  const actions = new Set(
    senses.flatMap((sense) => {
      const action = (question ? undefined : sense.actionIn?.[best]) ?? sense.action;
      return action ? [action] : [];
    }),
  );
  const weak = new Set(
    senses.flatMap((sense) => (sense.weakAction && sense.domain === best && !question ? [sense.weakAction] : [])),
  );
  let intent = ACTIONS_OF[best].find(([action]) => actions.has(action))?.[1];
  let how: Classification['how'] = 'explicit';
  if (!intent) {
    intent = ACTIONS_OF[best].find(([action]) => weak.has(action))?.[1];
    how = 'weak';
  }
  if (!intent) {
    intent = DEFAULT_INTENT[best];
    how = 'default';
  }

  const strength = scores[best] >= 3 ? 0.9 : scores[best] >= 2 ? 0.8 : 0.6;
  const decided = how === 'explicit' ? 0.08 : how === 'weak' ? 0.04 : -0.05;
  // A close second area means the text is about two things; a tie means we cannot tell which.
  const contest = scores[second] > 0 ? 0.05 : 0;
  const tie = scores[second] === scores[best] ? 0.5 : 1;
  const confidence = round(Math.max(0, Math.min(1, (strength + decided - contest) * tie)));
  return { intent, domain: best, confidence, how, score: scores[best] };
}

function zeroScores(): Record<Domain, number> {
  return Object.fromEntries(DOMAINS.map((domain) => [domain, 0])) as Record<Domain, number>;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
