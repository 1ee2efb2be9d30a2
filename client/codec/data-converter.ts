import type { PayloadCodec } from '@temporalio/common';
import type { Settings } from '../../domain/settings';
import { codecFromKeys } from './aes-gcm-codec';
import { IdentityStampCodec, resolveIdentityKeys } from './identity-codec';

/**
 * How identities typed in the Temporal Web UI are treated:
 * - `trusted`: no real auth configured (local development): believed as typed;
 * - `stamped`: real auth (ARXFLOW_JWT_SECRET or ARXFLOW_JWKS_URL): believed only when the codec
 *   server stamped them for a verified caller; anything else is recorded as `unverified:...`;
 * - `off` (ARXFLOW_UI_IDENTITY=off): never stamped by the codec server, never believed.
 */
export type UiIdentityMode = 'trusted' | 'stamped' | 'off';

export function uiIdentityMode(settings: Settings): UiIdentityMode {
  if (settings.identity.ui === 'off') return 'off';
  return settings.auth.jwtSecret || settings.auth.jwksUrl ? 'stamped' : 'trusted';
}

/** What /readyz and `npm start` say about it. */
export function describeUiIdentity(mode: UiIdentityMode): string {
  if (mode === 'trusted') return 'trusted (development: no real auth)';
  if (mode === 'stamped') return 'stamped';
  return 'off';
}

export interface ArxflowCodecs {
  identity: IdentityStampCodec;
  /** AES-256-GCM when ARXFLOW_ENCRYPTION_KEYS is set. */
  encryption?: PayloadCodec;
  uiIdentity: UiIdentityMode;
}

export function codecsFor(settings: Settings): ArxflowCodecs {
  const uiIdentity = uiIdentityMode(settings);
  return {
    identity: new IdentityStampCodec(resolveIdentityKeys(settings), { trustUnstamped: uiIdentity === 'trusted' }),
    encryption: codecFromKeys(settings.encryptionKeys),
    uiIdentity,
  };
}

/**
 * The data converter of every trusted process (workers, the gateway's client, the CLI in
 * direct mode). Temporal encodes with payloadCodecs in order and decodes in reverse: the
 * stamp is made before encryption and checked after decryption.
 */
export function dataConverterOf(codecs: ArxflowCodecs): { payloadCodecs: PayloadCodec[] } {
  return { payloadCodecs: [codecs.identity, ...(codecs.encryption ? [codecs.encryption] : [])] };
}

/** dataConverterOf(codecsFor(settings)). */
export function dataConverterForSettings(settings: Settings): { payloadCodecs: PayloadCodec[] } {
  return dataConverterOf(codecsFor(settings));
}
