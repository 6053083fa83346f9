// Subaccounts: every tenant the operator may see, with its verification policy at a glance.
import { Link } from 'wouter-preact';
import { api } from '../api';
import { words } from '../format';
import { ErrorNote, Pager, PageTitle, useLoad, usePager } from '../ui';

export function Subaccounts() {
  const pager = usePager();
  const { data, error, loading } = useLoad(() => api.listSubaccounts({ page_size: 50, page_token: pager.token }), [pager.token]);
  const rows = data?.subaccounts ?? [];
  return (
    <>
      <PageTitle>Subaccounts</PageTitle>
      <ErrorNote error={error} />
      <table>
        <thead>
          <tr>
            <th scope="col">Subaccount</th>
            <th scope="col">Verification mode</th>
            <th scope="col" class="num">Risk threshold</th>
            <th scope="col" class="num">Max attempts</th>
            <th scope="col">Customers</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((s) => (
            <tr key={s.id}>
              <td>
                <Link href={`/subaccounts/${encodeURIComponent(s.id)}`}>{s.name || s.id}</Link>
                <div class="muted"><code>{s.id}</code></div>
              </td>
              <td>{words(s.identity_verification_mode)}</td>
              <td class="num">{s.identity_verification_mode === 'risk_based' ? s.identity_verification_risk_threshold : <span class="muted">—</span>}</td>
              <td class="num">{s.max_verification_attempts}</td>
              <td>
                <Link href={`/customers?subaccount=${encodeURIComponent(s.id)}`} aria-label={`Customers of ${s.name || s.id}`}>Customers</Link>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {!loading && !error && rows.length === 0 && <p class="empty">No subaccounts.</p>}
      <Pager page={pager.page} next={data?.next_page_token} onNext={pager.next} onPrev={pager.prev} />
    </>
  );
}
