import { randomUUID } from 'node:crypto';
import { AlertSilences } from '../../db/alert-silences';
import type { SqlDatabase } from '../../db/sql';
import { parseSilenceRequest } from '../../domain/alerts/silence-schemas';
import { silenceState, type Silence, type SilenceState } from '../../domain/alerts/silences';
import { notFound } from './errors';
import type { GatewayClient } from './gateway-client';

export interface SilenceView extends Silence {
  state: SilenceState;
}

/** `current`: active and pending; `all`: with the expired ones (the record of what was suppressed). */
export type SilenceListing = 'current' | 'all';

/**
 * Silences for the gateway's /v1/silences and the CLI's `alerts silence`: one
 * implementation on the store, one through the gateway, failing with the same errors
 * (InputError naming the field, ApiError 404). Who may call is decided before: the
 * gateway by token role, the CLI on the store by whoever can reach the database.
 */
export interface SilenceOperations {
  add(body: unknown, createdBy: string): Promise<SilenceView>;
  list(listing: SilenceListing): Promise<SilenceView[]>;
  expire(id: string): Promise<SilenceView>;
}

export class StoreSilenceOperations implements SilenceOperations {
  private readonly silences: AlertSilences;

  constructor(
    db: SqlDatabase,
    private readonly now: () => number = Date.now,
  ) {
    this.silences = new AlertSilences(db);
  }

  async add(body: unknown, createdBy: string) {
    // The id is ours, never the caller's: one silence per request.
    const silence = parseSilenceRequest(body, { id: randomUUID(), createdBy, now: this.now() });
    return this.view(await this.silences.add(silence));
  }

  async list(listing: SilenceListing) {
    const found = listing === 'all' ? await this.silences.list() : await this.silences.current(new Date(this.now()));
    return found.map((silence) => this.view(silence));
  }

  async expire(id: string) {
    if (!(await this.silences.expire(id, new Date(this.now()))))
      throw notFound(`no silence ${id} is active or pending`);
    const silence = await this.silences.get(id);
    if (!silence) throw notFound(`no silence ${id}`);
    return this.view(silence);
  }

  private view(silence: Silence): SilenceView {
    return { ...silence, state: silenceState(silence, this.now()) };
  }
}

export class HttpSilenceOperations implements SilenceOperations {
  constructor(private readonly gateway: GatewayClient) {}

  add(body: unknown) {
    return this.gateway.request<SilenceView>('POST', '/v1/silences', body);
  }

  async list(listing: SilenceListing) {
    return (await this.gateway.request<{ silences: SilenceView[] }>('GET', `/v1/silences?state=${listing}`)).silences;
  }

  expire(id: string) {
    return this.gateway.request<SilenceView>('DELETE', `/v1/silences/${encodeURIComponent(id)}`);
  }
}
