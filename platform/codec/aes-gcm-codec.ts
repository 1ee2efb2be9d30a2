import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

const ENCODING = 'binary/encrypted';
const CIPHER = 'AES-256-GCM';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

/**
 * Parses ARXFLOW_ENCRYPTION_KEYS: `keyId:base64key[,keyId:base64key...]`, 32-byte keys.
 * The first key encrypts; every listed key decrypts, so a key is rotated by putting the
 * new one first and keeping the old one until no history needs it.
 */
export function parseEncryptionKeys(spec: string): EncryptionKey[] {
  const keys = spec.split(',').map((entry, index) => {
    const [id, material] = entry.trim().split(':');
    if (!id || !material) throw new Error(`ARXFLOW_ENCRYPTION_KEYS: entry ${index + 1} must be keyId:base64key`);
    const key = Buffer.from(material, 'base64');
    if (key.length !== 32)
      throw new Error(`ARXFLOW_ENCRYPTION_KEYS: key ${id} must be 32 bytes of base64 (got ${key.length})`);
    return { id, key };
  });
  const ids = keys.map((k) => k.id);
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate) throw new Error(`ARXFLOW_ENCRYPTION_KEYS: key id ${duplicate} is listed twice`);
  return keys;
}

/** AES-256-GCM PayloadCodec with the key id in each payload's metadata. */
export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly byId: Map<string, Buffer>;
  private readonly current: EncryptionKey;

  constructor(keys: EncryptionKey[]) {
    if (keys.length === 0) throw new Error('AesGcmPayloadCodec needs at least one key');
    this.current = keys[0]!;
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: {
          encoding: Buffer.from(ENCODING),
          'encryption-cipher': Buffer.from(CIPHER),
          'encryption-key-id': Buffer.from(this.current.id),
        },
        data: sealed,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (Buffer.from(payload.metadata?.encoding ?? []).toString() !== ENCODING) return payload;
      const keyId = keyIdOf(payload);
      const key = this.byId.get(keyId);
      if (!key)
        throw new EncryptionKeyMissingError(
          `payload encrypted with unknown key id "${keyId}": ARXFLOW_ENCRYPTION_KEYS here lists ` +
            `${[...this.byId.keys()].join(', ')} only; add the key with id ${keyId} (after the current one), ` +
            "as the deployment's workers have it",
          keyId,
        );
      const sealed = Buffer.from(payload.data ?? []);
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}

/**
 * Thrown where an encrypted payload meets a process without its key: the message says
 * which variable to set and which key id, where Temporal's payload converter would only say
 * "Unknown encoding: binary/encrypted".
 */
export class EncryptionKeyMissingError extends Error {
  constructor(
    message: string,
    readonly keyId: string,
  ) {
    super(message);
    this.name = 'EncryptionKeyMissingError';
  }
}

function keyIdOf(payload: Payload): string {
  return Buffer.from(payload.metadata?.['encryption-key-id'] ?? []).toString();
}

/**
 * The codec of a process without ARXFLOW_ENCRYPTION_KEYS: encodes nothing, lets plain
 * payloads through, and refuses an encrypted one saying what is missing. Last in the codec
 * list, so it is the first to see a payload coming back from Temporal.
 */
export class MissingKeysCodec implements PayloadCodec {
  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads;
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    const sealed = payloads.find((payload) => Buffer.from(payload.metadata?.encoding ?? []).toString() === ENCODING);
    if (!sealed) return payloads;
    const keyId = keyIdOf(sealed);
    throw new EncryptionKeyMissingError(
      `this payload is encrypted (${CIPHER}${keyId ? `, key id "${keyId}"` : ''}) and ARXFLOW_ENCRYPTION_KEYS is not set ` +
        `here: set it to the deployment's keys (keyId:base64-32-bytes[,...]${keyId ? `, including the key with id ${keyId}` : ''}), ` +
        "as the deployment's workers have them",
      keyId,
    );
  }
}

/** The codec for these settings, or undefined when encryption is off. */
export function codecFromKeys(spec: string | undefined): AesGcmPayloadCodec | undefined {
  return spec ? new AesGcmPayloadCodec(parseEncryptionKeys(spec)) : undefined;
}
