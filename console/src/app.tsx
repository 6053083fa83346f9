// The console's shell: sign-in, the navigation, the signed-in operator, and the routes.
import { Link, Redirect, Route, Router, Switch } from 'wouter-preact';
import { current, signOut } from './session';
import { formatTime } from './format';
import { SignIn } from './pages/signin';
import { Customers } from './pages/customers';
import { CustomerDetail } from './pages/customer';
import { ReviewQueue } from './pages/review';
import { Merchants } from './pages/merchants';
import { MerchantDetail } from './pages/merchant';
import { Subaccounts } from './pages/subaccounts';
import { SubaccountDetail } from './pages/subaccount';
import { Operations } from './pages/operations';

const nav = [
  ['/customers', 'Customers'],
  ['/review', 'Review queue'],
  ['/merchants', 'Merchants'],
  ['/subaccounts', 'Subaccounts'],
  ['/operations', 'Operations'],
] as const;

export function App() {
  const s = current.value;
  if (!s) return <SignIn />;
  return (
    <Router base="/console">
      <a class="skip" href="#main">Skip to content</a>
      <aside class="sidebar">
        <div class="brand">idgate</div>
        <nav aria-label="Sections">
          <ul>
            {nav.map(([href, label]) => (
              <li key={href}>
                <Link href={href} className={(active: boolean) => (active ? 'active' : '')}>{label}</Link>
              </li>
            ))}
          </ul>
        </nav>
        <div class="whoami" aria-label="Signed in">
          <div class="who">{s.operator_name}</div>
          <div class="role">{s.role}</div>
          <div class="expires">until {formatTime(s.expires_at)}</div>
          <button type="button" onClick={() => void signOut()}>Sign out</button>
        </div>
      </aside>
      <main id="main" tabIndex={-1}>
        <Switch>
          <Route path="/customers" component={Customers} />
          <Route path="/customers/:id">{(p) => <CustomerDetail id={p.id} />}</Route>
          <Route path="/review" component={ReviewQueue} />
          <Route path="/merchants" component={Merchants} />
          <Route path="/merchants/:id">{(p) => <MerchantDetail id={p.id} />}</Route>
          <Route path="/subaccounts" component={Subaccounts} />
          <Route path="/subaccounts/:id">{(p) => <SubaccountDetail id={p.id} />}</Route>
          <Route path="/operations" component={Operations} />
          <Route><Redirect to="/customers" /></Route>
        </Switch>
      </main>
    </Router>
  );
}
