// The gateway's signed notices without servers (an in-memory key store): the canonical payload of a transfer notice
// and a settlement note, its signature verified with the JWKS through jose as a seller would, a tampered payload or
// signature refused, other notices left unsigned; the JWKS read again when stale; and the payload codec's keys taken
// from the key ring (a rotation gives new payloads a new kid, old ones still open; TEMPORAL_PAYLOAD_KEYS overrides;
// the vault-derived key opens history from before the key ring).

import { compactVerify, createLocalJWKSet } from 'jose';
import type { NoticeDraft } from '../../src/contracts/order-contract';
import { notice } from '../../src/contracts/order-contract';
import { generateKek } from '../../src/security/kek';
import { KeyRing } from '../../src/security/key-ring';
import { memoryKeyStore } from '../../src/security/key-store';
import { NOTICE_TYPE } from '../../src/security/jose-keys';
import { noticeClaims, signNotices } from '../../src/security/notice-signing';
import { Vault, generateVaultKey } from '../../src/security/vault';
import { AesGcmPayloadCodec } from '../../src/temporal/codec';
import { configuredPayloadKeys, derivedPayloadKey } from '../../src/temporal/payload-keys';

const MINUTE = 60_000;

function clock(start = Date.parse('2026-11-27T06:00:00Z')) {
  let at = start;
  return { now: () => new Date(at), advance: (ms: number) => (at += ms) };
}

const openRing = (now?: () => Date) =>
  KeyRing.open({
    store: memoryKeyStore(),
    kek: generateKek(),
    refreshMs: 0,
    activationDelayMs: 2 * MINUTE,
    jwksGraceMs: 60 * MINUTE,
    ...(now ? { now } : {}),
  });

const eur = (amount: number) => ({ amount, currency: 'EUR' });

/** Step 8's two notices of an order paid out by a settlement batch, as the order workflow builds them. */
function stepEightNotices(): NoticeDraft[] {
  const settlement = {
    transferNoticeId: 'tn_ord-1',
    settlementNoteId: 'sn_ord-1',
    gross: eur(29_950),
    fee: eur(500),
    net: eur(29_450),
    settledAt: '2026-11-27T06:01:00.000Z',
    batchId: 'batch-20261127T060000Z',
    lineId: 'batch-20261127T060000Z:payment-ord-1-1',
  };
  return [
    notice('TRANSFER_NOTICE', 'ord-1', 'seller-1', '2026-11-27T06:02:00.000Z', {
      transferNoticeId: settlement.transferNoticeId,
      amount: settlement.net,
      batchId: settlement.batchId,
      lineId: settlement.lineId,
    }),
    notice('SETTLEMENT_NOTE', 'ord-1', 'seller-1', '2026-11-27T06:02:00.000Z', {
      ...settlement,
      confirmBy: '2026-11-28T06:02:00.000Z',
    }),
    notice('DEAL_CLOSED', 'ord-1', 'seller-1', '2026-11-27T06:03:00.000Z'),
  ];
}

const decodePart = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

describe('signed notices', () => {
  it('notice claims › a transfer notice and a settlement note › canonical payload, amounts in minor units, fixed key order', () => {
    const [transfer, note, closed] = stepEightNotices() as [NoticeDraft, NoticeDraft, NoticeDraft];
    expect(JSON.stringify(noticeClaims(transfer))).toBe(
      '{"v":1,"kind":"TRANSFER_NOTICE","noticeId":"ord-1:TRANSFER_NOTICE:seller-1","orderId":"ord-1",' +
        '"sellerId":"seller-1","transferNoticeId":"tn_ord-1","batchId":"batch-20261127T060000Z",' +
        '"lineId":"batch-20261127T060000Z:payment-ord-1-1","currency":"EUR","amountMinor":29450,' +
        '"issuedAt":"2026-11-27T06:02:00.000Z"}',
    );
    expect(noticeClaims(note)).toEqual({
      v: 1,
      kind: 'SETTLEMENT_NOTE',
      noticeId: 'ord-1:SETTLEMENT_NOTE:seller-1',
      orderId: 'ord-1',
      sellerId: 'seller-1',
      settlementNoteId: 'sn_ord-1',
      transferNoticeId: 'tn_ord-1',
      batchId: 'batch-20261127T060000Z',
      lineId: 'batch-20261127T060000Z:payment-ord-1-1',
      currency: 'EUR',
      grossMinor: 29_950,
      feeMinor: 500,
      netMinor: 29_450,
      settledAt: '2026-11-27T06:01:00.000Z',
      issuedAt: '2026-11-27T06:02:00.000Z',
    });
    expect(noticeClaims(closed)).toBeUndefined();
    const perOrder = notice('TRANSFER_NOTICE', 'ord-2', 'seller-1', '2026-11-27T06:02:00.000Z', {
      transferNoticeId: 'tn_ord-2',
      amount: eur(100),
    });
    expect(noticeClaims(perOrder)).toMatchObject({ batchId: null, lineId: null, amountMinor: 100 });
  });

  it('signNotices › step 8 notices › both signed (ES256, kid, typ), verified with the JWKS; other notices unsigned', async () => {
    const ring = await openRing();
    const signed = await signNotices(ring, stepEightNotices());
    const [transfer, note, closed] = signed as [NoticeDraft, NoticeDraft, NoticeDraft];
    expect(closed.signature).toBeUndefined();
    const jwks = createLocalJWKSet(JSON.parse(JSON.stringify(ring.jwks())));
    for (const draft of [transfer, note]) {
      const verified = await compactVerify(draft.signature as string, jwks, { algorithms: ['ES256'] });
      expect(verified.protectedHeader).toEqual({ alg: 'ES256', kid: ring.signingKey().kid, typ: NOTICE_TYPE });
      expect(JSON.parse(Buffer.from(verified.payload).toString('utf8'))).toEqual(noticeClaims(draft));
    }
  });

  it('signNotices › a tampered payload or signature › verification fails', async () => {
    const ring = await openRing();
    const [transfer] = (await signNotices(ring, stepEightNotices())) as [NoticeDraft];
    const [header, payload, signature] = (transfer.signature as string).split('.') as [string, string, string];
    const jwks = createLocalJWKSet(ring.jwks());
    const raised = Buffer.from(JSON.stringify({ ...decodePart(payload), amountMinor: 2_945_000 })).toString(
      'base64url',
    );
    await expect(compactVerify(`${header}.${raised}.${signature}`, jwks)).rejects.toThrow(
      /signature verification failed/,
    );
    const flipped = `${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`;
    await expect(compactVerify(`${header}.${payload}.${flipped}`, jwks)).rejects.toThrow(
      /signature verification failed/,
    );
    // Another key with the same kid (a forger's JWKS) does not verify the gateway's signature either.
    const other = await openRing();
    const forged = (await signNotices(other, stepEightNotices()))[0]?.signature as string;
    const [, , forgedSignature] = forged.split('.');
    await expect(compactVerify(`${header}.${payload}.${forgedSignature}`, jwks)).rejects.toThrow(
      /signature verification failed/,
    );
  });

  it('signNotices › after a rotation of signing › new notices under the new kid; old ones verify in the grace period', async () => {
    const time = clock();
    const ring = await openRing(time.now);
    const before = (await signNotices(ring, stepEightNotices()))[0]?.signature as string;
    const next = await ring.rotate('signing');
    time.advance(2 * MINUTE);
    const after = (await signNotices(ring, stepEightNotices()))[0]?.signature as string;
    expect(decodePart(after.split('.')[0] as string).kid).toBe(next.kid);
    expect(decodePart(before.split('.')[0] as string).kid).not.toBe(next.kid);
    const jwks = createLocalJWKSet(ring.jwks());
    await expect(compactVerify(before, jwks)).resolves.toBeDefined();
    await expect(compactVerify(after, jwks)).resolves.toBeDefined();
    time.advance(60 * MINUTE); // past the grace period: the old public key has left the JWKS
    await expect(compactVerify(before, createLocalJWKSet(ring.jwks()))).rejects.toThrow(/no applicable key found/);
  });

  it('signNotices › a legacy single-key vault › notices returned unchanged', async () => {
    const drafts = stepEightNotices();
    expect(await signNotices(new Vault(generateVaultKey()), drafts)).toBe(drafts);
  });
});

describe('JWKS freshness', () => {
  it('refreshIfOlderThan › a key another process added; a store that hangs › listed after one read, none while fresh; never a longer wait than told', async () => {
    const store = memoryKeyStore();
    let reads = 0;
    let hang = false;
    const counted = {
      ...store,
      list: () => {
        reads += 1;
        return hang ? new Promise<never>(() => undefined) : store.list();
      },
    };
    const kek = generateKek();
    const options = { kek, refreshMs: 0, activationDelayMs: 2 * MINUTE, jwksGraceMs: 60 * MINUTE };
    // The API: holds no signing key, opened before the worker created one.
    const api = await KeyRing.open({ ...options, store: counted, purposes: ['card-vault', 'idempotency'] });
    expect(api.jwks().keys).toEqual([]);
    const worker = await KeyRing.open({ ...options, store, purposes: ['signing'] });
    const readsBefore = reads;
    await api.refreshIfOlderThan(0, 1_000);
    expect(api.jwks().keys.map((key) => key.kid)).toEqual([worker.signingKey().kid]);
    expect(reads).toBe(readsBefore + 1);
    // Fresh enough: no read at all.
    await api.refreshIfOlderThan(60_000, 1_000);
    expect(reads).toBe(readsBefore + 1);
    // A store that never answers: the caller gets the snapshot it has once the wait is over.
    hang = true;
    await api.refreshIfOlderThan(0, 20);
    expect(api.jwks().keys.map((key) => key.kid)).toEqual([worker.signingKey().kid]);
    expect(reads).toBe(readsBefore + 2);
  });
});

describe('payload keys from the key ring', () => {
  const payload = { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('{"orderId":"ord-1"}') };
  const kidOf = (sealed: { metadata?: Record<string, Uint8Array> | null } | undefined) =>
    Buffer.from(sealed?.metadata?.['encryption-key-id'] ?? []).toString('utf8');

  it('payload keys › key ring rotated › new payloads under the new kid, old ones still open', async () => {
    const time = clock();
    const ring = await openRing(time.now);
    const vaultKey = generateVaultKey();
    const codec = new AesGcmPayloadCodec(
      configuredPayloadKeys({ temporal: { payloadKeys: undefined }, vaultKey }, ring),
    );
    const [before] = await codec.encode([payload]);
    expect(kidOf(before)).toBe(ring.symmetricKey('temporal-payloads').kid);
    const next = await ring.rotate('temporal-payloads');
    time.advance(2 * MINUTE);
    const [after] = await codec.encode([payload]);
    expect(kidOf(after)).toBe(next.kid);
    expect(kidOf(before)).not.toBe(next.kid);
    const opened = await codec.decode([before!, after!]);
    expect(opened.map((p) => Buffer.from(p.data ?? []).toString('utf8'))).toEqual([
      '{"orderId":"ord-1"}',
      '{"orderId":"ord-1"}',
    ]);
    // History written before the key ring (under the vault-derived key) still opens.
    const legacy = new AesGcmPayloadCodec(configuredPayloadKeys({ temporal: { payloadKeys: undefined }, vaultKey }));
    const [old] = await legacy.encode([payload]);
    expect(kidOf(old)).toBe(derivedPayloadKey(vaultKey).kid);
    expect(Buffer.from((await codec.decode([old!]))[0]?.data ?? []).toString('utf8')).toBe('{"orderId":"ord-1"}');
  });

  it('payload keys › TEMPORAL_PAYLOAD_KEYS set › it encrypts (override); key ring payloads still open', async () => {
    const ring = await openRing();
    const fromRing = new AesGcmPayloadCodec(
      configuredPayloadKeys({ temporal: { payloadKeys: undefined }, vaultKey: undefined }, ring),
    );
    const [ringSealed] = await fromRing.encode([payload]);
    const override = { kid: 'ops-1', key: Buffer.alloc(32, 7) };
    const codec = new AesGcmPayloadCodec(
      configuredPayloadKeys({ temporal: { payloadKeys: [override] }, vaultKey: undefined }, ring),
    );
    const [sealed] = await codec.encode([payload]);
    expect(kidOf(sealed)).toBe('ops-1');
    expect((await codec.decode([ringSealed!]))[0]?.data).toEqual(payload.data);
  });
});
