import type { z } from 'zod';
import { readPlan } from '../compliance/plan-schema';
import { fieldIssues, InputError, issuesText, type FieldIssue } from '../validation';
import { budgetSchema } from './budget-schema';
import { jsonContentIssues } from './json-content';
import { scheduleSchema } from './schedule-schema';
import { DOCUMENT_KINDS, type DocumentKind, type JsonValue } from './sync-types';

/**
 * The registry of document kinds: what each one's content must satisfy, and which of its
 * arrays hold items with an id. Diffs and merges match such items by id (`spaces[id=S2]`)
 * rather than by position, so an insertion does not look like every later item changing and
 * two writers editing different spaces of one plan do not collide.
 */
export interface DocumentKindSpec {
  kind: DocumentKind;
  /** One line for help texts and errors. */
  title: string;
  /**
   * Top-level array name -> the field that identifies its items. Arrays not listed (and every
   * array of the `json` kind) are compared by position.
   */
  idFields: Readonly<Record<string, string>>;
  /** Issues of the kind's schema beyond plain JSON (dotted paths); none for `json`. */
  schemaIssues(content: unknown): FieldIssue[];
}

const zodIssues =
  (schema: () => z.ZodType) =>
  (content: unknown): FieldIssue[] => {
    const result = schema().safeParse(content);
    return result.success ? [] : fieldIssues(result.error.issues);
  };

const PLAN_ID_FIELDS = {
  levels: 'id',
  spaces: 'id',
  doors: 'id',
  corridors: 'id',
  stairs: 'id',
  accessibleRoutes: 'id',
} as const;

export const DOCUMENT_KIND_SPECS: Readonly<Record<DocumentKind, DocumentKindSpec>> = {
  plan: {
    kind: 'plan',
    title: 'a building plan (plan format v1, docs/plan-format.md)',
    idFields: PLAN_ID_FIELDS,
    schemaIssues: (content) => {
      const reading = readPlan(content);
      return reading.ok ? [] : fieldIssues(reading.issues);
    },
  },
  budget: {
    kind: 'budget',
    title: 'a budget: {budgetId, currency, lines: [{id, description, amountCents, category?}]}',
    idFields: { lines: 'id' },
    schemaIssues: zodIssues(() => budgetSchema),
  },
  schedule: {
    kind: 'schedule',
    title: 'a schedule: {scheduleId, tasks: [{id, name, start, end, dependsOn?}]}',
    idFields: { tasks: 'id' },
    schemaIssues: zodIssues(() => scheduleSchema),
  },
  json: {
    kind: 'json',
    title: 'any JSON value',
    idFields: {},
    schemaIssues: () => [],
  },
};

export function isDocumentKind(value: unknown): value is DocumentKind {
  return typeof value === 'string' && (DOCUMENT_KINDS as readonly string[]).includes(value);
}

/** The kind's id-keyed arrays (top-level array name -> id field). */
export function idFieldsOf(kind: DocumentKind): Readonly<Record<string, string>> {
  return DOCUMENT_KIND_SPECS[kind].idFields;
}

/**
 * Why `content` is not a valid document of `kind`, as issues naming each field by its dotted
 * path (`lines.2.amountCents: must be 0 or more (cents)`); empty when it is valid. Plain-JSON
 * problems come first: the kind's schema is asked only about plain JSON.
 */
export function documentContentIssues(kind: DocumentKind, content: unknown): FieldIssue[] {
  const spec = DOCUMENT_KIND_SPECS[kind];
  if (!spec)
    return [{ path: 'kind', message: `unknown document kind "${String(kind)}" (known: ${DOCUMENT_KINDS.join(', ')})` }];
  const jsonIssues = jsonContentIssues(content);
  return jsonIssues.length > 0 ? jsonIssues : spec.schemaIssues(content);
}

/**
 * The content, or an InputError naming every bad field (`content: lines.2.amountCents: ...`,
 * issues prefixed `content.` for 400 bodies): what the gateway and CLI call before staging.
 */
export function checkDocumentContent(kind: DocumentKind, content: unknown): JsonValue {
  const issues = documentContentIssues(kind, content).map((issue) => ({
    path: issue.path === '(root)' ? 'content' : issue.path === 'kind' ? 'kind' : `content.${issue.path}`,
    message: issue.message,
  }));
  if (issues.length > 0) throw new InputError(`${kind} document: ${issuesText(issues)}`, issues);
  return content as JsonValue;
}
