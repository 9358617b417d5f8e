// Assembles the gateway's bank side in one process: the connection to the bank host, the record of messages, the
// card client, the reversal queue (resumed at start) and the card payments. The gateway worker owns exactly one of
// these; tests and the benchmark build their own. It must never be built by a second process on the same database
// while the first runs (one process holds the bank connection).

import type { Config } from '../config';
import type { Database } from '../persistence/database';
import { KeyRing } from '../security/key-ring';
import type { KeyVault } from '../security/purpose-keys';
import { BankConnection } from './bank-connector/bank-connection';
import { CardClient } from './bank-connector/card-client';
import { BankMessageLog } from './bank-connector/message-log';
import { ReversalQueue } from './bank-connector/reversal-queue';
import { CardPayments } from './card-payments';
import { EcashWallets } from './ecash-wallets';
import type { EcheckSettings } from './echeck-payments';
import { EcheckPayments } from './echeck-payments';
import type { MicropaymentSettings } from './micropayments';
import { Micropayments } from './micropayments';
import type { FeeRule } from './settlement/fees';
import { SettlementBatches } from './settlement/settlement-batches';
import type { ReconciliationSettings } from './reconciliation/reconciler';
import { Reconciler } from './reconciliation/reconciler';
import { instrumentOpener } from './vault/instruction-opener';

/** The bank side's settings (README, Gateway worker: configuration). */
export interface GatewaySettings {
  /** `host:port` of the bank host's ISO 8583 channel. */
  bankHostAddress: string;
  /** Field 32: settleflow's acquiring institution id at the bank. */
  acquirerId: string;
  /** Field 41. */
  terminalId: string;
  requestTimeoutMs: number;
  connectWaitMs: number;
  echoIntervalMs: number;
  reconnectInitialMs: number;
  reconnectMaxMs: number;
  maxInFlight: number;
  /** How long a reversal is repeated before the payment is left `unknown` for an operator. */
  reversalHorizonMs: number;
  reversalRetryInitialMs: number;
  reversalRetryMaxMs: number;
  /** Electronic checks over the bank host's ISO 20022 channel (README, Payment methods). */
  echeck: Omit<EcheckSettings, 'requestTimeoutMs'>;
  /** Card micropayments collected per customer and seller (README, Payment methods). */
  micropayments: MicropaymentSettings;
  /** Settlement batches' fee when no schedule or gateway setting names one (GATEWAY_FEE_BPS, GATEWAY_FEE_FIXED_MINOR). */
  settlementDefaultFee: FeeRule;
  /** Reconciliation (README, Reconciliation); the account and channel are the e-checks' (`echeck`). */
  reconciliation?: Partial<Pick<ReconciliationSettings, 'currencies' | 'timingWindowDays' | 'batchSize' | 'observe'>>;
}

/** Defaults of {@link GatewaySettings} (the README lists them with their variables). */
export const DEFAULT_GATEWAY_SETTINGS: Omit<GatewaySettings, 'bankHostAddress'> = {
  acquirerId: '4711',
  terminalId: 'SFGW0001',
  requestTimeoutMs: 5_000,
  connectWaitMs: 5_000,
  echoIntervalMs: 30_000,
  reconnectInitialMs: 100,
  reconnectMaxMs: 10_000,
  maxInFlight: 256,
  reversalHorizonMs: 10 * 60_000,
  reversalRetryInitialMs: 250,
  reversalRetryMaxMs: 30_000,
  echeck: {
    iso20022Url: 'http://127.0.0.1:8584',
    creditorIban: 'DE97500105170000000001',
    bankBic: 'SFBKDEFFXXX',
    clearingMs: 10_000,
  },
  micropayments: { thresholdMinor: 1_000, maxSumMinor: 5_000, maxAgeMs: 5_000 },
  settlementDefaultFee: { bps: 150, fixedMinor: 25 },
};

/** The gateway's bank side, running. */
export interface GatewayRuntime {
  connection: BankConnection;
  messages: BankMessageLog;
  cards: CardClient;
  reversals: ReversalQueue;
  payments: CardPayments;
  /** Electronic checks (ISO 20022 direct debits). */
  echecks: EcheckPayments;
  /** Electronic cash wallets. */
  wallets: EcashWallets;
  /** Card micropayments and their aggregates. */
  micropayments: Micropayments;
  /** Settlement batches (pacs.008 payouts over the ISO 20022 channel). */
  settlement: SettlementBatches;
  /** The day's reconciliation against the bank's statement and 0500 totals. */
  reconciler: Reconciler;
  /** Stops the queue, flushes the message record and closes the connection. */
  close(): Promise<void>;
}

/** Connects to the bank host and resumes pending reversals. */
export async function startGatewayRuntime(options: {
  db: Database;
  vault: KeyVault;
  settings: GatewaySettings;
  log: (line: string) => void;
}): Promise<GatewayRuntime> {
  const { db, settings, log } = options;
  // The gateway seals and opens payment instruments under the card vault's keys only.
  const vault = options.vault.keys('card-vault');
  const [host, port] = splitAddress(settings.bankHostAddress);
  const messages = new BankMessageLog(db.connection, { log });
  await messages.ensureIndexes();
  const connection = new BankConnection({
    host,
    port,
    acquirerId: settings.acquirerId,
    requestTimeoutMs: settings.requestTimeoutMs,
    connectWaitMs: settings.connectWaitMs,
    echoIntervalMs: settings.echoIntervalMs,
    reconnect: { initialMs: settings.reconnectInitialMs, maxMs: settings.reconnectMaxMs, factor: 2, minMs: 20 },
    maxInFlight: settings.maxInFlight,
    maxBadFrames: 3,
    log,
    onMessage: ({ direction, message, matched }) => {
      // The card client records its own exchanges; the connection adds what matched nothing (late, duplicate, stray).
      if (!matched) messages.record(direction, message, false);
    },
  });
  connection.start();
  const cards = new CardClient(connection, messages, settings.acquirerId);
  const late: { payments?: CardPayments } = {};
  const reversals = new ReversalQueue(db.connection, cards, vault, {
    horizonMs: settings.reversalHorizonMs,
    backoff: { initialMs: settings.reversalRetryInitialMs, maxMs: settings.reversalRetryMaxMs, factor: 2, minMs: 20 },
    attemptTimeoutMs: settings.requestTimeoutMs,
    log,
    onDone: (record) => late.payments?.onReversalDone(record) ?? Promise.resolve(),
  });
  // Payment instruments come as vault tokens (or, from histories before tokens, sealed under the card vault).
  const instruments = instrumentOpener({
    db,
    cardVault: vault,
    ring: options.vault instanceof KeyRing ? options.vault : undefined,
  });
  const payments = new CardPayments(db, cards, reversals, vault, {
    terminalId: settings.terminalId,
    requestTimeoutMs: settings.requestTimeoutMs,
    instruments,
  });
  late.payments = payments;
  await reversals.resume();
  const echecks = new EcheckPayments(
    db,
    vault,
    { ...settings.echeck, requestTimeoutMs: settings.requestTimeoutMs },
    undefined,
    instruments,
  );
  const wallets = new EcashWallets(db, vault, undefined, instruments);
  const micropayments = new Micropayments(db, vault, settings.micropayments, instruments);
  const settlement = new SettlementBatches(db, vault, {
    iso20022Url: settings.echeck.iso20022Url,
    iso20022Token: settings.echeck.iso20022Token,
    debtorIban: settings.echeck.creditorIban,
    bankBic: settings.echeck.bankBic,
    requestTimeoutMs: settings.requestTimeoutMs,
    defaultFee: settings.settlementDefaultFee ?? DEFAULT_GATEWAY_SETTINGS.settlementDefaultFee,
    observe: settings.echeck.observe,
  });
  await settlement.ensureIndexes();
  const reconciler = new Reconciler(db, connection, messages, {
    iban: settings.echeck.creditorIban,
    iso20022Url: settings.echeck.iso20022Url,
    iso20022Token: settings.echeck.iso20022Token,
    acquirerId: settings.acquirerId,
    requestTimeoutMs: settings.requestTimeoutMs,
    currencies: ['EUR'],
    timingWindowDays: 1,
    batchSize: 500,
    ...settings.reconciliation,
  });
  return {
    connection,
    messages,
    cards,
    reversals,
    payments,
    echecks,
    wallets,
    micropayments,
    settlement,
    reconciler,
    async close() {
      reversals.stop();
      await messages.flush();
      await connection.close();
    },
  };
}

function splitAddress(address: string): [string, number] {
  const at = address.lastIndexOf(':');
  const port = Number(address.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`BANK_HOST_ADDRESS=${address} is not host:port`);
  }
  return [address.slice(0, at), port];
}

/** The gateway's settings from the process configuration (GATEWAY_*, BANK_HOST_*, ECHECK_*, MICROPAYMENT_*). */
export function gatewaySettingsFrom(config: Config): GatewaySettings {
  const g = config.gateway;
  return {
    ...DEFAULT_GATEWAY_SETTINGS,
    bankHostAddress: g.bankHostAddress,
    acquirerId: g.acquirerId,
    terminalId: g.terminalId,
    requestTimeoutMs: g.requestTimeoutMs,
    echoIntervalMs: g.echoIntervalMs,
    reconnectMaxMs: g.reconnectMaxMs,
    maxInFlight: g.maxInFlight,
    reversalHorizonMs: g.reversalHorizonMs,
    reversalRetryInitialMs: g.reversalRetryInitialMs,
    reversalRetryMaxMs: g.reversalRetryMaxMs,
    echeck: g.echeck,
    micropayments: g.micropayments,
    settlementDefaultFee: config.gatewayFee,
    reconciliation: g.reconciliation,
  };
}
