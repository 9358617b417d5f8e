// Builders and readers for the components every ISO 20022 message of settleflow shares: agents (BIC), accounts
// (IBAN), parties (name), reasons, original-message references and batch control figures. Pure.

import type { Money } from '../domain/money';
import { minorToDecimal } from './amounts';
import type { ElementReader, XmlNode } from './xml-document';
import { checkCount, checkSum, checkTotal } from './xml-document';
import type { Account, Agent, OriginalGroup, Party, Reason } from './schemas';
import { withoutUndefined } from '../domain/objects';

/** `BranchAndFinancialInstitutionIdentification6` holding a BIC. */
export function agentNode(agent: Agent): XmlNode;
export function agentNode(agent: Agent | undefined): XmlNode | undefined;
export function agentNode(agent: Agent | undefined): XmlNode | undefined {
  return agent === undefined ? undefined : { FinInstnId: { BICFI: agent.bic } };
}

/** Reads an agent identified by its BIC. */
export function readAgent(reader: ElementReader): Agent {
  return { bic: reader.required('FinInstnId').requiredText('BICFI') };
}

/** `CashAccount38` identified by an IBAN. */
export function accountNode(account: Account): XmlNode;
export function accountNode(account: Account | undefined): XmlNode | undefined;
export function accountNode(account: Account | undefined): XmlNode | undefined {
  return account === undefined ? undefined : { Id: { IBAN: account.iban } };
}

/** Reads an account identified by its IBAN. */
export function readAccount(reader: ElementReader): Account {
  return { iban: reader.required('Id').requiredText('IBAN') };
}

/** `PartyIdentification135` holding a name. */
export function partyNode(party: Party): XmlNode {
  return { Nm: party.name };
}

/** Reads a party known by its name. */
export function readParty(reader: ElementReader): Party {
  return { name: reader.requiredText('Nm') };
}

/** A reason block (`StatusReasonInformation12`, `PaymentReturnReason6`): the code choice and the free-text lines. */
export function reasonNode(reason: Reason): XmlNode {
  return {
    Rsn: reason.code !== undefined ? { Cd: reason.code } : { Prtry: reason.proprietary ?? '' },
    AddtlInf: reason.additionalInformation,
  };
}

/** Reads a reason block; a block without `Rsn` is read as a proprietary reason only if it has one. */
export function readReason(reader: ElementReader): Reason {
  const choice = reader.required('Rsn');
  const code = choice.optionalText('Cd');
  const proprietary = choice.optionalText('Prtry');
  const additionalInformation = reader.texts('AddtlInf');
  return omitUndefined({
    code,
    proprietary,
    additionalInformation: additionalInformation.length > 0 ? additionalInformation : undefined,
  });
}

/** `OriginalGroupInformation29`: the message a transaction status or return is about. */
export function originalGroupNode(group: OriginalGroup | undefined): XmlNode | undefined {
  if (group === undefined) return undefined;
  return { OrgnlMsgId: group.messageId, OrgnlMsgNmId: group.messageName, OrgnlCreDtTm: group.createdAt };
}

/** Reads `OriginalGroupInformation29`. */
export function readOriginalGroup(reader: ElementReader): OriginalGroup {
  return omitUndefined({
    messageId: reader.requiredText('OrgnlMsgId'),
    messageName: reader.requiredText('OrgnlMsgNmId'),
    createdAt: reader.optionalText('OrgnlCreDtTm'),
  });
}

/** The control sum of a single-currency batch as a decimal of that currency (`CtrlSum`). */
export function controlSum(amounts: readonly Money[]): string {
  const currency = amounts[0]?.currency ?? 'EUR';
  return minorToDecimal(
    amounts.reduce((sum, amount) => sum + amount.amount, 0),
    currency,
  );
}

/** The total of a single-currency batch as an amount (`TtlIntrBkSttlmAmt`, `TtlRtrdIntrBkSttlmAmt`). */
export function batchTotal(amounts: readonly Money[]): Money {
  return { amount: amounts.reduce((sum, amount) => sum + amount.amount, 0), currency: amounts[0]?.currency ?? 'EUR' };
}

/**
 * Checks a group header's control figures against the transactions read: `NbOfTxs`, the optional `CtrlSum` and the
 * optional total named `totalElement` (`TtlIntrBkSttlmAmt`, `TtlRtrdIntrBkSttlmAmt`).
 * @throws Iso20022Error `inconsistent_totals` naming the figure that disagrees
 */
export function checkGroupControls(header: ElementReader, amounts: readonly Money[], totalElement: string): void {
  const total = batchTotal(amounts);
  checkCount(header.requiredText('NbOfTxs'), amounts.length, `${header.path}/NbOfTxs`);
  checkSum(header.optionalText('CtrlSum'), total.amount, total.currency, `${header.path}/CtrlSum`);
  checkTotal(header.optionalAmount(totalElement), total, `${header.path}/${totalElement}`);
}

/** Drops the members whose value is undefined, so a parsed object equals the builder's input exactly. */
export const omitUndefined = withoutUndefined;
