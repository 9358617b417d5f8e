// The payload codec without servers: every kind of payload settleflow's workflows carry (order input, update arguments
// and results, activity inputs and results, signals, queries, memos, failures with details) goes through the SDK's own
// conversion with the product's data converter, comes out sealed with nothing readable in it, and comes back equal.
// Unencrypted payloads pass through; unknown key ids, tampering and wrong keys fail with a clear error.

import { randomBytes } from 'node:crypto';
import { ApplicationFailure, defaultPayloadConverter } from '@temporalio/common';
import type { Payload } from '@temporalio/common';
import {
  decodeFailure,
  decodeFromPayloadsAtIndex,
  decodeMapFromPayloads,
  decodeOptionalFailureToOptionalError,
  encodeErrorToFailure,
  encodeMapToPayloads,
  encodeToPayloads,
  loadDataConverter,
} from '@temporalio/common/lib/internal-non-workflow';
import { temporal } from '@temporalio/proto';
import {
  AesGcmPayloadCodec,
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA,
  PayloadDecryptionError,
  payloadDataConverter,
} from '../../src/temporal/codec';
import {
  StaticPayloadKeys,
  derivedPayloadKey,
  parsePayloadKeys,
  payloadKeysFrom,
} from '../../src/temporal/payload-keys';

const keyA = { kid: 'tp-a', key: randomBytes(32) };
const keyB = { kid: 'tp-b', key: randomBytes(32) };
const keys = new StaticPayloadKeys([keyA]);
const converter = loadDataConverter(payloadDataConverter(keys));

/** Every byte of every payload (metadata and data) as text, to search for what must not be there. */
function wireText(payloads: readonly Payload[]): string {
  return payloads
    .map((payload) => Buffer.from(temporal.api.common.v1.Payload.encode(payload).finish()).toString('latin1'))
    .join('\n');
}

/** Secrets in the sample values: none may appear in an encoded payload. */
const SECRETS = ['Werkstrasse', 'Plant 2', '80331', 'PUMP-7', '4242', 'v1.', 'res-ord-7', 'MUC-HAM', '27450', 'Acme'];

const orderInput = {
  orderId: 'ord-7',
  sellerId: 'seller-1',
  customerId: 'customer-1',
  supplierId: 'supplier-1',
  carrierIds: ['carrier-1'],
  items: [{ sku: 'PUMP-7', description: 'pump', quantity: 2, unitPrice: { amount: 27_450, currency: 'EUR' } }],
  shipTo: { name: 'Plant 2', line1: 'Werkstrasse 1', city: 'Munich', postalCode: '80331', country: 'DE' },
};

const SAMPLES: Record<string, unknown> = {
  'order input': orderInput,
  'update argument (supplier answer)': {
    supplierId: 'supplier-1',
    answer: { available: true, reservationId: 'res-ord-7', items: [{ sku: 'PUMP-7', quantity: 2 }] },
  },
  'update argument (payment notification)': {
    customerId: 'customer-1',
    payment: { method: 'card', sealedCard: 'v1.c2VjcmV0', brand: 'visa', last4: '4242' },
  },
  'update result': { status: 'CONFIRMED', total: { amount: 27_450, currency: 'EUR' } },
  'activity input': { orderId: 'ord-7', shipTo: orderInput.shipTo, amountMinor: 27_450 },
  'activity result': { approved: true, authorizationCode: 'A1', last4: '4242', amountMinor: 27_450 },
  'signal argument': { carrierId: 'carrier-1', route: 'MUC-HAM' },
  'query result (order view)': { ...orderInput, status: 'PAID', seller: { name: 'Acme GmbH' } },
  'child workflow input': { orderId: 'ord-7', amount: { amount: 27_450, currency: 'EUR' }, last4: '4242' },
};

describe('payload codec', () => {
  it.each(Object.entries(SAMPLES))('round trip › %s › sealed on the wire, equal after decoding', async (_, value) => {
    const payloads = (await encodeToPayloads(converter, value)) ?? [];

    expect(payloads).toHaveLength(1);
    const [payload] = payloads as [Payload];
    expect(Buffer.from(payload.metadata?.encoding ?? []).toString()).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(payload.metadata?.[KEY_ID_METADATA] ?? []).toString()).toBe('tp-a');
    const wire = wireText(payloads);
    for (const secret of SECRETS) expect({ secret, found: wire.includes(secret) }).toEqual({ secret, found: false });
    expect(await decodeFromPayloadsAtIndex(converter, 0, payloads)).toEqual(value);
  });

  it('round trip › a memo › each field sealed, equal after decoding', async () => {
    const memo = { shipTo: orderInput.shipTo, note: 'Acme delivery' };

    const encoded = await encodeMapToPayloads(converter, memo);

    expect(Object.keys(encoded).sort()).toEqual(['note', 'shipTo']);
    for (const secret of SECRETS) expect(wireText(Object.values(encoded)).includes(secret)).toBe(false);
    expect(await decodeMapFromPayloads(converter, encoded)).toEqual(memo);
  });

  it('round trip › a failure with details › message, stack and details sealed, all back after decoding', async () => {
    const failure = ApplicationFailure.create({
      message: 'card 4242 declined for Acme at Werkstrasse 1',
      type: 'CardDeclined',
      nonRetryable: true,
      details: [{ last4: '4242', amountMinor: 27_450 }],
    });

    const proto = await encodeErrorToFailure(converter, failure);

    expect(proto.message).toBe('Encoded failure');
    expect(proto.stackTrace).toBe('');
    const wire = JSON.stringify(
      temporal.api.failure.v1.Failure.toObject(temporal.api.failure.v1.Failure.create(proto)),
    );
    const bytes = Buffer.from(temporal.api.failure.v1.Failure.encode(proto).finish()).toString('latin1');
    for (const secret of ['4242', 'Acme', 'Werkstrasse', 'declined']) {
      expect({ secret, found: wire.includes(secret) || bytes.includes(secret) }).toEqual({ secret, found: false });
    }
    const decoded = (await decodeOptionalFailureToOptionalError(converter, proto)) as ApplicationFailure;
    expect(decoded).toBeInstanceOf(ApplicationFailure);
    expect(decoded.message).toBe('card 4242 declined for Acme at Werkstrasse 1');
    expect(decoded.type).toBe('CardDeclined');
    expect(decoded.details).toEqual([{ last4: '4242', amountMinor: 27_450 }]);
  });

  it('decode › an unencrypted payload (recorded before the codec) › passes through unchanged', async () => {
    const plain = defaultPayloadConverter.toPayload(orderInput);

    expect(await decodeFromPayloadsAtIndex(converter, 0, [plain])).toEqual(orderInput);
    const codec = new AesGcmPayloadCodec(keys);
    expect(await codec.decode([plain])).toEqual([plain]);
  });

  it('decode › a failure recorded before the codec › decodes as before', async () => {
    const plainConverter = loadDataConverter();
    const proto = await encodeErrorToFailure(plainConverter, ApplicationFailure.create({ message: 'old failure' }));

    const decoded = await decodeOptionalFailureToOptionalError(converter, await decodeFailure([], proto));

    expect(decoded?.message).toBe('old failure');
  });

  it('rotation › payloads sealed under the old key › still open once a new key is current', async () => {
    const before = await new AesGcmPayloadCodec(new StaticPayloadKeys([keyA])).encode([
      defaultPayloadConverter.toPayload(orderInput),
    ]);
    const rotated = new AesGcmPayloadCodec(new StaticPayloadKeys([keyB, keyA]));

    const after = await rotated.encode([defaultPayloadConverter.toPayload(orderInput)]);

    expect(Buffer.from(after[0]?.metadata?.[KEY_ID_METADATA] ?? []).toString()).toBe('tp-b');
    const opened = await rotated.decode([...before, ...after]);
    expect(opened.map((payload) => defaultPayloadConverter.fromPayload(payload))).toEqual([orderInput, orderInput]);
  });

  it('decode › a key id this process does not have › fails naming the key id and the variable', async () => {
    const sealed = await new AesGcmPayloadCodec(new StaticPayloadKeys([keyB])).encode([
      defaultPayloadConverter.toPayload(orderInput),
    ]);

    const failure = await new AesGcmPayloadCodec(keys).decode(sealed).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(PayloadDecryptionError);
    expect((failure as PayloadDecryptionError).reason).toBe('unknown_key');
    expect((failure as Error).message).toContain('"tp-b"');
    expect((failure as Error).message).toContain('TEMPORAL_PAYLOAD_KEYS');
  });

  it('decode › a tampered ciphertext, or a key id swapped in the metadata › fails authentication', async () => {
    const codec = new AesGcmPayloadCodec(new StaticPayloadKeys([keyA, { kid: 'tp-a2', key: keyA.key }]));
    const [sealed] = (await codec.encode([defaultPayloadConverter.toPayload(orderInput)])) as [Payload];
    const data = Buffer.from(sealed.data ?? []);
    data[20] = (data[20] ?? 0) ^ 1;
    const tampered = { ...sealed, data };
    const moved = { ...sealed, metadata: { ...sealed.metadata, [KEY_ID_METADATA]: Buffer.from('tp-a2') } };

    for (const payload of [tampered, moved]) {
      const failure = await codec.decode([payload]).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(PayloadDecryptionError);
      expect((failure as PayloadDecryptionError).reason).toBe('undecodable');
    }
  });

  it('encode › the same value twice › two different ciphertexts (a fresh IV each time)', async () => {
    const codec = new AesGcmPayloadCodec(keys);
    const payload = defaultPayloadConverter.toPayload(orderInput);

    const [first, second] = await codec.encode([payload, payload]);

    expect(Buffer.from(first?.data ?? []).equals(Buffer.from(second?.data ?? []))).toBe(false);
    expect(
      Buffer.from(first?.data ?? [])
        .subarray(0, 12)
        .equals(Buffer.from(second?.data ?? []).subarray(0, 12)),
    ).toBe(false);
  });
});

describe('payload keys', () => {
  it('TEMPORAL_PAYLOAD_KEYS › two keys › the first is current, both open, the vault-derived key last', async () => {
    const text = `${keyB.kid}:${keyB.key.toString('base64')}, ${keyA.kid}:${keyA.key.toString('base64')}`;
    const vaultKey = randomBytes(32).toString('base64');

    const source = payloadKeysFrom({ payloadKeys: parsePayloadKeys(text), vaultKey });

    expect((await source.current()).kid).toBe('tp-b');
    expect(source.kids()).toEqual(['tp-b', 'tp-a', derivedPayloadKey(vaultKey).kid]);
    expect(await source.byKid('tp-a')).toEqual(keyA.key);
    expect(await source.byKid('nope')).toBeUndefined();
  });

  it('TEMPORAL_PAYLOAD_KEYS › malformed entries › refused naming the entry, never the key', () => {
    const short = randomBytes(16).toString('base64');
    expect(() => parsePayloadKeys(`k1:${short}`)).toThrow(
      'TEMPORAL_PAYLOAD_KEYS: the key "k1" is not base64 of 32 bytes',
    );
    expect(() => parsePayloadKeys(keyA.key.toString('base64'))).toThrow('entry 1 is not kid:base64');
    expect(() => parsePayloadKeys(`a:${keyA.key.toString('base64')},a:${keyB.key.toString('base64')}`)).toThrow(
      'the key id "a" is given twice',
    );
    const message = (() => {
      try {
        parsePayloadKeys(`k1:${short}`);
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message).not.toContain(short);
  });

  it('vault-derived key › two vault keys › two key ids (a rotated vault key is an unknown key id, not garbage)', () => {
    const one = derivedPayloadKey(randomBytes(32).toString('base64'));
    const two = derivedPayloadKey(randomBytes(32).toString('base64'));

    expect(one.kid).toMatch(/^vault-[0-9a-f]{8}$/);
    expect(one.kid).not.toBe(two.kid);
    expect(one.key.equals(two.key)).toBe(false);
  });

  it('no key configured › refused at start with the variables to set', () => {
    expect(() => payloadKeysFrom({ payloadKeys: undefined, vaultKey: undefined })).toThrow(
      'set TEMPORAL_PAYLOAD_KEYS (kid:base64 of 32 bytes) or SETTLEFLOW_VAULT_KEY',
    );
  });
});
