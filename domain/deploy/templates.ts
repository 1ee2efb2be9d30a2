/**
 * `{{name}}` placeholders in a deployment's URLs, queries, artifact paths and images
 * (arxflow.config.yaml's `deployments:` section). The config check lists each template's
 * variables (templateVariables) and refuses unknown ones, so rendering never meets a name it
 * does not know; a known variable without a value (no `previousVersion` on a first deploy)
 * renders as the empty string.
 */

/** Every variable a deployment template may use. */
export const TEMPLATE_VARIABLES = [
  'service',
  'environment',
  'version',
  'previousVersion',
  'baseUrl',
  'publicUrl',
] as const;
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** The variable names a template uses, in order of first use, each once. */
export function templateVariables(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((match) => match[1] ?? ''))];
}

/** The template with each `{{name}}` replaced by its value (a missing value: ''). */
export function renderTemplate(template: string, vars: Readonly<Partial<Record<string, string | undefined>>>): string {
  return template.replace(PLACEHOLDER, (_match, name: string) => (Object.hasOwn(vars, name) ? (vars[name] ?? '') : ''));
}

/** Why a template uses a variable outside `known`, or undefined. */
export function templateProblem(template: string, known: readonly string[] = TEMPLATE_VARIABLES): string | undefined {
  const unknown = templateVariables(template).filter((name) => !known.includes(name));
  if (unknown.length === 0) return undefined;
  return `unknown template variable ${unknown.map((name) => `{{${name}}}`).join(', ')} (known: ${known.map((name) => `{{${name}}}`).join(' ')})`;
}
