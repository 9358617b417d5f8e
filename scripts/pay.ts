// The pay CLI: a customer's key pair and signed payment notifications from the command line, through the client SDK
// (src/client-sdk). The card, IBAN or wallet is encrypted to the gateway's key from the API's JWKS before it leaves
// this process; the private key stays in the key file. Prints answers and key ids, never a private key or a card.
// Run: npm run pay -- keygen --out key.json | register --key key.json | notify --key key.json --order <id> ...

import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { CustomerKeyPair, PaymentInstructionInput } from '../src/client-sdk';
import {
  buildSignedNotification,
  fetchGatewayJwks,
  gatewayEncryptionKey,
  generateCustomerKey,
} from '../src/client-sdk';

const USAGE = `usage: npm run pay -- <command> [options]
  keygen --out <file>                    a new ES256 key pair (file mode 0600) and its kid
  register --key <file>                  registers the public key: POST /v1/parties/me/keys
  notify --key <file> --order <orderId>  pays the order with a signed notification, by one of:
         --card <number> --exp <MM/YYYY> --cvc <cvc>
         --iban <IBAN> --holder <name>
         --wallet <walletId>
         [--print]                       prints the notification instead of sending it
options: --api <url> (SETTLEFLOW_API_URL, default http://127.0.0.1:3000), --api-key <key> (SETTLEFLOW_API_KEY)`;

async function call(api: string, apiKey: string, method: string, path: string, body?: unknown) {
  const response = await fetch(new URL(path, api), {
    method,
    headers: {
      authorization: `Bearer ${apiKey}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

function instructionOf(values: Record<string, string | boolean | undefined>): PaymentInstructionInput {
  if (typeof values.card === 'string') {
    const [month, year] = String(values.exp ?? '').split('/');
    if (!month || !year || typeof values.cvc !== 'string') throw new Error('--card needs --exp MM/YYYY and --cvc');
    return {
      method: 'card',
      card: { number: values.card, expMonth: Number(month), expYear: Number(year), cvc: values.cvc },
    };
  }
  if (typeof values.iban === 'string') {
    return { method: 'echeck', echeck: { iban: values.iban, accountHolder: String(values.holder ?? '') } };
  }
  if (typeof values.wallet === 'string') return { method: 'ecash', ecash: { walletId: values.wallet } };
  throw new Error('name the instrument: --card, --iban or --wallet');
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      key: { type: 'string' },
      order: { type: 'string' },
      card: { type: 'string' },
      exp: { type: 'string' },
      cvc: { type: 'string' },
      iban: { type: 'string' },
      holder: { type: 'string' },
      wallet: { type: 'string' },
      print: { type: 'boolean' },
      api: { type: 'string' },
      'api-key': { type: 'string' },
    },
  });
  const api = values.api ?? process.env.SETTLEFLOW_API_URL ?? 'http://127.0.0.1:3000';
  const apiKey = values['api-key'] ?? process.env.SETTLEFLOW_API_KEY ?? '';
  const readKey = (): CustomerKeyPair => {
    if (!values.key) throw new Error('--key <file> is required');
    return JSON.parse(readFileSync(values.key, 'utf8')) as CustomerKeyPair;
  };
  switch (positionals[0]) {
    case 'keygen': {
      if (!values.out) throw new Error('--out <file> is required');
      const pair = await generateCustomerKey();
      writeFileSync(values.out, `${JSON.stringify(pair, null, 2)}\n`, { mode: 0o600 });
      console.log(`key ${pair.kid} written to ${values.out}`);
      return 0;
    }
    case 'register': {
      const answer = await call(api, apiKey, 'POST', '/v1/parties/me/keys', { jwk: readKey().publicJwk });
      console.log(answer.status, JSON.stringify(answer.body));
      return answer.status < 300 ? 0 : 1;
    }
    case 'notify': {
      if (!values.order) throw new Error('--order <orderId> is required');
      const order = await call(api, apiKey, 'GET', `/v1/orders/${encodeURIComponent(values.order)}`);
      const total = order.body?.total as { amount: number; currency: string } | undefined;
      if (order.status !== 200 || !total)
        throw new Error(`GET the order: ${order.status} ${JSON.stringify(order.body)}`);
      const instruction = instructionOf(values);
      const body = await buildSignedNotification({
        orderInformation: { orderId: values.order, amount: total, method: instruction.method },
        instruction,
        customerKey: readKey(),
        gatewayKey: gatewayEncryptionKey(await fetchGatewayJwks(api)),
      });
      if (values.print) {
        console.log(JSON.stringify(body, null, 2));
        return 0;
      }
      const path = `/v1/orders/${encodeURIComponent(values.order)}/payment-notification`;
      const answer = await call(api, apiKey, 'POST', path, body);
      console.log(answer.status, JSON.stringify(answer.body?.error ?? answer.body?.payment ?? answer.body));
      return answer.status < 300 ? 0 : 1;
    }
    default:
      console.error(USAGE);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`pay: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
