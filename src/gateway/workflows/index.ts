// The workflows the gateway worker registers. Deterministic code only (see payment-workflow.ts).

export { micropaymentAggregatorWorkflow } from './micropayment-aggregator-workflow';
export { paymentWorkflow } from './payment-workflow';
export { walletTopUpWorkflow } from './wallet-top-up-workflow';
export { reconciliationWorkflow } from './reconciliation-workflow';
export { reconciliationScheduleWorkflow } from './reconciliation-schedule-workflow';
