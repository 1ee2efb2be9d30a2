/**
 * Every route of the running gateway's /openapi.json fed malformed requests: path values that
 * traverse or carry control characters and invalid UTF-8, odd query values, and bodies of the
 * route's own shape with fields broken (wrong types, 5 MB strings, 10,000-deep nesting, NaN /
 * 1e400 / negative amounts, invalid UTF-8 bytes sent raw), or no JSON at all. Requests go over a
 * raw socket client (node:http), so `..` and bytes fetch would normalise reach the gateway as sent.
 * Per case: never a 5xx, never a hang over 10 s, never a dropped connection; a refused request
 * (4xx) writes no store row; afterwards no workflow a refused request named exists.
 */
import http from 'node:http';
import fc from 'fast-check';
import { WORKFLOW_REGISTRY } from '../../client/api/registry';
import { invalidUnicodeIn } from '../../domain/unicode';
import {
  describe,
  encode,
  malformedDocument,
  malformedValue,
  badString,
  CONTROL_STRINGS,
  TRAVERSAL_IDS,
  type Fuzzed,
} from './malformed';
import { placesIn, plausible, REMOVE, replaceAt, routesOf, type OpenApiDocument, type Route } from './openapi-routes';
import { HANG_MS, Tally, timed } from './tally';
import { rowChanges, type FuzzWorld } from './world';

/** The gateway's body limit: a larger body may be refused by closing the connection mid-upload. */
const BODY_LIMIT = 1024 * 1024;

interface HttpCase {
  segments: { text: string; raw: boolean }[];
  query: [string, string][];
  body?: Buffer;
  bodyLabel: string;
  contentType?: string;
  auth: 'token' | 'none' | 'garbage';
}

interface Answer {
  status: number | 'reset';
  text: string;
  error?: string;
}

/** Percent-encodes every byte outside the unreserved set (and `/` too unless `raw`). */
function percentEncode(text: string, raw: boolean): string {
  const keep = raw ? /[A-Za-z0-9\-._~/]/ : /[A-Za-z0-9\-._~]/;
  return [...Buffer.from(text, 'utf8')]
    .map((byte) =>
      keep.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).padStart(2, '0').toUpperCase()}`,
    )
    .join('');
}

const segmentArbitrary = fc.oneof(
  fc.record({ text: fc.constantFrom(...TRAVERSAL_IDS), raw: fc.boolean() }),
  fc.record({ text: badString, raw: fc.constant(false) }),
  fc.record({ text: fc.constantFrom(...CONTROL_STRINGS), raw: fc.constant(false) }),
  // Invalid UTF-8 as percent escapes, an encoded NUL, a segment over the router's 1,024 limit.
  fc.record({
    text: fc.constantFrom('%FF%FE', '%C3', '%ED%A0%80', '%00', '%2F', 'x'.repeat(2000)),
    raw: fc.constant(true),
  }),
  fc.record({ text: fc.constant('x1'), raw: fc.constant(false) }),
);

const queryValue = fc.oneof(
  badString,
  fc.constantFrom('NaN', '1e400', '-1', '-0', '0', '1.5', '9007199254740993', 'true', '[]', '{}', 'x'.repeat(5000)),
);

function caseArbitrary(route: Route): fc.Arbitrary<HttpCase> {
  const base = route.body ? plausible(route.body) : undefined;
  const places = placesIn(base);
  const mutation = fc.record({
    place: fc.nat(places.length - 1),
    value: fc.oneof({ arbitrary: malformedValue, weight: 6 }, { arbitrary: fc.constant<unknown>(REMOVE), weight: 1 }),
  });
  // A body of the route's shape with one to three places broken, or a whole malformed document.
  const shaped = fc.array(mutation, { minLength: 1, maxLength: 3 }).map((mutations) => {
    const value = mutations.reduce<unknown>(
      (body, { place, value }) => replaceAt(body, places[place] as (string | number)[], value),
      base,
    );
    return { body: encode((value === undefined ? null : value) as Fuzzed), label: describe(value as Fuzzed) };
  });
  const whole = malformedDocument.map((value) => ({ body: encode(value), label: describe(value) }));
  const withBody = route.method !== 'GET';
  const body: fc.Arbitrary<{ body?: Buffer; label: string }> = !withBody
    ? fc.constant({ label: '' })
    : route.body
      ? fc.oneof({ arbitrary: shaped, weight: 4 }, { arbitrary: whole, weight: 1 })
      : fc.oneof(whole, fc.constant({ label: '(none)' }));
  const knownQuery = route.query.map((q) => q.name);
  return fc.record({
    segments: fc.array(segmentArbitrary, { minLength: route.params.length, maxLength: route.params.length }),
    query: fc.array(
      fc.tuple(
        knownQuery.length
          ? fc.oneof(fc.constantFrom(...knownQuery), fc.string({ maxLength: 6 }))
          : fc.string({ maxLength: 6 }),
        queryValue,
      ),
      { maxLength: 3 },
    ),
    body: body.map((b) => b.body),
    bodyLabel: body.map((b) => b.label),
    contentType: fc.oneof(
      { arbitrary: fc.constant('application/json'), weight: 8 },
      {
        arbitrary: fc.constantFrom(
          'text/plain',
          'application/json; charset=latin1',
          'application/x-www-form-urlencoded',
          undefined,
        ),
        weight: 1,
      },
    ),
    auth: fc.oneof(
      { arbitrary: fc.constant('token' as const), weight: 9 },
      { arbitrary: fc.constantFrom('none' as const, 'garbage' as const), weight: 1 },
    ),
  });
}

function pathOf(route: Route, c: HttpCase): string {
  let i = 0;
  const path = route.path.replace(/\{[^}]+\}/g, () => {
    const segment = c.segments[i++] ?? { text: 'x1', raw: false };
    return segment.raw && /^[\x21-\x7e]*$/.test(segment.text) ? segment.text : percentEncode(segment.text, segment.raw);
  });
  const query = c.query.map(([k, v]) => `${percentEncode(k, false)}=${percentEncode(v, false)}`).join('&');
  return query ? `${path}?${query}` : path;
}

function send(url: URL, method: string, path: string, c: HttpCase, token: string, agent: http.Agent): Promise<Answer> {
  return new Promise((resolve) => {
    const headers: Record<string, string | number> = {};
    if (c.auth === 'token') headers.authorization = `Bearer ${token}`;
    if (c.auth === 'garbage') headers.authorization = 'Bearer \u00ff.not.a.jwt';
    if (c.body) {
      if (c.contentType) headers['content-type'] = c.contentType;
      headers['content-length'] = c.body.length;
    }
    const request = http.request({ host: url.hostname, port: url.port, method, path, headers, agent }, (response) => {
      const status = response.statusCode ?? 0;
      // A live stream never ends by itself: its answer is its status.
      if (String(response.headers['content-type']).startsWith('text/event-stream')) {
        response.destroy();
        resolve({ status, text: '' });
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        if (size < 2000) chunks.push(chunk);
        size += chunk.length;
      });
      response.on('end', () => resolve({ status, text: Buffer.concat(chunks).toString('utf8').slice(0, 600) }));
      response.on('error', (err) => resolve({ status, text: '', error: err.message }));
    });
    // The gateway answers a body over its limit (413) before the upload ends and closes the socket: the rest of
    // the upload then fails on a socket the finished request no longer listens to. That error is the refusal.
    request.on('socket', (socket) => socket.on('error', () => undefined));
    request.on('error', (err) =>
      resolve({ status: 'reset', text: '', error: `${(err as NodeJS.ErrnoException).code ?? ''} ${err.message}` }),
    );
    request.end(c.body);
  });
}

/** Ids a request names that a start, signal-with-start or alert could have used. */
function idsNamedBy(route: Route, c: HttpCase): string[] {
  const ids = c.segments.map((s) => s.text);
  const type = /^\/v1\/workflows\/([A-Za-z]+)$/.exec(route.path)?.[1];
  const entry = type ? WORKFLOW_REGISTRY[type] : undefined;
  if (entry && c.body) {
    try {
      ids.push((entry.workflowId as (input: unknown) => string)(JSON.parse(c.body.toString('utf8'))));
    } catch {
      // not JSON, or no key: nothing it could have started under a known id
    }
  }
  // Temporal takes only well-formed text as an id: another could not have named a workflow.
  return ids.filter((id) => id.length > 0 && id.length <= 1000 && invalidUnicodeIn(id, 'id') === undefined);
}

export interface HttpFuzzResult {
  tally: Tally;
  routes: Route[];
  /** Ids refused requests named (checked afterwards by describe). */
  namedIds: Set<string>;
  /** Workflow ids accepted (2xx) requests answered with: those did start something, as asked. */
  acceptedIds: Set<string>;
}

/**
 * Fuzzes every route `runsPerRoute` times (a share unauthenticated). `seed` makes a run
 * repeatable. A failing route is shrunk by fast-check and fuzzing moves on to the next.
 */
export async function fuzzHttp(
  world: FuzzWorld,
  options: {
    runsPerRoute: number;
    seed: number;
    log: (line: string) => void;
    /** Fuzz only this route (`POST /v1/workflows/{type}`), with the seeds of a whole run: replays a reported case. */
    only?: string;
  },
): Promise<HttpFuzzResult> {
  const tally = new Tally('http');
  const url = new URL(world.url);
  const spec = (await (await fetch(`${world.url}/openapi.json`)).json()) as OpenApiDocument;
  const routes = routesOf(spec);
  // A connection per request: a socket the gateway closed after refusing the last request (413, 431) is never reused.
  const agent = new http.Agent({ keepAlive: false, maxSockets: 1 });
  const namedIds = new Set<string>();
  const acceptedIds = new Set<string>();
  try {
    for (const [index, route] of routes.entries()) {
      const target = `${route.method} ${route.path}`;
      if (options.only !== undefined && target !== options.only) continue;
      const property = async (c: HttpCase): Promise<boolean> => {
        const path = pathOf(route, c);
        const before = await world.rows();
        const { result, ms, hung } = await timed(() => send(url, route.method, path, c, world.token, agent));
        const input = `${route.method} ${path.slice(0, 300)} auth=${c.auth} type=${c.contentType} body=${c.bodyLabel}`;
        if (hung || !result) {
          tally.count(target, 'hang', ms, input);
          tally.fail('hang', target, input, `no answer within ${HANG_MS} ms`, { ms });
          return false;
        }
        tally.count(target, result.status, ms, input);
        if (result.status === 'reset') {
          // The gateway may refuse a body over its limit by closing the upload; anything else is a dropped connection.
          if ((c.body?.length ?? 0) > BODY_LIMIT) return true;
          tally.fail('crash', target, input, `connection dropped: ${result.error}`, { ms });
          return false;
        }
        if (result.status >= 500 && !(route.path === '/readyz' && result.status === 503)) {
          tally.fail('5xx', target, input, `${result.status} ${result.text}`, { ms });
          return false;
        }
        if (result.status >= 400) {
          for (const id of idsNamedBy(route, c)) namedIds.add(id);
          const changed = rowChanges(before, await world.rows());
          if (changed.length > 0) {
            tally.fail('rows written', target, input, `${result.status}, yet ${changed.join(', ')}`, { ms });
            return false;
          }
        } else if (result.status < 300 && route.method !== 'GET') {
          const started = /"workflowId"\s*:\s*"([^"]+)"/.exec(result.text)?.[1];
          if (started) acceptedIds.add(started);
        }
        return true;
      };
      // Up to three rounds: a failing route is shrunk, reported, and fuzzed on with the next seed.
      let left = options.runsPerRoute;
      for (let round = 0; round < 3 && left > 0; round++) {
        const failuresBefore = tally.failures.length;
        const details = await fc.check(fc.asyncProperty(caseArbitrary(route), property), {
          numRuns: left,
          seed: options.seed + index * 7919 + round,
          endOnFailure: false,
          interruptAfterTimeLimit: 120_000,
          markInterruptAsFailure: false,
        });
        if (!details.failed) break;
        // Shrinking failed many times on its way down: the last failure is the smallest input.
        const last = tally.keepLast(failuresBefore, details);
        const shrunk = details.counterexample?.[0];
        if (shrunk) {
          if (last)
            last.input = `(shrunk) ${route.method} ${pathOf(route, shrunk).slice(0, 300)} auth=${shrunk.auth} type=${shrunk.contentType} body=${shrunk.bodyLabel}`;
        }
        left -= details.numRuns;
        options.log(`  ${target}: ${tally.failures[tally.failures.length - 1]?.detail ?? 'failed'}`);
      }
    }
  } finally {
    agent.destroy();
  }
  return { tally, routes, namedIds, acceptedIds };
}
