/**
 * The gateway's routes as its /openapi.json describes them, and a plausible request body for a
 * route's schema: the bad-input fuzz starts from a body of the right shape and breaks one field
 * at a time, so each refusal is the route's own validation of that field, not "not an object".
 */

/** The slice of JSON Schema the gateway's OpenAPI document uses. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  default?: unknown;
  minimum?: number;
  minLength?: number;
  pattern?: string;
  format?: string;
  $ref?: string;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  /** As OpenAPI writes it: `/v1/workflows/{workflowId}`. */
  path: string;
  params: string[];
  query: { name: string; schema: JsonSchema }[];
  /** The JSON request body's schema, when the route reads one. */
  body?: JsonSchema;
}

interface OpenApiOperation {
  parameters?: { in: string; name: string; schema?: JsonSchema }[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

const METHODS = ['get', 'post', 'put', 'delete', 'patch'];

/** Every route and method of the document. */
export function routesOf(spec: OpenApiDocument): Route[] {
  const resolve = (schema: JsonSchema | undefined): JsonSchema | undefined => {
    if (!schema?.$ref) return schema;
    return spec.components?.schemas?.[schema.$ref.replace('#/components/schemas/', '')] ?? {};
  };
  return Object.entries(spec.paths).flatMap(([path, operations]) =>
    Object.entries(operations)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]) => ({
        method: method.toUpperCase() as Route['method'],
        path,
        params: [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] as string),
        query: (operation.parameters ?? [])
          .filter((parameter) => parameter.in === 'query')
          .map((parameter) => ({ name: parameter.name, schema: resolve(parameter.schema) ?? {} })),
        body: resolve(operation.requestBody?.content?.['application/json']?.schema),
      })),
  );
}

/** A value of the schema's shape (not necessarily one the route accepts: its rules are stricter). */
export function plausible(schema: JsonSchema | undefined, depth = 0): unknown {
  if (!schema || depth > 6) return 'x';
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  const alternative = schema.anyOf?.[0] ?? schema.oneOf?.[0];
  if (alternative) return plausible(alternative, depth + 1);
  if (schema.allOf?.length)
    return Object.assign({}, ...schema.allOf.map((part) => plausible(part, depth + 1)).filter(isObject));
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'object':
      return Object.fromEntries(
        Object.entries(schema.properties ?? {}).map(([key, property]) => [key, plausible(property, depth + 1)]),
      );
    case 'array':
      return [plausible(schema.items, depth + 1)];
    case 'integer':
    case 'number':
      return Math.max(1, schema.minimum ?? 1);
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'string':
      return schema.format === 'date-time' ? new Date(0).toISOString() : 'x1';
    default:
      return {};
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Paths to every place in `value` a malformed value may go (the root is `[]`). */
export function placesIn(value: unknown, at: (string | number)[] = [], out: (string | number)[][] = []) {
  out.push(at);
  if (Array.isArray(value)) value.forEach((item, i) => placesIn(item, [...at, i], out));
  else if (isObject(value)) for (const [key, item] of Object.entries(value)) placesIn(item, [...at, key], out);
  return out;
}

/** `value` with the place at `at` replaced (or removed, when `replacement` is `REMOVE`). */
export const REMOVE = Symbol('remove');
export function replaceAt(value: unknown, at: readonly (string | number)[], replacement: unknown): unknown {
  if (at.length === 0) return replacement === REMOVE ? undefined : replacement;
  const [head, ...rest] = at as [string | number, ...(string | number)[]];
  // An earlier mutation may have put a leaf (a Raw piece, a string) where this path went on: the place is gone.
  if (typeof value !== 'object' || value === null || value.constructor !== (Array.isArray(value) ? Array : Object))
    return value;
  if (Array.isArray(value)) {
    const copy = [...value];
    if (rest.length === 0 && replacement === REMOVE) copy.splice(Number(head), 1);
    else copy[Number(head)] = replaceAt(copy[Number(head)], rest, replacement);
    return copy;
  }
  const copy = { ...(value as Record<string, unknown>) };
  if (rest.length === 0 && replacement === REMOVE) delete copy[head];
  else copy[head] = replaceAt(copy[head], rest, replacement);
  return copy;
}
