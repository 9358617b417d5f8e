// The workflows the worker registers. Deterministic code only (see order-workflow.ts).

export { orderWorkflow } from './order-workflow';
export { webhookDeliveryWorkflow } from './webhook-delivery-workflow';
