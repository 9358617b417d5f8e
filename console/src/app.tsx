// The console's shell: sign-in, the navigation for the signed-in party's role, and the pages. Operators get every
// page; other parties get their orders (the API decides what each sees).

import { useEffect, useRef } from 'react';
import type { ReactNode } from 'react';
import { Link, Redirect, Route, Router, Switch, useLocation } from 'wouter';
import { AttentionPage } from './pages/attention';
import { InboxPage } from './pages/inbox';
import { MonitoringPage } from './pages/monitoring';
import { OrderDetailPage } from './pages/order-detail';
import { OrdersPage } from './pages/orders';
import { PartiesPage } from './pages/parties';
import { PartyDetailPage } from './pages/party-detail';
import { SettingsPage } from './pages/settings';
import { SignInPage } from './pages/sign-in';
import { SessionProvider, useParty, useSession } from './session';

const NAV: { href: string; label: string; operatorOnly: boolean }[] = [
  { href: '/orders', label: 'Orders', operatorOnly: false },
  { href: '/inbox', label: 'Inbox', operatorOnly: false },
  { href: '/attention', label: 'Needs attention', operatorOnly: true },
  { href: '/parties', label: 'Parties', operatorOnly: true },
  { href: '/monitoring', label: 'Monitoring', operatorOnly: true },
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
