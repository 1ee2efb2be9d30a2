import { z } from 'zod';

/*
 * Response schemas shared by the routes, for /openapi.json. With fastify-type-provider-zod a
 * response schema also SERIALIZES the body: a schema stricter than what is sent turns the
 * answer into a 500, and an object schema drops the keys it does not list. So every schema
 * here is loose (z.looseObject) unless the body is ours and closed, and times accept both a
 * Date (serialized as ISO 8601) and a string.
 */

/** One field of a refused input (domain/validation.ts FieldIssue). */
export const fieldIssueSchema = z.object({
  path: z.string().describe('dotted path of the field, prefixed by where it was (body., querystring., params.)'),
  message: z.string(),
});

/**
 * The error body of every route (gateway/errors.ts, the auth hooks, the intake guards):
 * `error` is a stable code, `message` is for people, `issues` lists the fields of a refused
 * input. Loose: a few routes add their own keys (PagerDuty's `status` and `errors`, a
 * webhook's `paths`), and nothing sent may be dropped.
 */
export const errorBody = z.looseObject({
  error: z
    .string()
    .describe(
      'bad_input, unauthorized, forbidden, not_found, already_started, rejected, rate_limited, unavailable, ' +
        "or the route's own code",
    ),
  message: z.string(),
  issues: z.array(fieldIssueSchema).optional().describe('bad_input: each refused field, when known'),
});

const ERROR_MEANINGS = {
  400: 'Bad input: the message names each refused field (listed in `issues` too, when known); nothing was done',
  401: 'No valid credentials (bearer token, intake token or signature)',
  403: 'The token holds none of the roles this needs',
  404: 'Not found',
  409: 'Conflict: started or in progress already',
  422: 'Refused by a rule or by the workflow (the message says why)',
  429: 'Rate limited: retry later',
  503: 'Temporal is unreachable: retry after the seconds in the `Retry-After` header',
} as const;
export type ErrorStatus = keyof typeof ERROR_MEANINGS;

/**
 * The error responses of a route, each with the shared body; `meanings` replaces the
 * default description of a code where the route means something more precise.
 */
export function errorResponses(
  codes: readonly ErrorStatus[],
  meanings: Partial<Record<ErrorStatus, string>> = {},
): Partial<Record<ErrorStatus, typeof errorBody>> {
  return Object.fromEntries(codes.map((code) => [code, errorBody.describe(meanings[code] ?? ERROR_MEANINGS[code])]));
}

/** A point in time, ISO 8601 on the wire (the store hands out Dates, operations strings). */
export const instant = z.union([z.date(), z.string()]).describe('ISO 8601 time');

/** A 204: no body (send it with `reply.code(204).send()`, which serializes nothing). */
export const noContent = z.undefined().describe('No content');
