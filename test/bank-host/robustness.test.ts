// Malformed and random input never crashes the bank host (fast-check, on the real process over TCP): a frame that
// does not unpack is dropped with a log line and the same connection goes on; a random byte stream at worst costs
// its own connection, and the next one is served; a request missing mandatory fields is answered 30 (format error).

import fs from 'node:fs';
import fc from 'fast-check';
import { encodeFrame, isoMessage, pack, stringField } from '../../src/iso8583';
import { IsoClient, authorizationMessage, codeOf, networkMessage, openCard } from './support';

const RUNS = 40;

describe('bank host robustness', () => {
  it('random payloads in well-formed frames › dropped, and the same connection still answers an echo', async () => {
    const client = await IsoClient.connect();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 400 }), async (payload) => {
        client.writeRaw(encodeFrame(payload));
        expect(codeOf(await client.request(networkMessage('echo')))).toBe('00');
      }),
      { numRuns: RUNS },
    );
    client.close();
  });

  it('valid requests with bytes flipped › answered or dropped, and the same connection goes on', async () => {
    const { pan } = await openCard(1_000_000);
    const client = await IsoClient.connect();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        async (flips) => {
          const bytes = Buffer.from(pack(authorizationMessage(pan, 100)));
          for (const [position, value] of flips) bytes[position % bytes.length] = value;
          client.writeRaw(encodeFrame(bytes));
          expect(codeOf(await client.request(networkMessage('echo')))).toBe('00');
        },
      ),
      { numRuns: RUNS },
    );
    client.close();
  });

  it('random byte streams › the host survives and the next connection is served', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 2_000 }), async (stream) => {
        const noise = await IsoClient.connect();
        noise.writeRaw(stream);
        noise.close();
        const next = await IsoClient.connect();
        expect(codeOf(await next.request(networkMessage('echo')))).toBe('00');
        next.close();
      }),
      { numRuns: RUNS },
    );
  });

  it('a 0100 without its mandatory fields › answered 30 with its STAN', async () => {
    const client = await IsoClient.connect();
    const request = isoMessage('0100', { 3: '000000', 4: '000000001000', 11: '424242', 37: 'RRNMISSING01' });
    const answer = await client.request(request);
    expect(answer.mti).toBe('0110');
    expect(codeOf(answer)).toBe('30');
    expect(stringField(answer, 11)).toBe('424242');
    client.close();
  });

  it('the log › names dropped frames and never holds a PAN in clear', async () => {
    const { pan } = await openCard(10_000);
    const client = await IsoClient.connect();
    expect(codeOf(await client.request(authorizationMessage(pan, 100)))).toBe('00');
    client.writeRaw(encodeFrame(Buffer.from('garbage!garbage!')));
    expect(codeOf(await client.request(networkMessage('echo')))).toBe('00');
    client.close();
    const log = fs.readFileSync(process.env.BANK_HOST_LOG_FILE!, 'utf8');
    expect(log).toContain('"event":"iso8583.frame.dropped"');
    expect(log).not.toContain(pan);
  });
});
