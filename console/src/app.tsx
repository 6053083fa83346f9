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
import { Sandbox } from './pages/sandbox';
import { api } from './api';
import { useLoad } from './ui';

const nav = [
  ['/customers', 'Customers'],
  ['/review', 'Review queue'],
  ['/merchants', 'Merchants'],
  ['/subaccounts', 'Subaccounts'],
  ['/operations', 'Operations'],
] as const;

export function App() {
  return current.value ? <Shell /> : <SignIn />;
}

function Shell() {
  const s = current.value!;
  // The Sandbox page is there only when the server runs the sandbox (test mode).
  const sandbox = useLoad(() => api.getSandbox(), [s.operator_name]);
  const sections = sandbox.data?.enabled ? [...nav, ['/sandbox', 'Sandbox'] as const] : nav;
  return (
    <Router base="/console">
      <a class="skip" href="#main">Skip to content</a>
      <aside class="sidebar">
        <div class="brand">idgate</div>
        <nav aria-label="Sections">
          <ul>
            {sections.map(([href, label]) => (
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
          <Route path="/sandbox">
            {() => (sandbox.loading ? null : sandbox.data?.enabled ? <Sandbox rpId={sandbox.data.webauthn_rp_id} stripeBase={sandbox.data.stripe_api_base} /> : <Redirect to="/customers" />)}
          </Route>
          <Route><Redirect to="/customers" /></Route>
        </Switch>
      </main>
    </Router>
  );
}
