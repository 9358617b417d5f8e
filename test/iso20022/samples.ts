// Sample inputs of every ISO 20022 message builder, for the tests: real-looking parties, valid IBANs and BICs,
// amounts in EUR by default. Each call returns a fresh object, so a test may change it freely.

import type {
  BankStatement,
  CreditTransferBatch,
  DebitCreditNotification,
  DirectDebitInitiation,
  InterbankDirectDebitBatch,
  PaymentReturn,
  PaymentStatusReport,
} from '../../src/iso20022';

/** Valid IBANs (mod-97) of several countries. */
export const IBANS = {
  customer: 'DE89370400440532013000',
  seller: 'FR1420041010050500013M02606',
  gateway: 'NL91ABNA0417164300',
  other: 'GB82WEST12345698765432',
} as const;

/** BICs of the sample banks. */
export const BICS = { customerBank: 'COBADEFFXXX', sellerBank: 'BNPAFRPP', gatewayBank: 'ABNANL2A' } as const;

/** Computes the check digits of an IBAN for a country and BBAN (ISO 13616), so tests can make valid ones. */
export function ibanOf(country: string, bban: string): string {
  const digits = `${bban}${country}00`.replace(/[A-Z]/g, (char) => String(char.charCodeAt(0) - 55));
  let remainder = 0;
  for (const digit of digits) remainder = (remainder * 10 + Number(digit)) % 97;
  return `${country}${String(98 - remainder).padStart(2, '0')}${bban}`;
}

/** A pacs.003 batch of two e-check collections. */
export function sampleDirectDebitBatch(): InterbankDirectDebitBatch {
  return {
    messageId: 'ECHK-20250301-0001',
    createdAt: '2025-03-01T09:30:00Z',
    settlementDate: '2025-03-03',
    settlementMethod: 'CLRG',
    instructingAgent: { bic: BICS.gatewayBank },
    instructedAgent: { bic: BICS.customerBank },
    transactions: [
      {
        endToEndId: 'ord-1001-echeck-1',
        transactionId: 'TX-1001',
        sequenceType: 'OOFF',
        amount: { amount: 125_050, currency: 'EUR' },
        chargeBearer: 'SLEV',
        requestedCollectionDate: '2025-03-03',
        mandate: { id: 'CHK-000123', signedOn: '2025-03-01' },
        creditor: { name: 'Rhine Bearings GmbH' },
        creditorAccount: { iban: IBANS.gateway },
        creditorAgent: { bic: BICS.gatewayBank },
        debtor: { name: 'Acme Buyers & Sons' },
        debtorAccount: { iban: IBANS.customer },
        debtorAgent: { bic: BICS.customerBank },
        remittanceInformation: 'Order 1001 <bearings>',
      },
      {
        endToEndId: 'ord-1002-echeck-1',
        amount: { amount: 99, currency: 'EUR' },
        chargeBearer: 'SLEV',
        creditor: { name: 'Rhine Bearings GmbH' },
        creditorAccount: { iban: IBANS.gateway },
        creditorAgent: { bic: BICS.gatewayBank },
        debtor: { name: 'Zoë Müller' },
        debtorAccount: { iban: IBANS.other },
        debtorAgent: { bic: BICS.customerBank },
      },
    ],
  };
}

/** A pain.008 initiation with one block of one collection. */
export function sampleDirectDebitInitiation(): DirectDebitInitiation {
  return {
    messageId: 'ECHK-INIT-0001',
    createdAt: '2025-03-01T10:30:00.250+01:00',
    initiatingParty: { name: 'settleflow gateway' },
    paymentInformation: [
      {
        paymentInformationId: 'PMTINF-1',
        requestedCollectionDate: '2025-03-03',
        sequenceType: 'OOFF',
        chargeBearer: 'SLEV',
        creditor: { name: 'Rhine Bearings GmbH' },
        creditorAccount: { iban: IBANS.gateway },
        creditorAgent: { bic: BICS.gatewayBank },
        transactions: [
          {
            endToEndId: 'ord-1001-echeck-1',
            instructionId: 'INSTR-1',
            amount: { amount: 125_050, currency: 'EUR' },
            mandate: { id: 'CHK-000123', signedOn: '2025-03-01' },
            debtor: { name: 'Acme Buyers & Sons' },
            debtorAccount: { iban: IBANS.customer },
            debtorAgent: { bic: BICS.customerBank },
            remittanceInformation: 'Order 1001',
          },
        ],
      },
    ],
  };
}

/** A pacs.008 payout batch of one transfer. */
export function sampleCreditTransferBatch(): CreditTransferBatch {
  return {
    messageId: 'PAYOUT-20250301-01',
    createdAt: '2025-03-01T18:00:00Z',
    settlementDate: '2025-03-02',
    settlementMethod: 'CLRG',
    instructingAgent: { bic: BICS.gatewayBank },
    transactions: [
      {
        endToEndId: 'ord-1001-payout',
        instructionId: 'PO-1',
        transactionId: 'PO-TX-1',
        uetr: 'e3b0c442-98fc-4c14-9afb-f4c8996fb924',
        amount: { amount: 121_300, currency: 'EUR' },
        chargeBearer: 'SLEV',
        debtor: { name: 'settleflow gateway' },
        debtorAccount: { iban: IBANS.gateway },
        debtorAgent: { bic: BICS.gatewayBank },
        creditor: { name: 'Rhine Bearings GmbH' },
        creditorAccount: { iban: IBANS.seller },
        creditorAgent: { bic: BICS.sellerBank },
        remittanceInformation: 'Payout order 1001',
      },
    ],
  };
}

/** A pacs.002 report: the group partly accepted, one transaction settled and one rejected for AM04. */
export function sampleStatusReport(): PaymentStatusReport {
  return {
    messageId: 'STS-20250303-0001',
    createdAt: '2025-03-03T08:00:00Z',
    instructingAgent: { bic: BICS.customerBank },
    instructedAgent: { bic: BICS.gatewayBank },
    groups: [
      {
        originalMessageId: 'ECHK-20250301-0001',
        originalMessageName: 'pacs.003.001.08',
        originalCreatedAt: '2025-03-01T09:30:00Z',
        originalNumberOfTransactions: 2,
        status: 'PART',
      },
    ],
    transactions: [
      {
        statusId: 'STS-1',
        originalEndToEndId: 'ord-1001-echeck-1',
        originalTransactionId: 'TX-1001',
        status: 'ACSC',
        acceptedAt: '2025-03-03T07:59:00Z',
        originalAmount: { amount: 125_050, currency: 'EUR' },
      },
      {
        statusId: 'STS-2',
        originalGroup: { messageId: 'ECHK-20250301-0001', messageName: 'pacs.003.001.08' },
        originalEndToEndId: 'ord-1002-echeck-1',
        status: 'RJCT',
        reasons: [{ code: 'AM04', additionalInformation: ['insufficient funds on the debtor account'] }],
      },
    ],
  };
}

/** A pacs.004 return of one e-check for AC04 (account closed). */
export function samplePaymentReturn(): PaymentReturn {
  return {
    messageId: 'RTR-20250305-0001',
    createdAt: '2025-03-05T08:00:00Z',
    settlementDate: '2025-03-05',
    settlementMethod: 'CLRG',
    instructingAgent: { bic: BICS.customerBank },
    transactions: [
      {
        returnId: 'RTR-1',
        originalGroup: { messageId: 'ECHK-20250301-0001', messageName: 'pacs.003.001.08' },
        originalEndToEndId: 'ord-1001-echeck-1',
        originalTransactionId: 'TX-1001',
        originalAmount: { amount: 125_050, currency: 'EUR' },
        returnedAmount: { amount: 125_050, currency: 'EUR' },
        chargeBearer: 'SLEV',
        reasons: [{ code: 'AC04' }],
      },
    ],
  };
}

/** A camt.053 statement of the gateway's account: a collection credited, a payout debited, a return debited. */
export function sampleBankStatement(): BankStatement {
  return {
    messageId: 'STMT-20250305',
    createdAt: '2025-03-05T23:59:00Z',
    statements: [
      {
        id: 'STMT-20250305-NL91',
        electronicSequenceNumber: 64,
        createdAt: '2025-03-05T23:59:00Z',
        account: {
          iban: IBANS.gateway,
          currency: 'EUR',
          ownerName: 'settleflow gateway',
          servicerBic: BICS.gatewayBank,
        },
        balances: [
          { type: 'OPBD', amount: { amount: 1_000_000, currency: 'EUR' }, creditDebit: 'CRDT', date: '2025-03-05' },
          { type: 'CLBD', amount: { amount: 878_700, currency: 'EUR' }, creditDebit: 'CRDT', date: '2025-03-05' },
        ],
        entries: [
          {
            entryReference: 'N1',
            amount: { amount: 125_050, currency: 'EUR' },
            creditDebit: 'CRDT',
            status: 'BOOK',
            bookingDate: '2025-03-05',
            valueDate: '2025-03-05',
            accountServicerReference: 'BANKREF-1',
            bankTransactionCode: { domain: 'PMNT', family: 'IDDT', subFamily: 'ESDD' },
            transactions: [{ endToEndId: 'ord-1001-echeck-1', mandateId: 'CHK-000123' }],
          },
          {
            amount: { amount: 121_300, currency: 'EUR' },
            creditDebit: 'DBIT',
            status: 'BOOK',
            bookingDate: '2025-03-05',
            bankTransactionCode: { domain: 'PMNT', family: 'ICDT', subFamily: 'ESCT' },
            transactions: [
              {
                messageId: 'PAYOUT-20250301-01',
                endToEndId: 'ord-1001-payout',
                amount: { amount: 121_300, currency: 'EUR' },
                creditDebit: 'DBIT',
                remittanceInformation: 'Payout order 1001',
              },
            ],
          },
          {
            amount: { amount: 125_050, currency: 'EUR' },
            creditDebit: 'DBIT',
            reversal: true,
            status: 'BOOK',
            bookingDate: '2025-03-05',
            bankTransactionCode: { domain: 'PMNT', family: 'IDDT', subFamily: 'UPDD' },
            transactions: [{ endToEndId: 'ord-1001-echeck-1', returnReason: { code: 'AC04' } }],
            additionalInformation: 'Returned direct debit',
          },
        ],
      },
    ],
  };
}

/** A camt.054 notification of one credit. */
export function sampleDebitCreditNotification(): DebitCreditNotification {
  return {
    messageId: 'NTFCTN-20250303-1',
    createdAt: '2025-03-03T12:00:00Z',
    notifications: [
      {
        id: 'NTFCTN-1',
        account: { iban: IBANS.gateway, currency: 'EUR' },
        entries: [
          {
            amount: { amount: 125_050, currency: 'EUR' },
            creditDebit: 'CRDT',
            status: 'BOOK',
            bookingDate: '2025-03-03',
            bankTransactionCode: { domain: 'PMNT', family: 'IDDT', subFamily: 'ESDD' },
            transactions: [{ endToEndId: 'ord-1001-echeck-1' }],
          },
        ],
      },
    ],
  };
}
