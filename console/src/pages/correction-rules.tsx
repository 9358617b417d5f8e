// Correction rules (operators): the rules in force, edited as a draft; the draft's dry run against a run (what it would
// do to each open break, with the journals it would post; nothing written); then saved as a new version and applied
// to that run, but only when the rules in force then plan exactly what the dry run showed (the API's digest); every
// version and the audit trail (who, when, before, after).

import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { Link, useSearch } from 'wouter';
import { api, messageOf, unwrap } from '../api/client';
import type { SchemaCorrectionPlan, SchemaCorrectionRuleSet } from '../api/schema';
import { ErrorMessage, PageHeading, StatusBadge, StatusMessage, TableRegion } from '../components';
import { formatMoney, formatTime, humanize } from '../format';
import { useLoad } from '../hooks';

type Rule = SchemaCorrectionRuleSet['rules'][number];
type BreakClass = Rule['class'];

const BREAK_CLASSES: readonly BreakClass[] = [
  'AMOUNT_MISMATCH',
  'MISSING_IN_BANK',
  'MISSING_IN_LEDGER',
  'DUPLICATE',
  'TIMING',
];
/** What each class admits besides QUEUE (as the API's correctionRuleSchema). */
const ACTIONS: Record<BreakClass, string[]> = {
  TIMING: ['ACCEPT', 'QUEUE'],
  AMOUNT_MISMATCH: ['ADJUST', 'QUEUE'],
  DUPLICATE: ['REVERSE', 'QUEUE'],
  MISSING_IN_BANK: ['QUEUE'],
  MISSING_IN_LEDGER: ['QUEUE'],
};

/** A rule as the form holds it (every field text). */
interface RuleRow {
  id: string;
  class: BreakClass;
  action: string;
  maxDays: string;
  toleranceMinor: string;
  currency: string;
  account: string;
}

function toRow(rule: Rule): RuleRow {
  return {
    id: rule.id,
    class: rule.class,
    action: rule.action,
    maxDays: 'maxDays' in rule ? String(rule.maxDays) : '1',
    toleranceMinor: 'toleranceMinor' in rule ? String(rule.toleranceMinor) : '100',
    currency: 'currency' in rule && rule.currency ? rule.currency : '',
    account: 'account' in rule ? rule.account : 'gateway:recon-differences',
  };
}

function toRule(row: RuleRow): Rule {
  const id = row.id.trim();
  if (row.class === 'TIMING' && row.action === 'ACCEPT')
    return { id, class: 'TIMING', action: 'ACCEPT', maxDays: Number(row.maxDays) };
  if (row.class === 'AMOUNT_MISMATCH' && row.action === 'ADJUST') {
    return {
      id,
      class: 'AMOUNT_MISMATCH',
      action: 'ADJUST',
      toleranceMinor: Number(row.toleranceMinor),
      account: row.account.trim(),
      ...(row.currency.trim() ? { currency: row.currency.trim().toUpperCase() } : {}),
    };
  }
  if (row.class === 'DUPLICATE' && row.action === 'REVERSE')
    return { id, class: 'DUPLICATE', action: 'REVERSE', account: row.account.trim() };
  return { id, class: row.class, action: 'QUEUE' };
}

/** A rule in one line. */
export function ruleText(rule: Rule): string {
  switch (rule.action) {
    case 'ACCEPT':
      return `${rule.id}: timing breaks the bank booked at most ${rule.maxDays} day(s) later are accepted`;
    case 'ADJUST':
      return `${rule.id}: amount differences up to ${rule.toleranceMinor} minor units${rule.currency ? ` in ${rule.currency}` : ''} are adjusted against ${rule.account}`;
    case 'REVERSE':
      return `${rule.id}: duplicates are reversed (a bank duplicate held on ${rule.account})`;
    default:
      return `${rule.id}: ${humanize(rule.class).toLowerCase()} breaks go to the queue`;
  }
}

function rulesText(value: unknown): string {
  const rules = (value as { rules?: Rule[] } | null | undefined)?.rules;
  if (!rules) return '—';
  return rules.length === 0 ? 'no rules' : rules.map(ruleText).join('; ');
}

function RuleEditor({
  row,
  index,
  update,
  remove,
}: {
  row: RuleRow;
  index: number;
  update: (row: RuleRow) => void;
  remove: () => void;
}) {
  const id = `rule-${index}`;
  const set = (field: keyof RuleRow) => (event: { target: { value: string } }) => {
    const next = { ...row, [field]: event.target.value };
    if (field === 'class' && !ACTIONS[next.class].includes(next.action)) next.action = ACTIONS[next.class][0]!;
    update(next);
  };
  return (
    <div className="filters seller-row" role="group" aria-label={`Rule ${index + 1}`}>
      <div className="field">
        <label htmlFor={`${id}-id`}>Rule id</label>
        <input id={`${id}-id`} value={row.id} onChange={set('id')} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-class`}>Break class</label>
        <select id={`${id}-class`} value={row.class} onChange={set('class')}>
          {BREAK_CLASSES.map((name) => (
            <option key={name} value={name}>
              {humanize(name)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-action`}>Action</label>
        <select id={`${id}-action`} value={row.action} onChange={set('action')}>
          {ACTIONS[row.class].map((name) => (
            <option key={name} value={name}>
              {humanize(name)}
            </option>
          ))}
        </select>
      </div>
      {row.action === 'ACCEPT' && (
        <div className="field">
          <label htmlFor={`${id}-days`}>At most days later</label>
          <input id={`${id}-days`} type="number" min={0} max={31} value={row.maxDays} onChange={set('maxDays')} />
        </div>
      )}
      {row.action === 'ADJUST' && (
        <>
          <div className="field">
            <label htmlFor={`${id}-tolerance`}>Tolerance (minor units)</label>
            <input
              id={`${id}-tolerance`}
              type="number"
              min={1}
              value={row.toleranceMinor}
              onChange={set('toleranceMinor')}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-currency`}>Only currency (empty: any)</label>
            <input id={`${id}-currency`} maxLength={3} value={row.currency} onChange={set('currency')} />
          </div>
        </>
      )}
      {(row.action === 'ADJUST' || row.action === 'REVERSE') && (
        <div className="field">
          <label htmlFor={`${id}-account`}>Ledger account</label>
          <input id={`${id}-account`} value={row.account} onChange={set('account')} />
        </div>
      )}
      <div className="actions">
        <button type="button" className="secondary" onClick={remove}>
          Remove rule {index + 1}
        </button>
      </div>
    </div>
  );
}

function PlanTable({ plan, applied = false }: { plan: SchemaCorrectionPlan; applied?: boolean }) {
  const counts = plan.entries.reduce<Record<string, number>>((sum, entry) => {
    sum[entry.action] = (sum[entry.action] ?? 0) + 1;
    return sum;
  }, {});
  return (
    <>
      <p>
        {plan.entries.length} open break(s):{' '}
        {Object.entries(counts)
          .map(([action, count]) => `${count} ${humanize(action).toLowerCase()}`)
          .join(', ') || 'nothing to do'}
        .
      </p>
      <TableRegion label="Correction plan">
        <table>
          <thead>
            <tr>
              <th scope="col">Break</th>
              <th scope="col">Class</th>
              <th scope="col">Action</th>
              <th scope="col">Reason</th>
              <th scope="col">{applied ? 'Journal posted' : 'Journal it would post'}</th>
            </tr>
          </thead>
          <tbody>
            {plan.entries.map((entry) => (
              <tr key={entry.itemId}>
                <th scope="row" className="wrap small">
                  <Link href={`/exceptions/${encodeURIComponent(entry.itemId)}`}>
                    {entry.itemId.startsWith(`${plan.runId}:`)
                      ? entry.itemId.slice(plan.runId.length + 1)
                      : entry.itemId}
                  </Link>
                </th>
                <td>{humanize(entry.class)}</td>
                <td>
                  <StatusBadge status={entry.action} />
                </td>
                <td className="small">{entry.reason}</td>
                <td className="small">
                  {entry.journal ? (
                    <>
                      <code>{entry.journal.journalId}</code>
                      <ul className="plain">
                        {entry.journal.legs.map((leg, index) => (
                          <li key={index}>
                            {leg.direction === 'DEBIT' ? 'Debit' : 'Credit'} {leg.account}{' '}
                            {formatMoney({ amount: leg.amount, currency: leg.currency })}
                          </li>
                        ))}
                      </ul>
                    </>
                  ) : (
                    '—'
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableRegion>
    </>
  );
}

function History({ generation }: { generation: number }) {
  const versions = useLoad(
    async () => unwrap(await api.GET('/v1/reconciliation/rules/versions', { params: { query: { limit: 20 } } })),
    [generation],
  );
  const audit = useLoad(async () => unwrap(await api.GET('/v1/reconciliation/rules/audit')), [generation]);
  const entries = [...(audit.data?.data ?? [])].reverse();
  return (
    <>
      <section className="card" aria-labelledby="versions-title">
        <h2 id="versions-title">Versions</h2>
        <ErrorMessage message={versions.error} />
        <TableRegion label="Rule versions">
          <table>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Written</th>
                <th scope="col">Rules</th>
                <th scope="col">Comment</th>
              </tr>
            </thead>
            <tbody>
              {(versions.data?.data ?? []).map((version) => (
                <tr key={version.version}>
                  <th scope="row">{version.version}</th>
                  <td className="small">
                    {formatTime(version.createdAt)}
                    <br />
                    {version.createdBy}
                  </td>
                  <td className="small">{rulesText(version)}</td>
                  <td className="small">{version.comment ?? '—'}</td>
                </tr>
              ))}
              {!versions.loading && (versions.data?.data ?? []).length === 0 && (
                <tr>
                  <td colSpan={4}>No version yet: version 0, every break goes to the queue.</td>
                </tr>
              )}
            </tbody>
          </table>
        </TableRegion>
      </section>
      <section className="card" aria-labelledby="rules-audit-title">
        <h2 id="rules-audit-title">Audit trail</h2>
        <ErrorMessage message={audit.error} />
        <TableRegion label="Rules audit trail">
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Before</th>
                <th scope="col">After</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry, index) => (
                <tr key={index}>
                  <td className="nowrap">{formatTime(entry.at)}</td>
                  <th scope="row">{entry.actor}</th>
                  <td className="small">{rulesText(entry.before)}</td>
                  <td className="small">{rulesText(entry.after)}</td>
                </tr>
              ))}
              {!audit.loading && entries.length === 0 && (
                <tr>
                  <td colSpan={4}>No change yet.</td>
                </tr>
              )}
            </tbody>
          </table>
        </TableRegion>
      </section>
    </>
  );
}

/** Whether two plans do the same to the same breaks (their versions aside). */
function samePlan(a: SchemaCorrectionPlan, b: SchemaCorrectionPlan): boolean {
  return JSON.stringify(a.entries) === JSON.stringify(b.entries);
}

/** The correction rules page. */
export function CorrectionRulesPage() {
  const search = new URLSearchParams(useSearch());
  const [generation, setGeneration] = useState(0);
  const current = useLoad(async () => unwrap(await api.GET('/v1/reconciliation/rules')), [generation]);
  const runs = useLoad(
    async () => unwrap(await api.GET('/v1/reconciliation/runs', { params: { query: { limit: 50 } } })),
    [],
  );
  const [rows, setRows] = useState<RuleRow[]>([]);
  const [comment, setComment] = useState('');
  const [runId, setRunId] = useState(search.get('runId') ?? '');
  const [plan, setPlan] = useState<SchemaCorrectionPlan>();
  const [planOf, setPlanOf] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [message, setMessage] = useState<string>();
  const [applied, setApplied] = useState<SchemaCorrectionPlan>();

  useEffect(() => {
    if (current.data) setRows(current.data.rules.map(toRow));
  }, [current.data]);
  useEffect(() => {
    const first = runs.data?.data.find((run) => run.status === 'COMPLETED');
    if (!runId && first) setRunId(first.runId);
  }, [runs.data, runId]);

  const draft = rows.map(toRule);
  const draftKey = JSON.stringify({ draft, runId });
  const planned = plan !== undefined && planOf === draftKey;

  const step = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    setMessage(undefined);
    try {
      await work();
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  };

  const dryRun = (event: FormEvent) => {
    event.preventDefault();
    void step(async () => {
      setApplied(undefined);
      const answer = unwrap(
        await api.POST('/v1/reconciliation/runs/{runId}/dry-run', {
          params: { path: { runId } },
          body: { rules: draft },
        }),
      );
      setPlan(answer);
      setPlanOf(draftKey);
      setMessage('Dry run done: nothing was written.');
    });
  };

  const saveAndApply = () =>
    void step(async () => {
      if (!current.data || !plan) return;
      const saved = unwrap(
        await api.POST('/v1/reconciliation/rules', {
          body: {
            expectedVersion: current.data.version,
            rules: draft,
            ...(comment.trim() ? { comment: comment.trim() } : {}),
          },
        }),
      );
      setGeneration((n) => n + 1);
      const inForce = unwrap(
        await api.POST('/v1/reconciliation/runs/{runId}/dry-run', { params: { path: { runId } }, body: {} }),
      );
      if (!samePlan(inForce, plan)) {
        setPlan(inForce);
        setPlanOf(draftKey);
        setMessage(
          `Saved as version ${saved.version}, not applied: the run's breaks changed since the dry run. Check the plan below and apply again.`,
        );
        return;
      }
      const done = unwrap(
        await api.POST('/v1/reconciliation/runs/{runId}/corrections', {
          params: { path: { runId } },
          body: { ruleSetVersion: saved.version, digest: inForce.digest },
        }),
      );
      setApplied(done);
      setPlan(undefined);
      setComment('');
      const corrected = done.entries.filter((entry) => entry.action !== 'QUEUE').length;
      setMessage(
        `Saved as version ${saved.version} and applied to the run: ${corrected} break(s) corrected, ${done.entries.length - corrected} left in the queue.`,
      );
    });

  const completedRuns = (runs.data?.data ?? []).filter((run) => run.status === 'COMPLETED');
  return (
    <>
      <PageHeading title="Correction rules">
        <p>
          <Link href="/reconciliation">Reconciliation runs</Link> · <Link href="/exceptions">Exception queue</Link>
        </p>
      </PageHeading>
      <ErrorMessage message={current.error} />
      {current.data && (
        <section className="card" aria-labelledby="in-force-title">
          <h2 id="in-force-title">In force: version {current.data.version}</h2>
          {current.data.rules.length === 0 ? (
            <p>No rules: every break goes to the exception queue.</p>
          ) : (
            <ol>
              {current.data.rules.map((rule) => (
                <li key={rule.id}>{ruleText(rule)}</li>
              ))}
            </ol>
          )}
          <p className="muted small">
            For each break the first rule of its class that applies decides; none: it stays in the queue. A correction
            is a new ADJUSTMENT or REVERSAL journal, never an edit.
            {current.data.createdBy
              ? ` Written by ${current.data.createdBy} ${formatTime(current.data.createdAt)}.`
              : ''}
          </p>
        </section>
      )}
      {current.data && (
        <form className="card" onSubmit={dryRun} aria-labelledby="draft-title">
          <h2 id="draft-title">Draft</h2>
          {rows.map((row, index) => (
            <RuleEditor
              key={index}
              row={row}
              index={index}
              update={(next) => setRows((list) => list.map((r, i) => (i === index ? next : r)))}
              remove={() => setRows((list) => list.filter((_, i) => i !== index))}
            />
          ))}
          <div className="actions">
            <button
              type="button"
              className="secondary"
              onClick={() =>
                setRows((list) => [
                  ...list,
                  toRow({
                    id: `rule-${list.length + 1}`,
                    class: 'AMOUNT_MISMATCH',
                    action: 'ADJUST',
                    toleranceMinor: 100,
                    account: 'gateway:recon-differences',
                  }),
                ])
              }
            >
              Add a rule
            </button>
            <button type="button" className="secondary" onClick={() => setRows(current.data!.rules.map(toRow))}>
              Reset the draft
            </button>
          </div>
          <div className="filters">
            <div className="field wide">
              <label htmlFor="dry-run-run">Run to try it on</label>
              <select id="dry-run-run" required value={runId} onChange={(event) => setRunId(event.target.value)}>
                <option value="">Choose a run</option>
                {completedRuns.map((run) => (
                  <option key={run.runId} value={run.runId}>
                    {run.day} ({run.runId})
                  </option>
                ))}
              </select>
            </div>
            <div className="field full">
              <label htmlFor="rules-comment">Why (kept in the audit)</label>
              <input
                id="rules-comment"
                maxLength={500}
                value={comment}
                onChange={(event) => setComment(event.target.value)}
              />
            </div>
          </div>
          <div className="actions">
            <button type="submit" disabled={busy || !runId}>
              Dry run the draft
            </button>
            <button type="button" disabled={busy || !planned} onClick={saveAndApply}>
              Save as version {current.data.version + 1} and apply
            </button>
            {!planned && <span className="muted small">Dry run the draft first; apply does what it showed.</span>}
          </div>
          <ErrorMessage message={error} />
          <StatusMessage message={message} />
          {plan && (
            <section aria-labelledby="plan-title">
              <h3 id="plan-title" className="h3">
                What the {planned ? 'draft' : 'last dry run'} would do to {plan.runId}
              </h3>
              <PlanTable plan={plan} />
            </section>
          )}
          {applied && (
            <section aria-labelledby="applied-title">
              <h3 id="applied-title" className="h3">
                Applied to {applied.runId} (version {applied.ruleSetVersion})
              </h3>
              <PlanTable plan={applied} applied />
            </section>
          )}
        </form>
      )}
      <History generation={generation} />
    </>
  );
}
