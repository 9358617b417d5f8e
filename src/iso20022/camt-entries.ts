// The account entries and balances camt.053 statements and camt.054 notifications share (`ReportEntry10`,
// `EntryTransaction10`, `CashBalance8`, `CashAccount39`), with their builders and readers. Pure.

import { z } from 'zod';
import type { Money } from '../domain/money';
import { minorToDecimal } from './amounts';
import { Iso20022Error } from './errors';
import { omitUndefined, readReason, reasonNode } from './parts';
import {
  bicSchema,
  currencySchema,
  dateSchema,
  externalCodeSchema,
  ibanSchema,
  identifierSchema,
  isSingleCurrency,
  moneySchema,
  reasonSchema,
  textSchema,
} from './schemas';
import type { ElementReader, XmlNode } from './xml-document';
import { amountNode, checkCount, checkSum } from './xml-document';

/** Whether an entry or balance adds to the account (`CRDT`) or takes from it (`DBIT`). */
export const creditDebitSchema = z.enum(['CRDT', 'DBIT']);
/** Whether an entry or balance adds to the account or takes from it. */
export type CreditDebit = z.infer<typeof creditDebitSchema>;

/** The reported account: its IBAN, and optionally currency, owner's name and servicing bank. */
export const reportedAccountSchema = z.object({
  iban: ibanSchema,
  currency: currencySchema.optional(),
  ownerName: textSchema(140).optional(),
  servicerBic: bicSchema.optional(),
});
/** The reported account. */
export type ReportedAccount = z.infer<typeof reportedAccountSchema>;

/** The bank transaction code (`PMNT`/`RDDT`/`ESDD` for a received direct debit...). */
export const bankTransactionCodeSchema = z.object({
  domain: externalCodeSchema,
  family: externalCodeSchema,
  subFamily: externalCodeSchema,
});
/** The bank transaction code. */
export type BankTransactionCode = z.infer<typeof bankTransactionCodeSchema>;

/** One underlying transaction of an entry, with the references that match it to settleflow's payments. */
export const entryTransactionSchema = z.object({
  messageId: identifierSchema.optional(),
  accountServicerReference: identifierSchema.optional(),
  paymentInformationId: identifierSchema.optional(),
  instructionId: identifierSchema.optional(),
  endToEndId: identifierSchema.optional(),
  transactionId: identifierSchema.optional(),
  mandateId: identifierSchema.optional(),
  amount: moneySchema.optional(),
  creditDebit: creditDebitSchema.optional(),
  remittanceInformation: textSchema(140).optional(),
  /** Present when the entry is a returned payment. */
  returnReason: reasonSchema.optional(),
});
/** One underlying transaction of an entry. */
export type EntryTransaction = z.infer<typeof entryTransactionSchema>;

/** The status of an entry (`BOOK` booked, `PDNG` pending, `INFO` for information, `FUTR` future). */
export const entryStatusSchema = z.enum(['BOOK', 'PDNG', 'INFO', 'FUTR']);

/** One entry on the account: an amount booked (or pending) with its bank transaction code and details. */
export const entrySchema = z.object({
  entryReference: identifierSchema.optional(),
  amount: moneySchema,
  creditDebit: creditDebitSchema,
  reversal: z.boolean().optional(),
  status: entryStatusSchema,
  bookingDate: dateSchema.optional(),
  valueDate: dateSchema.optional(),
  accountServicerReference: identifierSchema.optional(),
  bankTransactionCode: bankTransactionCodeSchema,
  transactions: z.array(entryTransactionSchema).min(1).optional(),
  additionalInformation: textSchema(500).optional(),
});
/** One entry on the account. */
export type Entry = z.infer<typeof entrySchema>;

/** A balance type (`OPBD` opening booked, `CLBD` closing booked, `CLAV` closing available, `ITBD` interim...). */
export const balanceTypeSchema = z.enum([
  'OPBD',
  'CLBD',
  'ITBD',
  'OPAV',
  'CLAV',
  'ITAV',
  'FWAV',
  'PRCD',
  'XPCD',
  'INFO',
]);

/** A balance of the account on a date: a non-negative amount and its side. */
export const balanceSchema = z.object({
  type: balanceTypeSchema,
  amount: moneySchema,
  creditDebit: creditDebitSchema,
  date: dateSchema,
});
/** A balance of the account on a date. */
export type Balance = z.infer<typeof balanceSchema>;

/** Checks that a report's amounts all have the account's currency. */
export function isAccountCurrency(account: ReportedAccount, amounts: readonly Money[]): boolean {
  return isSingleCurrency(amounts) && (account.currency === undefined || amounts[0]?.currency === account.currency);
}

/** Every amount of an entry list (entries and their transactions). */
export function entryAmounts(entries: readonly Entry[]): Money[] {
  return entries.flatMap((entry) => [
    entry.amount,
    ...(entry.transactions ?? []).flatMap((tx) => (tx.amount === undefined ? [] : [tx.amount])),
  ]);
}

/** `CashAccount39` with the IBAN, currency, owner and servicer. */
export function reportedAccountNode(account: ReportedAccount): XmlNode {
  return {
    Id: { IBAN: account.iban },
    Ccy: account.currency,
    Ownr: account.ownerName === undefined ? undefined : { Nm: account.ownerName },
    Svcr: account.servicerBic === undefined ? undefined : { FinInstnId: { BICFI: account.servicerBic } },
  };
}

/** Reads `CashAccount39`. */
export function readReportedAccount(reader: ElementReader): Record<string, unknown> {
  return omitUndefined({
    iban: reader.required('Id').requiredText('IBAN'),
    currency: reader.optionalText('Ccy'),
    ownerName: reader.optional('Ownr')?.optionalText('Nm'),
    servicerBic: reader.optional('Svcr')?.required('FinInstnId').requiredText('BICFI'),
  });
}

/** `CashBalance8`. */
export function balanceNode(balance: Balance): XmlNode {
  return {
    Tp: { CdOrPrtry: { Cd: balance.type } },
    Amt: amountNode(balance.amount),
    CdtDbtInd: balance.creditDebit,
    Dt: { Dt: balance.date },
  };
}

/** Reads `CashBalance8`. */
export function readBalance(reader: ElementReader): Record<string, unknown> {
  return {
    type: reader.required('Tp').required('CdOrPrtry').requiredText('Cd'),
    amount: reader.requiredAmount('Amt'),
    creditDebit: reader.requiredText('CdtDbtInd'),
    date: reader.required('Dt').requiredText('Dt'),
  };
}

/** `ReportEntry10` with its transaction details. */
export function entryNode(entry: Entry): XmlNode {
  return {
    NtryRef: entry.entryReference,
    Amt: amountNode(entry.amount),
    CdtDbtInd: entry.creditDebit,
    RvslInd: entry.reversal === undefined ? undefined : String(entry.reversal),
    Sts: { Cd: entry.status },
    BookgDt: entry.bookingDate === undefined ? undefined : { Dt: entry.bookingDate },
    ValDt: entry.valueDate === undefined ? undefined : { Dt: entry.valueDate },
    AcctSvcrRef: entry.accountServicerReference,
    BkTxCd: {
      Domn: {
        Cd: entry.bankTransactionCode.domain,
        Fmly: { Cd: entry.bankTransactionCode.family, SubFmlyCd: entry.bankTransactionCode.subFamily },
      },
    },
    NtryDtls:
      entry.transactions === undefined
        ? undefined
        : {
            TxDtls: entry.transactions.map((tx) => ({
              Refs: transactionReferencesNode(tx),
              Amt: tx.amount === undefined ? undefined : amountNode(tx.amount),
              CdtDbtInd: tx.creditDebit,
              RmtInf: tx.remittanceInformation === undefined ? undefined : { Ustrd: tx.remittanceInformation },
              RtrInf: tx.returnReason === undefined ? undefined : reasonNode(tx.returnReason),
            })),
          },
    AddtlNtryInf: entry.additionalInformation,
  };
}

/** `TransactionReferences6`, or nothing when the transaction carries no reference. */
function transactionReferencesNode(tx: EntryTransaction): XmlNode | undefined {
  const references: XmlNode = {
    MsgId: tx.messageId,
    AcctSvcrRef: tx.accountServicerReference,
    PmtInfId: tx.paymentInformationId,
    InstrId: tx.instructionId,
    EndToEndId: tx.endToEndId,
    TxId: tx.transactionId,
    MndtId: tx.mandateId,
  };
  return Object.values(references).some((value) => value !== undefined) ? references : undefined;
}

/** Reads `ReportEntry10`. */
export function readEntry(reader: ElementReader): Record<string, unknown> {
  const reversal = reader.optionalText('RvslInd');
  if (reversal !== undefined && !['true', 'false', '1', '0'].includes(reversal)) {
    throw new Iso20022Error('invalid_value', `${reader.path}/RvslInd must be true or false`, `${reader.path}/RvslInd`);
  }
  const domain = reader.required('BkTxCd').required('Domn');
  const details = reader.all('NtryDtls').flatMap((block) => block.all('TxDtls'));
  return omitUndefined({
    entryReference: reader.optionalText('NtryRef'),
    amount: reader.requiredAmount('Amt'),
    creditDebit: reader.requiredText('CdtDbtInd'),
    reversal: reversal === undefined ? undefined : reversal === 'true' || reversal === '1',
    status: reader.required('Sts').requiredText('Cd'),
    bookingDate: reader.optional('BookgDt')?.requiredText('Dt'),
    valueDate: reader.optional('ValDt')?.requiredText('Dt'),
    accountServicerReference: reader.optionalText('AcctSvcrRef'),
    bankTransactionCode: {
      domain: domain.requiredText('Cd'),
      family: domain.required('Fmly').requiredText('Cd'),
      subFamily: domain.required('Fmly').requiredText('SubFmlyCd'),
    },
    transactions: details.length === 0 ? undefined : details.map(readEntryTransaction),
    additionalInformation: reader.optionalText('AddtlNtryInf'),
  });
}

/** Reads `EntryTransaction10`. */
function readEntryTransaction(reader: ElementReader): Record<string, unknown> {
  const references = reader.optional('Refs');
  const returnInformation = reader.optional('RtrInf');
  return omitUndefined({
    messageId: references?.optionalText('MsgId'),
    accountServicerReference: references?.optionalText('AcctSvcrRef'),
    paymentInformationId: references?.optionalText('PmtInfId'),
    instructionId: references?.optionalText('InstrId'),
    endToEndId: references?.optionalText('EndToEndId'),
    transactionId: references?.optionalText('TxId'),
    mandateId: references?.optionalText('MndtId'),
    amount: reader.optionalAmount('Amt'),
    creditDebit: reader.optionalText('CdtDbtInd'),
    remittanceInformation: reader.optional('RmtInf')?.optionalText('Ustrd'),
    returnReason: returnInformation && readReason(returnInformation),
  });
}

/** `TotalTransactions6`: number and sum of credit entries and of debit entries, from the entries themselves. */
export function transactionsSummaryNode(entries: readonly Entry[], currency: string): XmlNode | undefined {
  if (entries.length === 0) return undefined;
  const side = (creditDebit: CreditDebit): XmlNode => {
    const chosen = entries.filter((entry) => entry.creditDebit === creditDebit);
    const sum = chosen.reduce((total, entry) => total + entry.amount.amount, 0);
    return { NbOfNtries: String(chosen.length), Sum: minorToDecimal(sum, currency) };
  };
  return { TtlCdtNtries: side('CRDT'), TtlDbtNtries: side('DBIT') };
}

/** Checks a `TxsSummry`'s credit and debit counts and sums against the entries, when the document has one. */
export function checkTransactionsSummary(summary: ElementReader | undefined, entries: readonly Entry[]): void {
  if (summary === undefined) return;
  const currency = entries[0]?.amount.currency ?? 'EUR';
  for (const [name, creditDebit] of [
    ['TtlCdtNtries', 'CRDT'],
    ['TtlDbtNtries', 'DBIT'],
  ] as const) {
    const side = summary.optional(name);
    if (side === undefined) continue;
    const chosen = entries.filter((entry) => entry.creditDebit === creditDebit);
    checkCount(side.optionalText('NbOfNtries'), chosen.length, `${side.path}/NbOfNtries`);
    checkSum(
      side.optionalText('Sum'),
      chosen.reduce((total, entry) => total + entry.amount.amount, 0),
      currency,
      `${side.path}/Sum`,
    );
  }
}
