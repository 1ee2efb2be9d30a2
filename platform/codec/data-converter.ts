import type { PayloadCodec } from '@temporalio/common';
import type { Settings } from '../../domain/settings';
import { codecFromKeys, MissingKeysCodec } from './aes-gcm-codec';
import { IdentityStampCodec, resolveIdentityKeys } from './identity-codec';

/**
 * How identities typed in the Temporal Web UI are treated:
 * - `trusted`: believed as typed. Only local development (the embedded dev server:
 *   TEMPORAL_ADDRESS unset, and no real auth), or ARXFLOW_UI_IDENTITY=trusted explicitly;
 * - `stamped` (every other case, so a worker against a shared Temporal fails closed): believed
 *   only when the codec server stamped them for a verified caller; anything else is recorded
 *   as `unverified:...`;
 * - `off` (ARXFLOW_UI_IDENTITY=off): never stamped by the codec server, never believed.
 */
export type UiIdentityMode = 'trusted' | 'stamped' | 'off';

export function uiIdentityMode(settings: Settings): UiIdentityMode {
  const asked = settings.identity.ui;
  if (asked === 'off' || asked === 'trusted' || asked === 'stamped') return asked;
  const development = !settings.temporalAddress && !settings.auth.jwtSecret && !settings.auth.jwksUrl;
  return development ? 'trusted' : 'stamped';
}

/** What /readyz and `npm start` say about it. */
export function describeUiIdentity(mode: UiIdentityMode): string {
  if (mode === 'trusted') return 'trusted (development, or ARXFLOW_UI_IDENTITY=trusted)';
  if (mode === 'stamped') return 'stamped';
  return 'off';
}

export interface ArxflowCodecs {
  identity: IdentityStampCodec;
  /** AES-256-GCM when ARXFLOW_ENCRYPTION_KEYS is set. */
  encryption?: PayloadCodec;
  uiIdentity: UiIdentityMode;
}

export function codecsFor(settings: Settings, options: { stampWindowMs?: number } = {}): ArxflowCodecs {
  const uiIdentity = uiIdentityMode(settings);
  return {
    identity: new IdentityStampCodec(resolveIdentityKeys(settings), {
      trustUnstamped: uiIdentity === 'trusted',
      stampWindowMs: options.stampWindowMs,
    }),
    encryption: codecFromKeys(settings.encryptionKeys),
    uiIdentity,
  };
}

/**
 * The data converter of every trusted process (workers, the gateway's client, the CLI in
 * direct mode). Temporal encodes with payloadCodecs in order and decodes in reverse: the
 * stamp is made before encryption and checked after decryption. A worker's (`role: 'worker'`)
 * also hands verified stamps to its workflows in stamped mode (workflows/identity-interceptor.ts
 * judges their age and reuse); clients must not: their decoded results would carry them.
 */
export function dataConverterOf(
  codecs: ArxflowCodecs,
  role: 'client' | 'worker' = 'client',
): { payloadCodecs: PayloadCodec[] } {
  const identity = role === 'worker' ? codecs.identity.forWorker() : codecs.identity;
  // Without keys, MissingKeysCodec stands where the cipher would: an encrypted payload is
  // refused naming ARXFLOW_ENCRYPTION_KEYS, not with the converter's "Unknown encoding".
  return { payloadCodecs: [identity, codecs.encryption ?? MISSING_KEYS] };
}

const MISSING_KEYS = new MissingKeysCodec();

/** dataConverterOf(codecsFor(settings), role). */
export function dataConverterForSettings(
  settings: Settings,
  role: 'client' | 'worker' = 'client',
): { payloadCodecs: PayloadCodec[] } {
  return dataConverterOf(codecsFor(settings), role);
}
