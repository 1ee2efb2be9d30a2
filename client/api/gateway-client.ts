import { ApiError } from './errors';

/** A small client for the arxflow gateway (ARXFLOW_URL, ARXFLOW_TOKEN); errors come back as ApiErrors. */
export class GatewayClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string | undefined,
  ) {}

  async request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.baseUrl), {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(60_000),
      });
    } catch (err) {
      throw new ApiError(`cannot reach the gateway at ${this.baseUrl}: ${(err as Error).message}`, 503, 'unavailable');
    }
    const text = await response.text();
    const json = text ? JSON.parse(text) : undefined;
    if (!response.ok) {
      const status = ([400, 401, 403, 404, 409, 422, 429, 503] as const).find((s) => s === response.status) ?? 503;
      throw new ApiError(json?.message ?? `gateway answered ${response.status}`, status, json?.error ?? 'error');
    }
    return json as T;
  }
}
