// settleflow's client SDK: what a customer's software needs to pay an order with a signed, encrypted payment
// notification (README, Payment notifications). No settleflow internals; never logs an instruction.

export * from './dual-signature';
export * from './payment-notification';
