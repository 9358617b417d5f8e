// The workflows the gateway worker registers. Deterministic code only (see payment-workflow.ts).

export { paymentWorkflow } from './payment-workflow';
export { walletTopUpWorkflow } from './wallet-top-up-workflow';
