// The workflows the gateway worker registers. Deterministic code only (see payment-workflow.ts).

export { paymentWorkflow } from './payment-workflow';
