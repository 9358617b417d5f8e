// The gateway's one way to hand an ISO 20022 document to the bank host's ISO 20022 channel (e-check debits and
// refunds, settlement payouts): POST it, answer the bank's status report (pacs.002) as text. Recording the document
// is the caller's, before it posts. Never logs the document.

import { PaymentOperationError } from './card-payments';

/**
 * Posts `xml` to `<iso20022Url>/iso20022/messages` within `timeoutMs` and returns the bank's answer.
 * @param what the document as errors name it (e.g. `pacs.008 <messageId>`)
 * @throws PaymentOperationError `bank_unavailable` (retryable) when the channel cannot be reached in time,
 *   `bank_refused` (final) when it answers with another status than 200
 */
export async function postIso20022Document(
  settings: { iso20022Url: string; requestTimeoutMs: number },
  xml: string,
  what: string,
): Promise<string> {
  let response: Response;
  try {
    response = await fetch(`${settings.iso20022Url}/iso20022/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: xml,
      signal: AbortSignal.timeout(settings.requestTimeoutMs),
    });
  } catch (error) {
    throw new PaymentOperationError(
      'bank_unavailable',
      `the bank's ISO 20022 channel is unavailable (${(error as Error).message})`,
      true,
    );
  }
  const text = await response.text();
  if (response.status !== 200) {
    throw new PaymentOperationError('bank_refused', `the bank refused ${what} (${response.status})`, false);
  }
  return text;
}
