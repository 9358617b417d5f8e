// Signed webhook delivery in the Standard Webhooks scheme: headers webhook-id, webhook-timestamp and
// webhook-signature (`v1,<base64 HMAC-SHA256 over "id.timestamp.body">`), keyed by the party's `whsec_` secret.

import { createHmac } from 'node:crypto';

/** The three Standard Webhooks headers for one message. */
export function signWebhook(
  secret: string,
  messageId: string,
  timestampSeconds: number,
  body: string,
): Record<string, string> {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
  const signature = createHmac('sha256', key).update(`${messageId}.${timestampSeconds}.${body}`).digest('base64');
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': `v1,${signature}`,
  };
}

/**
 * POSTs one signed message.
 * @throws Error when the receiver does not answer 2xx within `timeoutMs`
 */
export async function deliverWebhook(
  target: { url: string; secret: string },
  messageId: string,
  payload: unknown,
  now: Date,
  timeoutMs = 10_000,
): Promise<void> {
  const body = JSON.stringify(payload);
  const headers = signWebhook(target.secret, messageId, Math.floor(now.getTime() / 1000), body);
  const response = await fetch(target.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!response.ok) throw new Error(`webhook ${target.url} answered ${response.status}`);
}
