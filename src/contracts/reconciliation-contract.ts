// The contract between the reconciliation workflow (gateway task queue) and the gateway worker's reconciliation
// activities, and between the API that starts it and the workflow: names, inputs and what each step answers. Types and
// pure helpers only, so the workflow may import it.

/** The workflow type. */
export const RECONCILIATION_WORKFLOW = 'reconciliationWorkflow';

/** What a day's reconciliation is started with. */
export interface ReconciliationWorkflowInput {
  /** `recon-<day>-<account digest>`: also the workflow id, so one day of one account runs once at a time. */
  runId: string;
  /** The day (YYYY-MM-DD, UTC) whose statement and ledger are reconciled. */
  day: string;
  /** The settlement account (the worker refuses another than the one it is set up for). */
  iban: string;
}

/** The 0500/0510 comparison of one currency, as the run keeps it. */
export interface TotalsOutcome {
  currency: string;
  settlementCode: string;
}

/** What the workflow answers: the run's counts per class and the 0510 verdicts. */
export interface ReconciliationWorkflowResult {
  runId: string;
  status: 'COMPLETED' | 'FAILED';
  counts: Record<string, number>;
  totals: TotalsOutcome[];
  failure?: string | undefined;
}

/** The activities the workflow calls (implemented in src/gateway/reconciliation/activities.ts). */
export interface ReconciliationActivities {
  reconciliationBegin(input: ReconciliationWorkflowInput): Promise<void>;
  reconciliationStageBank(input: ReconciliationWorkflowInput): Promise<number>;
  reconciliationStageLedger(input: ReconciliationWorkflowInput): Promise<number>;
  reconciliationCompareTotals(input: ReconciliationWorkflowInput): Promise<TotalsOutcome[]>;
  reconciliationMatch(input: ReconciliationWorkflowInput): Promise<Record<string, number>>;
  reconciliationFinish(
    input: ReconciliationWorkflowInput,
    outcome: { bankLines: number; ledgerLines: number },
  ): Promise<ReconciliationWorkflowResult>;
  reconciliationFail(input: ReconciliationWorkflowInput, reason: string): Promise<void>;
}

/** The previous day (YYYY-MM-DD, UTC) of an instant: what a run after end of day reconciles. */
export function previousDay(at: Date): string {
  return new Date(at.getTime() - 86_400_000).toISOString().slice(0, 10);
}
