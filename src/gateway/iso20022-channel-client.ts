// The gateway's one way to talk to the bank host's ISO 20022 channel (e-check debits and refunds, settlement
// payouts): POST a document and answer the bank's status report (pacs.002) as text; read the reports the bank has
// since made about a message. Recording the documents is the caller's. Never logs a document.

import { PaymentOperationError } from './card-payments';

/** How the gateway reaches the channel: its base URL, its bearer token there, and how long an exchange may take. */
export interface Iso20022ChannelSettings {
  iso20022Url: string;
  /** BANK_HOST_ISO20022_TOKEN; without it the bank answers 401. */
  iso20022Token?: string | undefined;
  requestTimeoutMs: number;
}

/** The headers of a request to the channel: the gateway's token, and the body's type when it has one. */
export function channelHeaders(
  settings: Pick<Iso20022ChannelSettings, 'iso20022Token'>,
  contentType?: string,
): Record<string, string> {
  return {
    ...(contentType ? { 'content-type': contentType } : {}),
    ...(settings.iso20022Token ? { authorization: `Bearer ${settings.iso20022Token}` } : {}),
  };
}

/** The message of the error a 401 from the channel becomes (final for a submission, retried for a report read). */
export const CHANNEL_TOKEN_REFUSED =
  "the bank's ISO 20022 channel refused the gateway's token (check BANK_HOST_ISO20022_TOKEN on both sides)";

/**
 * Posts `xml` to `<iso20022Url>/iso20022/messages` within `timeoutMs` and returns the bank's answer.
 * @param what the document as errors name it (e.g. `pacs.008 <messageId>`)
 * @throws PaymentOperationError `bank_unavailable` (retryable) when the channel cannot be reached in time,
 *   `bank_refused` (final) when it answers with another status than 200
 */
export async function postIso20022Document(
  settings: Iso20022ChannelSettings,
  xml: string,
  what: string,
): Promise<string> {
  let response: Response;
  try {
    response = await fetch(`${settings.iso20022Url}/iso20022/messages`, {
      method: 'POST',
      headers: channelHeaders(settings, 'application/xml'),
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
  if (response.status === 401) throw new PaymentOperationError('bank_refused', CHANNEL_TOKEN_REFUSED, false);
  if (response.status !== 200) {
    throw new PaymentOperationError('bank_refused', `the bank refused ${what} (${response.status})`, false);
  }
  return text;
}

/**
 * The reports the bank has made about message `messageId` so far (status reports, settlements, returns), as the
 * channel lists them at `<iso20022Url>/iso20022/messages/<messageId>/reports`.
 * @throws PaymentOperationError `bank_unavailable` (retryable) when the channel cannot be reached in time,
 *   `outcome_unknown` (retryable) when it knows no reports of the message yet or refuses the gateway's token (the
 *   message was taken before: its outcome must still be learnt)
 */
export async function fetchIso20022Reports<Report>(
  settings: Iso20022ChannelSettings,
  messageId: string,
): Promise<Report[]> {
  let response: Response;
  try {
    response = await fetch(`${settings.iso20022Url}/iso20022/messages/${encodeURIComponent(messageId)}/reports`, {
      headers: channelHeaders(settings),
      signal: AbortSignal.timeout(settings.requestTimeoutMs),
    });
  } catch (error) {
    throw new PaymentOperationError(
      'bank_unavailable',
      `the bank's ISO 20022 channel is unavailable (${(error as Error).message})`,
      true,
    );
  }
  // The message was taken earlier, so money may be moving: a refused token is retried (bounded by the caller's
  // activity) and then handed to an operator like any unknown outcome, never taken as an answer.
  if (response.status === 401) throw new PaymentOperationError('outcome_unknown', CHANNEL_TOKEN_REFUSED, true);
  if (response.status !== 200) {
    throw new PaymentOperationError('outcome_unknown', `no reports of ${messageId} yet (${response.status})`, true);
  }
  return ((await response.json()) as { reports: Report[] }).reports;
}
