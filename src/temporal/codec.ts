// The payload codec of every settleflow Temporal client and worker: each payload (workflow and activity inputs and
// results, updates, signals, queries, memos, failure details and, with the failure converter, failure messages and
// stack traces) is sealed with AES-256-GCM under the current `temporal-payloads` key before it leaves the process, so
// Temporal's history holds no order or payment data in clear. Search attributes do not pass through codecs and stay
// readable. Decoding passes an unencrypted payload through (histories recorded before the codec).
// It must never log a payload or a key, nor put either into an error message.

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { FAILURE_CONVERTER_MARKER } from './failure-converter';
import type { PayloadKeys } from './payload-keys';

/** The metadata `encoding` of a sealed payload. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';

/** The metadata entry naming the key a payload is sealed under. */
export const KEY_ID_METADATA = 'encryption-key-id';

/** The metadata entry naming the cipher (and the layout of `data`: IV, ciphertext, tag). */
export const CIPHER_METADATA = 'encryption-cipher';

const CIPHER = 'AES256-GCM';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Where the failure converter that encodes failure messages and stack traces lives (for bundles and workers). */
export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

/** A payload sealed under a key id this process does not have, or that fails authentication. */
export class PayloadDecryptionError extends Error {
  constructor(
    message: string,
    /** The key id the payload names. */
    readonly kid: string | undefined,
    /** Why: no key with that id here, or the payload is malformed or fails authentication. */
    readonly reason: 'unknown_key' | 'undecodable' = 'undecodable',
  ) {
    super(message);
    this.name = 'PayloadDecryptionError';
  }
}

const text = (value: string): Uint8Array => Buffer.from(value, 'utf8');
const metadataText = (payload: Payload, name: string): string | undefined => {
  const value = payload.metadata?.[name];
  return value ? Buffer.from(value).toString('utf8') : undefined;
};

/** Whether a payload is one this codec sealed. */
export function isEncryptedPayload(payload: Payload): boolean {
  return metadataText(payload, 'encoding') === ENCRYPTED_ENCODING;
}

/**
 * AES-256-GCM payload codec: a fresh 96-bit IV per payload, the key id in the metadata and in the additional
 * authenticated data (a payload moved under another id fails to open), the whole original payload (its metadata and
 * data, protobuf-encoded) as the plaintext.
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  constructor(private readonly keys: PayloadKeys) {}

  /** Seals every payload under the current key. */
  async encode(payloads: Payload[]): Promise<Payload[]> {
    if (payloads.length === 0) return payloads;
    const { kid, key } = await this.keys.current();
    return payloads.map((payload) => {
      const plaintext = temporal.api.common.v1.Payload.encode(payload).finish();
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(text(kid));
      const sealed = Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: {
          encoding: text(ENCRYPTED_ENCODING),
          [KEY_ID_METADATA]: text(kid),
          [CIPHER_METADATA]: text(CIPHER),
        },
        data: sealed,
      };
    });
  }

  /**
   * Opens every sealed payload with the key its metadata names; passes any other payload through unchanged.
   * @throws PayloadDecryptionError for an unknown key id, another cipher, or a payload that fails authentication
   */
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.all(payloads.map((payload) => this.open(payload)));
  }

  private async open(payload: Payload): Promise<Payload> {
    if (!isEncryptedPayload(payload)) return payload;
    const kid = metadataText(payload, KEY_ID_METADATA);
    if (!kid) throw new PayloadDecryptionError('an encrypted Temporal payload names no key id', undefined);
    const cipherName = metadataText(payload, CIPHER_METADATA);
    if (cipherName !== undefined && cipherName !== CIPHER) {
      throw new PayloadDecryptionError(`an encrypted Temporal payload uses an unknown cipher (${cipherName})`, kid);
    }
    const key = await this.keys.byKid(kid);
    if (!key) {
      throw new PayloadDecryptionError(
        `an encrypted Temporal payload names the key id "${kid}", which this process does not have ` +
          '(a retired temporal-payloads key, or a TEMPORAL_PAYLOAD_KEYS entry dropped: retire a key only once the ' +
          'histories it sealed are gone)',
        kid,
        'unknown_key',
      );
    }
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) {
      throw new PayloadDecryptionError(`an encrypted Temporal payload under key "${kid}" is truncated`, kid);
    }
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
    decipher.setAAD(text(kid));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plaintext: Buffer;
    try {
      plaintext = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(
        `an encrypted Temporal payload under key "${kid}" fails authentication (tampered, or another key with that id)`,
        kid,
      );
    }
    return temporal.api.common.v1.Payload.decode(plaintext);
  }
}

/**
 * The data converter of every settleflow client and worker: the AES-256-GCM codec over `keys`, and the failure
 * converter that moves failure messages and stack traces into an encoded (so encrypted) payload. Workers that run a
 * prebuilt workflow bundle need it built with `failureConverterPath: FAILURE_CONVERTER_PATH` (see bundleOptions).
 */
export function payloadDataConverter(keys: PayloadKeys): DataConverter {
  return { payloadCodecs: [new AesGcmPayloadCodec(keys)], failureConverterPath: FAILURE_CONVERTER_PATH };
}

/** What `bundleWorkflowCode` needs so the workflows' failures are encoded too (their converter runs in the sandbox). */
export const WORKFLOW_BUNDLE_CONVERTERS = { failureConverterPath: FAILURE_CONVERTER_PATH } as const;

/**
 * Checks that a prebuilt workflow bundle was built with WORKFLOW_BUNDLE_CONVERTERS: without it the workflows' failure
 * messages would reach history in clear.
 * @throws Error naming the bundle and the fix
 */
export function assertBundleEncodesFailures(codePath: string): void {
  if (!readFileSync(codePath, 'utf8').includes(FAILURE_CONVERTER_MARKER)) {
    throw new Error(
      `the workflow bundle ${codePath} was built without settleflow's failure converter: rebuild it with ` +
        "bundleWorkflowCode({ ..., failureConverterPath: FAILURE_CONVERTER_PATH }) from 'src/temporal/codec'",
    );
  }
}
