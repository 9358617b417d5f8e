// A wallet's top-up by card, on the gateway's task queue: one workflow per wallet and reference
// (`wallet-topup-<walletId>-<reference>`), so two requests with the same reference run it once. The card payment
// (authorization, then capture) goes through the bank host; the wallet's entry follows. Deterministic code only.

import * as wf from '@temporalio/workflow';
import type { MethodActivities, TopUpResult, WalletTopUpInput } from '../method-activities';

/** Tops a wallet up; bounded by `timeoutMs` (retries included), after which it fails and the customer asks again. */
export async function walletTopUpWorkflow(input: WalletTopUpInput & { timeoutMs: number }): Promise<TopUpResult> {
  const { topUpWallet } = wf.proxyActivities<MethodActivities>({
    startToCloseTimeout: Math.max(1_000, Math.min(60_000, Math.floor(input.timeoutMs / 3))),
    scheduleToCloseTimeout: input.timeoutMs,
    retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s' },
  });
  const { timeoutMs: _timeoutMs, ...topUp } = input;
  return topUpWallet(topUp);
}
