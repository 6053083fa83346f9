// The customer list: filters in the URL (a view can be shared, Back works), the stuck view,
// search, sort and keyset pages.
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { Link, useLocation, useSearch } from 'wouter-preact';
import { api, type Customer, type Subaccount } from '../api';
import { ago, filtersSearch, listQuery, noFilters, parseFilters, sorts, statuses, type CustomerFilters } from '../customers';
import { customerBadge, formatTime, words } from '../format';
import { Badge, ErrorNote, PageTitle, Pager, useLoad, usePager } from '../ui';

export function Customers() {
  const search = useSearch();
  const [, navigate] = useLocation();
  const filters = parseFilters(search);
  const subs = useLoad(() => api.listSubaccounts({ page_size: 500 }), []);
  const subaccounts = subs.data?.subaccounts ?? [];
  const go = (f: CustomerFilters) => navigate(`/customers${filtersSearch(f)}`);
  return (
    <>
      <PageTitle>Customers</PageTitle>
      <Filters key={search} filters={filters} subaccounts={subaccounts} go={go} />
      <ErrorNote error={subs.error} />
      {/* keyed by the filters, so a new view starts on its first page */}
      <CustomerTable key={search} filters={filters} subaccounts={subaccounts} />
    </>
  );
}

function Filters({ filters, subaccounts, go }: { filters: CustomerFilters; subaccounts: Subaccount[]; go: (f: CustomerFilters) => void }) {
  const [draft, setDraft] = useState(filters);
  const set = (k: keyof CustomerFilters, now = false) => (e: JSX.TargetedEvent<HTMLInputElement | HTMLSelectElement>) => {
    const f = { ...draft, [k]: e.currentTarget.value };
    setDraft(f);
    if (now) go(f);
  };
  const submit = (e: JSX.TargetedEvent<HTMLFormElement>) => {
    e.preventDefault();
    go(draft);
  };
  return (
    <form class="filters" role="search" aria-label="Filter customers" onSubmit={submit}>
      <label>
        Search
        <input type="search" value={draft.q} onInput={set('q')} placeholder="Customer id or external id" />
      </label>
      <label>
        Verification required
        <select value={draft.required} onChange={set('required', true)}>
          <option value="">Any</option>
          <option value="yes">Yes</option>
          <option value="no">No</option>
        </select>
      </label>
      <label>
        Identity status
        <select value={draft.status} onChange={set('status', true)}>
          <option value="">Any</option>
          {statuses.map((s) => <option key={s} value={s}>{s === 'none' ? 'None (never attempted)' : words(s)}</option>)}
        </select>
      </label>
      <label>
        Subaccount
        <select value={draft.subaccount} onChange={set('subaccount', true)}>
          <option value="">All</option>
          {subaccounts.map((s) => <option key={s.id} value={s.id}>{s.name || s.id}</option>)}
        </select>
      </label>
      <label>
        Flagged more than (days ago)
        <input type="number" min={0} inputMode="numeric" class="narrow" value={draft.stuck} onInput={set('stuck')} />
      </label>
      <label>
        Sort
        <select value={draft.sort} onChange={set('sort', true)}>
          {sorts.map((s) => <option key={s.value} value={s.value}>{s.label}</option>)}
        </select>
      </label>
      <label>
        Per page
        <select value={draft.size} onChange={set('size', true)}>
          <option value="">50</option>
          {['10', '25', '100', '500'].map((n) => <option key={n} value={n}>{n}</option>)}
        </select>
      </label>
      <button type="submit" class="primary">Apply</button>
      <button type="button" onClick={() => go({ ...noFilters, required: 'yes', stuck: '3', sort: 'flagged_oldest' })}>Stuck &gt; 3 days</button>
      <button type="button" onClick={() => go(noFilters)}>Clear filters</button>
    </form>
  );
}

function CustomerTable({ filters, subaccounts }: { filters: CustomerFilters; subaccounts: Subaccount[] }) {
  const pager = usePager();
  const list = useLoad(() => api.listCustomers(listQuery(filters, Date.now(), pager.token)), [pager.token]);
  const names = new Map(subaccounts.map((s) => [s.id, s.name || s.id]));
  const rows = list.data?.customers ?? [];
  return (
    <>
      <ErrorNote error={list.error} />
      <table aria-busy={list.loading}>
        <caption class="visually-hidden">Customers</caption>
        <thead>
          <tr>
            <th scope="col">Customer</th>
            <th scope="col">Subaccount</th>
            <th scope="col">Identity</th>
            <th scope="col" class="num">Risk</th>
            <th scope="col">Flagged</th>
            <th scope="col">Last error</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((c) => <Row key={c.id} c={c} subaccount={names.get(c.subaccount_id) ?? c.subaccount_id} />)}
          {!list.loading && rows.length === 0 && (
            <tr><td colSpan={6} class="empty">No customers match these filters.</td></tr>
          )}
        </tbody>
      </table>
      <Pager page={pager.page} next={list.data?.next_page_token} onNext={pager.next} onPrev={pager.prev} />
    </>
  );
}

function Row({ c, subaccount }: { c: Customer; subaccount: string }) {
  const badge = customerBadge(c);
  return (
    <tr>
      <td>
        <Link href={`/customers/${encodeURIComponent(c.id)}`}>{c.external_id || c.id}</Link>
        <div class="muted"><code>{c.id}</code></div>
      </td>
      <td>{subaccount}</td>
      <td><Badge tone={badge.tone}>{badge.label}</Badge></td>
      <td class="num">{c.stripe_risk_score ?? '—'}{c.stripe_risk_level ? <div class="muted">{c.stripe_risk_level}</div> : null}</td>
      <td>
        {c.identity_verification_required_at ? (
          <>
            {formatTime(c.identity_verification_required_at)}
            <div class="muted">{ago(c.identity_verification_required_at)}</div>
          </>
        ) : '—'}
      </td>
      <td>{c.identity_last_error_code ? <code>{c.identity_last_error_code}</code> : '—'}</td>
    </tr>
  );
}
