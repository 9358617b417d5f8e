// The bank host's fault rules, set through the control API, on the real process over TCP: answer late, never
// answer, drop the connection, a malformed frame, answer twice, answer with another STAN; matched per PAN, amount,
// MTI or at random with a seed. After each, the bank's books say what the bank did.

import { authorizationRequest, packFrame, stringField } from '../../src/iso8583';
import type { IsoMessage } from '../../src/iso8583';
import {
  IsoClient,
  accountView,
  authorization,
  authorizationMessage,
  bankHost,
  codeOf,
  control,
  networkMessage,
  nextStan,
  openCard,
  reversalMessage,
} from './support';

interface Rule {
  id: string;
  action: string;
  pan?: string;
  matched: number;
  remaining?: number;
}

let client: IsoClient;

beforeAll(async () => {
  client = await IsoClient.connect();
});

afterAll(() => client.close());

const addRule = (rule: Record<string, unknown>) => control<Rule>('POST', '/v1/fault-rules', rule);
const removeRule = (rule: Rule) => control('DELETE', `/v1/fault-rules/${rule.id}`);
const stanPlusOne = (stan: string) => String((Number(stan) + 1) % 1_000_000).padStart(6, '0');

describe('bank host faults › the control API', () => {
  it('without the admin token › 401 and no rule is added', async () => {
    const response = await fetch(`${bankHost.controlUrl}/v1/fault-rules`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer wrong-token-wrong-token' },
      body: JSON.stringify({ action: 'no_answer' }),
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: Record<string, unknown> }).error.code).toBe('unauthorized');
  });

  it('a rule with a PAN › listed with the PAN masked, removed by id', async () => {
    const { pan } = await openCard(1_000);
    const rule = await addRule({ action: 'duplicate', pan, times: 1 });
    const { rules } = await control<{ rules: Rule[] }>('GET', '/v1/fault-rules');
    const listed = rules.find((r) => r.id === rule.id)!;
    expect(listed.pan).toBe(`${pan.slice(0, 6)}******${pan.slice(-4)}`);
    expect(JSON.stringify(rules)).not.toContain(pan);
    await removeRule(rule);
    const after = await control<{ rules: Rule[] }>('GET', '/v1/fault-rules');
    expect(after.rules.find((r) => r.id === rule.id)).toBeUndefined();
  });

  it('a bad rule › 400 with the parameter at fault', async () => {
    const response = await fetch(`${bankHost.controlUrl}/v1/fault-rules`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bankHost.adminToken}` },
      body: JSON.stringify({ action: 'explode' }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: Record<string, unknown> }).error).toEqual(
      expect.objectContaining({ code: 'invalid_request', param: 'action' }),
    );
  });
});

describe('bank host faults › each action', () => {
  it('no_answer › the request is applied (one hold) but never answered; a repeat gets the first answer', async () => {
    const { pan, id } = await openCard(10_000);
    await addRule({ action: 'no_answer', pan, times: 1 });
    const json = authorization(pan, 2_000);
    const unanswered = authorizationRequest.toIso8583(json);
    client.writeRaw(frameOf(unanswered));
    const repeat = await client.request(authorizationRequest.toIso8583({ ...json, stan: nextStan() }));
    expect(codeOf(repeat)).toBe('00');
    expect(answersWithStan(client, json.stan)).toHaveLength(0);
    expect((await accountView(id)).held.EUR).toBe(2_000);
  });

  it('no_answer with apply false › the request is lost: nothing held; the retry is decided afresh', async () => {
    const { pan, id } = await openCard(10_000);
    await addRule({ action: 'no_answer', pan, apply: false, times: 1 });
    const json = authorization(pan, 2_000);
    client.writeRaw(frameOf(authorizationRequest.toIso8583(json)));
    const echo = await client.request(networkMessage('echo'));
    expect(codeOf(echo)).toBe('00');
    expect((await accountView(id)).held.EUR ?? 0).toBe(0);
    expect(codeOf(await client.request(authorizationRequest.toIso8583({ ...json, stan: nextStan() })))).toBe('00');
    expect((await accountView(id)).held.EUR).toBe(2_000);
  });

  it('disconnect › the connection is dropped after the request, which is applied; a new connection works', async () => {
    const { pan, id } = await openCard(10_000);
    await addRule({ action: 'disconnect', pan, times: 1 });
    const own = await IsoClient.connect();
    own.writeRaw(frameOf(authorizationMessage(pan, 3_000)));
    await own.whenClosed();
    expect(own.received).toHaveLength(0);
    expect((await accountView(id)).held.EUR).toBe(3_000);
    const next = await IsoClient.connect();
    expect(codeOf(await next.request(networkMessage('echo')))).toBe('00');
    next.close();
  });

  it('malformed › a frame that does not unpack instead of the answer; the connection goes on', async () => {
    const { pan, id } = await openCard(10_000);
    await addRule({ action: 'malformed', pan, times: 1 });
    const own = await IsoClient.connect();
    own.writeRaw(frameOf(authorizationMessage(pan, 1_000)));
    expect(codeOf(await own.request(networkMessage('echo')))).toBe('00');
    await waitUntil(() => own.received.some((frame) => Buffer.isBuffer(frame)));
    expect(own.received.filter((frame) => Buffer.isBuffer(frame))).toHaveLength(1);
    expect((await accountView(id)).held.EUR).toBe(1_000);
    own.close();
  });

  it('duplicate › the answer comes twice, the money moves once', async () => {
    const { pan, id } = await openCard(10_000);
    await addRule({ action: 'duplicate', pan, times: 1 });
    const request = authorizationMessage(pan, 1_500);
    const stan = stringField(request, 11)!;
    const second = client.expect(stan);
    const first = await client.request(request);
    expect(codeOf(first)).toBe('00');
    expect(codeOf(await second)).toBe('00');
    expect((await accountView(id)).held.EUR).toBe(1_500);
  });

  it('wrong_stan › the answer carries STAN + 1 and the right RRN', async () => {
    const { pan } = await openCard(10_000);
    await addRule({ action: 'wrong_stan', pan, times: 1 });
    nextStan();
    const request = authorizationMessage(pan, 1_500);
    nextStan();
    const answer = client.expect(stanPlusOne(stringField(request, 11)!));
    client.writeRaw(frameOf(request));
    expect(stringField(await answer, 37)).toBe(stringField(request, 37));
  });

  it('delay before processing › a reversal sent meanwhile is applied first and the late original is declined', async () => {
    const { pan, id } = await openCard(10_000);
    await addRule({ action: 'delay', pan, mti: '0100', delayMs: 1_000, beforeProcessing: true, times: 1 });
    const json = authorization(pan, 2_000);
    const original = client.request(authorizationRequest.toIso8583(json));
    const reversal = await client.request(reversalMessage(json, '0100', '0420'));
    expect(codeOf(reversal)).toBe('00');
    expect(codeOf(await original)).toBe('05');
    expect((await accountView(id)).held.EUR ?? 0).toBe(0);
  });

  it('by MTI › a rule on 0800 answers every echo twice until removed', async () => {
    const rule = await addRule({ action: 'duplicate', mti: '0800', times: 2 });
    const own = await IsoClient.connect();
    const request = networkMessage('echo');
    const second = own.expect(stringField(request, 11)!);
    await own.request(request);
    expect((await second).mti).toBe('0810');
    await removeRule(rule);
    own.close();
  });

  it('by amount › only the request of that amount is faulted', async () => {
    const { pan } = await openCard(10_000);
    await addRule({ action: 'wrong_stan', pan, amount: 4_321, times: 1 });
    expect(codeOf(await client.request(authorizationMessage(pan, 1_234)))).toBe('00');
    nextStan();
    const faulted = authorizationMessage(pan, 4_321);
    nextStan();
    const answer = client.expect(stanPlusOne(stringField(faulted, 11)!));
    client.writeRaw(frameOf(faulted));
    expect(codeOf(await answer)).toBe('00');
  });

  it('at random with a seed › the same seed faults the same requests of a sequence, and not all of them', async () => {
    const pattern = async (): Promise<boolean[]> => {
      const { pan } = await openCard(1_000_000);
      const rule = await addRule({ action: 'wrong_stan', pan, probability: 0.5, seed: 42 });
      const faulted: boolean[] = [];
      for (let i = 0; i < 16; i++) {
        nextStan();
        const request = authorizationMessage(pan, 100);
        nextStan();
        const stan = stringField(request, 11)!;
        const winner = Promise.race([
          client.expect(stan).then(() => false),
          client.expect(stanPlusOne(stan)).then(() => true),
        ]);
        client.writeRaw(frameOf(request));
        faulted.push(await winner);
      }
      await removeRule(rule);
      return faulted;
    };
    const first = await pattern();
    const second = await pattern();
    expect(second).toEqual(first);
    expect(first.filter(Boolean).length).toBeGreaterThan(0);
    expect(first.filter(Boolean).length).toBeLessThan(16);
  });
});

function frameOf(message: IsoMessage): Buffer {
  return packFrame(message);
}

function answersWithStan(isoClient: IsoClient, stan: string): IsoMessage[] {
  return isoClient.received.filter(
    (frame): frame is IsoMessage => !Buffer.isBuffer(frame) && stringField(frame, 11) === stan,
  );
}

/** Polls a condition the test already knows will hold (the frame was sent before the echo's answer). */
async function waitUntil(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}
