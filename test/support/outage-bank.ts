// A bank with switchable outages for tests: the simulated bank, except that chosen operations fail (as an unreachable
// host does) until healed. Lets workflow tests run a money activity out of its deadline without waiting on a hang.

import type { BankAnswer, BankConnector, CardDetails } from '../../src/bank/bank-connector';
import { SimulatedBank } from './legacy-bank';
import type { Money } from '../../src/domain/money';
import type { Database } from '../../src/persistence/database';

/** A bank operation an outage can hit. */
export type BankOperation = 'authorize' | 'capture' | 'void' | 'refund' | 'lookup';

/** The simulated bank with outages per order: `breakDown(orderId, ops)` until `heal(orderId)`. */
export class OutageBank implements BankConnector {
  private readonly bank: SimulatedBank;
  private readonly outages = new Map<string, Set<BankOperation>>();

  constructor(db: Database) {
    this.bank = new SimulatedBank(db);
  }

  /** Makes these operations on the order's references fail until healed. */
  breakDown(orderId: string, operations: BankOperation[]): void {
    this.outages.set(orderId, new Set(operations));
  }

  /** Ends the order's outage. */
  heal(orderId: string): void {
    this.outages.delete(orderId);
  }

  private check(operation: BankOperation, reference: string): void {
    const orderId = reference.split(':pay:')[0] ?? '';
    if (this.outages.get(orderId)?.has(operation)) throw new Error(`bank host unreachable (${operation})`);
  }

  authorize(request: { reference: string; amount: Money; card: CardDetails; merchantId: string }): Promise<BankAnswer> {
    this.check('authorize', request.reference);
    return this.bank.authorize(request);
  }

  capture(request: { reference: string; authorizationReference: string; amount: Money }): Promise<BankAnswer> {
    this.check('capture', request.reference);
    return this.bank.capture(request);
  }

  void(request: { reference: string; authorizationReference: string }): Promise<BankAnswer> {
    this.check('void', request.reference);
    return this.bank.void(request);
  }

  refund(request: { reference: string; captureReference: string; amount: Money }): Promise<BankAnswer> {
    this.check('refund', request.reference);
    return this.bank.refund(request);
  }

  lookup(reference: string): Promise<BankAnswer | undefined> {
    this.check('lookup', reference);
    return this.bank.lookup(reference);
  }
}
