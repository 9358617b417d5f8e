// The gateway's one way to talk to the bank host's ISO 20022 channel (e-check debits and refunds, settlement
// payouts): POST a document and answer the bank's status report (pacs.002) as text; read the reports the bank has
// since made about a message. Recording the documents is the caller's. Never logs a document.

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

/**
 * The reports the bank has made about message `messageId` so far (status reports, settlements, returns), as the
 * channel lists them at `<iso20022Url>/iso20022/messages/<messageId>/reports`.
 * @throws PaymentOperationError `bank_unavailable` (retryable) when the channel cannot be reached in time,
 *   `outcome_unknown` (retryable) when it knows no reports of the message yet
 */
export async function fetchIso20022Reports<Report>(
  settings: { iso20022Url: string; requestTimeoutMs: number },
  messageId: string,
): Promise<Report[]> {
  let response: Response;
  try {
    response = await fetch(`${settings.iso20022Url}/iso20022/messages/${encodeURIComponent(messageId)}/reports`, {
      signal: AbortSignal.timeout(settings.requestTimeoutMs),
    });
  } catch (error) {
    throw new PaymentOperationError(
      'bank_unavailable',
      `the bank's ISO 20022 channel is unavailable (${(error as Error).message})`,
      true,
    );
  }
  if (response.status !== 200) {
    throw new PaymentOperationError('outcome_unknown', `no reports of ${messageId} yet (${response.status})`, true);
  }
  return ((await response.json()) as { reports: Report[] }).reports;
}
