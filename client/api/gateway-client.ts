import { InputError } from '../../domain/validation';
import { ApiError } from './errors';
import type { Caller } from './operations';

/** A bearer token, or how to get a fresh one for each request (a CLI that mints its own short-lived tokens). */
export type TokenSource = string | undefined | (() => Promise<string>);

export interface GatewayClientOptions {
  /** Appended to a 401's message: where the token came from and what to do about it. */
  unauthorizedHint?: string;
}

/** A stored file as the gateway sent it: a report's bytes and their content type. */
export interface Download {
  contentType: string;
  body: Buffer;
}

/** A small client for the arxflow gateway (ARXFLOW_URL, ARXFLOW_TOKEN); errors come back as ApiErrors. */
export class GatewayClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: TokenSource,
    private readonly options: GatewayClientOptions = {},
  ) {}

  /** The same gateway with another identity. */
  withToken(token: TokenSource): GatewayClient {
    return new GatewayClient(this.baseUrl, token, this.options);
  }

  async request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const response = await this.send(method, path, body);
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** A GET whose answer is a file (HTML, PDF, CSV...), not JSON: its bytes as sent. */
  async download(path: string): Promise<Download> {
    const response = await this.send('GET', path);
    return {
      contentType: response.headers.get('content-type') ?? 'application/octet-stream',
      body: Buffer.from(await response.arrayBuffer()),
    };
  }

  /** The response when it is 2xx; else the gateway's error body as an ApiError. */
  private async send(method: string, path: string, body?: unknown): Promise<Response> {
    // Outside the try: a token that cannot be minted is that error, not an unreachable gateway.
    const token = typeof this.token === 'function' ? await this.token() : this.token;
    // Outside the try too: a body JSON cannot carry (nested 10,000 deep, found by the bad-input chaos
    // scenario, overflows JSON.stringify) is bad input, exit 2, not an unreachable gateway.
    let payload: string | undefined;
    try {
      payload = body === undefined ? undefined : JSON.stringify(body);
    } catch (err) {
      // The engine's own words ("Maximum call stack size exceeded") read as a crash: say what is wrong with the input.
      const why = err instanceof RangeError ? 'nested too deeply' : (err as Error).message;
      throw new InputError(`request body: cannot be sent as JSON (${why})`);
    }
    let response: Response;
    try {
      response = await fetch(new URL(path, this.baseUrl), {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: payload,
        signal: AbortSignal.timeout(60_000),
      });
    } catch (err) {
      throw new ApiError(`cannot reach the gateway at ${this.baseUrl}: ${(err as Error).message}`, 503, 'unavailable');
    }
    if (response.ok) return response;
    const text = await response.text();
    let json: { message?: string; error?: string } | undefined;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined; // a proxy's HTML error page, say: the status still says what happened
    }
    const status = ([400, 401, 403, 404, 409, 422, 429, 503] as const).find((s) => s === response.status) ?? 503;
    const message = json?.message ?? `gateway answered ${response.status}`;
    const hint = status === 401 && this.options.unauthorizedHint ? ` (${this.options.unauthorizedHint})` : '';
    throw new ApiError(`${message}${hint}`, status, json?.error ?? 'error');
  }
}

/**
 * The base of the operations through the gateway (HttpOperations, HttpPipelineOperations,
 * HttpDeployOperations): the token decides who the caller is, so `caller` is not sent. Given
 * `tokenFor` (a CLI holding the gateway's signing secret), a write goes `as(caller)`, with a
 * token minted for its caller, so `--as` acts as it does on Temporal directly.
 */
export abstract class GatewayOperations {
  constructor(
    protected readonly gateway: GatewayClient,
    private readonly tokenFor?: (caller: Caller) => Promise<string>,
  ) {}

  /** The gateway with `caller`'s token when this client mints them; else with its own. */
  protected as(caller: Caller | undefined): GatewayClient {
    const { tokenFor } = this;
    return tokenFor && caller ? this.gateway.withToken(() => tokenFor(caller)) : this.gateway;
  }
}

/** A list filter as a query string (`?key=value&...`, '' when nothing is set); unset fields are left out. */
export function queryOf(filter: object): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) if (value !== undefined) query.set(key, String(value));
  const text = query.toString();
  return text ? `?${text}` : '';
}
