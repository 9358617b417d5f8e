// The console's shell: sign-in, the navigation for the signed-in party's role, and the pages. Operators get every
// page (settlement, reconciliation, correction rules and reports included); other parties get their orders and inbox,
// and never see an operator's page or its navigation entry (the API refuses them anyway).

import { useEffect, useRef } from 'react';
import type { ReactNode } from 'react';
import { Link, Redirect, Route, Router, Switch, useLocation } from 'wouter';
import { AttentionPage } from './pages/attention';
import { BatchDetailPage } from './pages/batch-detail';
import { CorrectionRulesPage } from './pages/correction-rules';
import { ExceptionDetailPage } from './pages/exception-detail';
import { ExceptionsPage } from './pages/exceptions';
import { InboxPage } from './pages/inbox';
import { MonitoringPage } from './pages/monitoring';
import { OrderDetailPage } from './pages/order-detail';
import { OrdersPage } from './pages/orders';
import { PartiesPage } from './pages/parties';
import { PartyDetailPage } from './pages/party-detail';
import { ReconciliationPage } from './pages/reconciliation';
import { ReportsPage } from './pages/reports';
import { RunDetailPage } from './pages/run-detail';
import { SettlementPage } from './pages/settlement';
import { SettingsPage } from './pages/settings';
import { SignInPage } from './pages/sign-in';
import { SessionProvider, useParty, useSession } from './session';

const NAV: { href: string; label: string; operatorOnly: boolean }[] = [
  { href: '/orders', label: 'Orders', operatorOnly: false },
  { href: '/inbox', label: 'Inbox', operatorOnly: false },
  { href: '/attention', label: 'Needs attention', operatorOnly: true },
  { href: '/parties', label: 'Parties', operatorOnly: true },
  { href: '/monitoring', label: 'Monitoring', operatorOnly: true },
  { href: '/settlement', label: 'Settlement', operatorOnly: true },
  { href: '/reconciliation', label: 'Reconciliation', operatorOnly: true },
  { href: '/exceptions', label: 'Exceptions', operatorOnly: true },
  { href: '/correction-rules', label: 'Correction rules', operatorOnly: true },
  { href: '/reports', label: 'Reports', operatorOnly: true },
  { href: '/settings', label: 'Settings', operatorOnly: true },
];

function Shell({ children }: { children: ReactNode }) {
  const party = useParty();
  const { signOut } = useSession();
  const [location] = useLocation();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);

  // After a navigation, focus moves to the page's content so a screen reader announces the new page.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
  }, [location]);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">settleflow console</span>
        <nav aria-label="Main">
          <ul>
            {NAV.filter((item) => !item.operatorOnly || party.role === 'operator').map((item) => {
              const current = location === item.href || location.startsWith(`${item.href}/`);
              return (
                <li key={item.href}>
                  <Link href={item.href} aria-current={current ? 'page' : undefined}>
                    {item.label}
                  </Link>
                </li>
              );
            })}
          </ul>
        </nav>
        <div className="who">
          <span>
            {party.name} <span className="muted">({party.role})</span>
          </span>
          <button type="button" className="secondary" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {children}
      </main>
    </>
  );
}

/** A path segment as the page needs it (links encode ids; a malformed escape stays as it is). */
function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function Pages() {
  const { session, checking } = useSession();
  if (checking) {
    return (
      <main id="main" className="center">
        <p role="status">Loading…</p>
      </main>
    );
  }
  if (!session) return <SignInPage />;
  const operator = session.party.role === 'operator';
  return (
    <Shell>
      <Switch>
        <Route path="/">
          <Redirect to="/orders" />
        </Route>
        <Route path="/orders" component={OrdersPage} />
        <Route path="/inbox" component={InboxPage} />
        <Route path="/orders/:orderId">{(params) => <OrderDetailPage orderId={params.orderId} />}</Route>
        {operator && <Route path="/attention" component={AttentionPage} />}
        {operator && <Route path="/parties" component={PartiesPage} />}
        {operator && <Route path="/parties/:partyId">{(params) => <PartyDetailPage partyId={params.partyId} />}</Route>}
        {operator && <Route path="/monitoring" component={MonitoringPage} />}
        {operator && <Route path="/settings" component={SettingsPage} />}
        {operator && <Route path="/settlement" component={SettlementPage} />}
        {operator && (
          <Route path="/settlement/:batchId">{(params) => <BatchDetailPage batchId={decoded(params.batchId)} />}</Route>
        )}
        {operator && <Route path="/reconciliation" component={ReconciliationPage} />}
        {operator && (
          <Route path="/reconciliation/:runId">{(params) => <RunDetailPage runId={decoded(params.runId)} />}</Route>
        )}
        {operator && <Route path="/exceptions" component={ExceptionsPage} />}
        {operator && (
          <Route path="/exceptions/:exceptionId">
            {(params) => <ExceptionDetailPage exceptionId={decoded(params.exceptionId)} />}
          </Route>
        )}
        {operator && <Route path="/correction-rules" component={CorrectionRulesPage} />}
        {operator && <Route path="/reports" component={ReportsPage} />}
        <Route>
          <h1>Not found</h1>
          <p>
            There is no such page. <Link href="/orders">Go to the orders.</Link>
          </p>
        </Route>
      </Switch>
    </Shell>
  );
}

/** The console. */
export function App() {
  return (
    <SessionProvider>
      <Router base="/console">
        <Pages />
      </Router>
    </SessionProvider>
  );
}
