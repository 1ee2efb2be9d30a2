import type { Intent } from './nlp-types';
import {
  findAlertId,
  findCommitId,
  findDocumentId,
  findPlanId,
  findProjectId,
  findRef,
  findRepo,
  findVersion,
} from './entities/identifiers';
import { CURRENCY_WORDS, findMoney, type Found } from './entities/money';
import { isNumberWord, ordinalValue, readNumberWords } from './entities/numbers';
import { ALERT_STATUS_WORDS, ENVIRONMENT_WORDS, SEVERITY_WORDS, WORKFLOW_STATUS_WORDS } from './entities/vocabulary';
import { classify } from './intents/classify';
import { createFuzzyMatcher } from './intents/fuzzy';
import { LEXICON_WORDS, PHRASES, STOPWORDS, senseOf, type Domain, type Sense } from './intents/lexicon';

/**
 * The local engine (issue #16): text in English or Spanish to one intent and its args in the
 * normalised formats of nlp-types.ts, with a confidence. No network, no clock, no randomness:
 * the same text gives the same answer. Below CONFIDENCE_THRESHOLD the answer is `unknown`.
 *
 * How: identifiers whose case matters (repos, refs, PROJ-7, PLAN-12, DOC-4, versions, commits,
 * money, alert ids) are read from the text as written and blanked; the rest is folded to lower
 * case without accents, multi-word phrases become one word, typos are mapped to the nearest
 * known word, and milestones, environments, statuses and severities are read from the words.
 * classify() picks the intent from the area and action words plus the entities; the args are
 * the entities that intent takes. What is left (not a keyword, not filler) names the service.
 */

export const CONFIDENCE_THRESHOLD = 0.5;
/** Longer texts are not commands; reading only this much keeps the worst case bounded. */
const MAX_TEXT = 500;

export interface LocalAnswer {
  intent: Intent;
  args: Record<string, unknown>;
  confidence: number;
  warnings?: string[];
}

const FUZZY_TARGETS = [
  ...LEXICON_WORDS,
  ...ENVIRONMENT_WORDS.keys(),
  ...ALERT_STATUS_WORDS.keys(),
  ...SEVERITY_WORDS.keys(),
  ...WORKFLOW_STATUS_WORDS.keys(),
];
const KNOWN = new Set([...FUZZY_TARGETS, ...STOPWORDS, ...CURRENCY_WORDS]);
const fuzzy = createFuzzyMatcher(FUZZY_TARGETS);

const MILESTONE_WORDS = new Set(['milestone', 'milestones', 'hito', 'hitos', 'ms']);
const MILESTONE_FILLER = new Set(['number', 'numero', 'no', 'nr', 'num', 'n']);
const SERVICE_WORDS = new Set(['service', 'servicio', 'svc', 'app', 'application', 'aplicacion']);

export function localEngine(text: string): LocalAnswer {
  const raw = typeof text === 'string' ? text.normalize('NFC').slice(0, MAX_TEXT) : '';
  if (!raw.trim()) return unknown(['empty text']);

  // 1. Identifiers, read as written and blanked (same length, so later indexes stay valid).
  let rest = raw;
  const take = <T>(item: Found<T> | undefined): T | undefined => {
    if (item) rest = rest.slice(0, item.index) + ' '.repeat(item.length) + rest.slice(item.index + item.length);
    return item?.value;
  };
  const repoFound = findRepo(rest);
  const repo = take(repoFound);
  const ref = take(findRef(rest, repoFound) ?? bareRefAfter(rest, repoFound));
  // The document first: DOC-PLAN-200 is a document, not plan 200.
  const documentId = take(findDocumentId(rest));
  const planId = take(findPlanId(rest));
  const alertId = take(findAlertId(rest));
  let amount = take(findMoney(rest));
  const version = take(findVersion(rest));
  const projectId = take(findProjectId(rest));
  const commitId = take(findCommitId(rest));

  // 2. Words: folded, phrases joined, typos mapped to the word they meant.
  let folded = rest
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/['’]/g, "'");
  for (const [pattern, word] of PHRASES) folded = folded.replace(pattern, word);
  const words = (
    folded
      .replace(/'s\b/g, '')
      .replace(/'/g, '')
      .match(/[a-z0-9ºª][a-z0-9ºª_-]*/g) ?? []
  ).map((w) => w.replace(/-+$/, ''));
  let typos = 0;
  const canonical = words.map((word) => {
    if (KNOWN.has(word)) return word;
    const meant = fuzzy(word);
    if (meant) typos++;
    return meant ?? word;
  });
  const used = new Set<number>();

  // 3. Entities spelled in words: "doce mil dólares", milestones, closed vocabularies.
  if (amount === undefined) amount = moneyInWords(canonical, used);
  const milestone = milestoneOf(canonical, used);
  const environment = firstOf(canonical, ENVIRONMENT_WORDS, used);
  const alertStatus = firstOf(canonical, ALERT_STATUS_WORDS);
  const severity = firstOf(canonical, SEVERITY_WORDS);
  const workflowStatus = firstOf(canonical, WORKFLOW_STATUS_WORDS);

  // 4. Intent.
  const senses: Sense[] = [];
  canonical.forEach((word, i) => {
    const sense = used.has(i) ? undefined : senseOf(word);
    if (sense) senses.push(sense);
  });
  const entityScores: Partial<Record<Domain, number>> = {
    funding: (projectId && milestone ? 3 : projectId ? 1 : 0) + (milestone ? 2 : 0) + (amount ? 1 : 0),
    compliance: planId ? 3 : 0,
    sync: (documentId ? 3 : 0) + (commitId ? 1 : 0),
    pipeline: repo ? 3 : 0,
    deploy: (version ? 2 : 0) + (environment ? 2 : 0),
    alerts: (alertId ? 2 : 0) + (severity ? 1 : 0) + (alertStatus && alertStatus !== 'open' ? 1 : 0),
    workflows: (workflowStatus ? 1 : 0) + (projectId && !milestone ? 1 : 0),
  };
  const question = /\?\s*$|^\s*¿/.test(raw) || /^(?:is|are|did|does|has|have|was|were)$/.test(words[0] ?? '');
  const verdict = classify({ senses, entityScores, question });
  // An area named without an action, with a version and not as a question, asks to deploy it ("deployment of inventory 5.3.1").
  if (verdict.intent === 'deploy.status' && verdict.how === 'default' && version && !question) {
    verdict.intent = 'deploy.start';
  }
  const warnings: string[] = [];
  if (verdict.intent === 'unknown') return unknown([verdict.reason ?? 'no intent recognised']);
  const confidence = Math.max(0, Math.round((verdict.confidence - 0.03 * typos) * 100) / 100);
  if (confidence < CONFIDENCE_THRESHOLD) {
    return { ...unknown([`low confidence (${confidence}) for ${verdict.intent}`]), confidence };
  }

  // 5. Args of that intent.
  const service = () => serviceOf(canonical, words, used);
  const args = argsFor(verdict.intent, {
    projectId,
    milestoneId: milestone,
    amount,
    status: verdict.intent === 'workflows.list' ? workflowStatus : alertStatus,
    severity,
    service,
    alertId,
    version,
    environment,
    planId,
    documentId,
    commitId,
    repo,
    ref,
  });
  // "i'm on it" or "ack" alone names neither an alert nor the area: not a request ("ack the alert" is one).
  const alertAction = verdict.intent === 'alerts.ack' || verdict.intent === 'alerts.resolve';
  if (alertAction && !args.alertId && !args.service && verdict.score < 2) {
    return unknown([`${verdict.intent} names no alert id and no service`]);
  }
  for (const field of REQUIRED[verdict.intent] ?? []) {
    if (args[field] === undefined) warnings.push(`missing ${field}`);
  }
  return { intent: verdict.intent, args, confidence, ...(warnings.length ? { warnings } : {}) };
}

/** "acme/web main": a bare word right after the repo is its branch, unless it is a word the engine knows. */
function bareRefAfter(text: string, repo: Found<string> | undefined): Found<string> | undefined {
  if (!repo) return undefined;
  const end = repo.index + repo.length;
  const match = /^\s+([A-Za-z0-9_][A-Za-z0-9._/-]*[A-Za-z0-9_])(?![\w/.-])/.exec(text.slice(end));
  if (!match) return undefined;
  const word = match[1]!.toLowerCase();
  if (KNOWN.has(word) || isNumberWord(word) || fuzzy(word) || /^\d+$/.test(word)) return undefined;
  return { value: match[1]!, index: end + match[0]!.length - match[1]!.length, length: match[1]!.length };
}

function unknown(warnings: string[]): LocalAnswer {
  return { intent: 'unknown', args: {}, confidence: 0, warnings };
}

interface Entities {
  projectId?: string;
  milestoneId?: string;
  amount?: number;
  status?: string;
  severity?: string;
  service: () => string | undefined;
  alertId?: string;
  version?: string;
  environment?: string;
  planId?: string;
  documentId?: string;
  commitId?: string;
  repo?: string;
  ref?: string;
}

/** Which entities each intent takes (the strict schemas refuse any other). */
const ARGS: Record<Exclude<Intent, 'unknown'>, readonly (keyof Entities)[]> = {
  'funding.status': ['projectId', 'milestoneId'],
  'funding.approve': ['projectId', 'milestoneId', 'amount'],
  'funding.reject': ['projectId', 'milestoneId'],
  'alerts.list': ['status', 'severity', 'service'],
  'alerts.ack': ['alertId', 'service'],
  'alerts.resolve': ['alertId', 'service'],
  'deploy.start': ['service', 'version', 'environment'],
  'deploy.approve': ['service', 'version'],
  'deploy.rollback': ['service', 'version'],
  'deploy.status': ['service'],
  'compliance.check': ['planId'],
  'compliance.status': ['planId'],
  'sync.log': ['documentId'],
  'sync.revert': ['documentId', 'commitId'],
  'pipeline.run': ['repo', 'ref'],
  'pipeline.status': ['repo', 'ref'],
  'workflows.list': ['projectId', 'status'],
};

const REQUIRED: Partial<Record<Intent, readonly string[]>> = {
  'funding.status': ['projectId', 'milestoneId'],
  'funding.approve': ['projectId', 'milestoneId'],
  'funding.reject': ['projectId', 'milestoneId'],
  'deploy.start': ['service', 'version'],
  'deploy.approve': ['service', 'version'],
  'deploy.rollback': ['service'],
  'deploy.status': ['service'],
  'compliance.check': ['planId'],
  'compliance.status': ['planId'],
  'sync.log': ['documentId'],
  'sync.revert': ['documentId'],
  'pipeline.run': ['repo'],
  'pipeline.status': ['repo'],
};

function argsFor(intent: Exclude<Intent, 'unknown'>, entities: Entities): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const field of ARGS[intent]) {
    const value = field === 'service' ? entities.service() : entities[field];
    if (value !== undefined) args[field] = value;
  }
  return args;
}

/** "twelve thousand dollars", "doce mil dólares": number words followed by a currency word. */
function moneyInWords(words: readonly string[], used: Set<number>): number | undefined {
  for (let i = 0; i < words.length; i++) {
    const number = readNumberWords(words, i);
    if (!number) continue;
    const currency = i + number.length;
    if (CURRENCY_WORDS.has(words[currency] ?? '')) {
      for (let j = i; j <= currency; j++) used.add(j);
      return number.value * 100;
    }
    i += number.length - 1;
  }
  return undefined;
}

/** M3 from "m3", "milestone 3", "milestone #3", "milestone two", "third milestone", "hito tres", "tercer hito". */
function milestoneOf(words: readonly string[], used: Set<number>): string | undefined {
  for (let i = 0; i < words.length; i++) {
    const short = /^m(\d+)$/.exec(words[i]!);
    if (short && Number(short[1]) > 0) {
      used.add(i);
      return `M${Number(short[1])}`;
    }
    if (!MILESTONE_WORDS.has(words[i]!)) continue;
    let next = i + 1;
    while (MILESTONE_FILLER.has(words[next] ?? '')) next++;
    const after = numberAt(words, next);
    if (after) {
      for (let j = i; j < next + after.length; j++) used.add(j);
      return `M${after.value}`;
    }
    let before = i - 1;
    if (['the', 'el', 'la'].includes(words[before] ?? '')) before--;
    const ordinal = ordinalValue(words[before] ?? '');
    if (ordinal) {
      used.add(i).add(before);
      return `M${ordinal}`;
    }
  }
  return undefined;
}

function numberAt(words: readonly string[], i: number): { value: number; length: number } | undefined {
  const word = words[i];
  if (word === undefined) return undefined;
  if (/^\d+$/.test(word)) return Number(word) > 0 ? { value: Number(word), length: 1 } : undefined;
  const ordinal = ordinalValue(word);
  if (ordinal) return { value: ordinal, length: 1 };
  const spelled = readNumberWords(words, i);
  return spelled && spelled.value > 0 ? spelled : undefined;
}

function firstOf<V>(words: readonly string[], table: ReadonlyMap<string, V>, used?: Set<number>): V | undefined {
  for (let i = 0; i < words.length; i++) {
    const value = table.get(words[i]!);
    if (value !== undefined) {
      used?.add(i);
      return value;
    }
  }
  return undefined;
}

/**
 * The service: the word after "service"/"servicio" (or before "service"), else the first word
 * that is not a keyword, filler, number or known value and was not a typo of a keyword.
 */
function serviceOf(
  canonical: readonly string[],
  words: readonly string[],
  used: ReadonlySet<number>,
): string | undefined {
  const candidate = (i: number) =>
    i >= 0 &&
    i < words.length &&
    !used.has(i) &&
    canonical[i] === words[i] &&
    !KNOWN.has(words[i]!) &&
    !isNumberWord(words[i]!) &&
    ordinalValue(words[i]!) === undefined &&
    /^[a-z][a-z0-9-]*$/.test(words[i]!) &&
    words[i]!.length >= 2;
  for (let i = 0; i < words.length; i++) {
    if (!SERVICE_WORDS.has(words[i]!)) continue;
    if (candidate(i + 1)) return words[i + 1];
    if (candidate(i - 1)) return words[i - 1];
  }
  return words.find((_, i) => candidate(i));
}
