// The merchants pipeline: how many merchants wait at each next action (click one to list
// them), and the filtered, paginated list.
import { useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api } from '../api';
import { formatTime } from '../format';
import { kycBadge, merchantQuery, NEXT_ACTIONS, nextActionLabel, NO_FILTERS, pipeline, type MerchantFilters } from '../merchant';
import { Badge, ErrorNote, PageTitle, Pager, useLoad, usePager } from '../ui';

const PAGE = 50;
/** The pipeline counts are read from one page of this many merchants. */
const COUNTED = 500;

export function Merchants() {
  const [f, setF] = useState<MerchantFilters>(NO_FILTERS);
  const pager = usePager();
  const set = (k: keyof MerchantFilters, v: string) => { pager.reset(); setF((old) => ({ ...old, [k]: v })); };
  const others = { ...f, next_action: '' }; // the pipeline counts every stage
  const counts = useLoad(() => api.listMerchants(merchantQuery(others, { page_size: COUNTED })), [JSON.stringify(others)]);
  const list = useLoad(() => api.listMerchants(merchantQuery(f, { page_size: PAGE, page_token: pager.token })), [JSON.stringify(f), pager.token]);
  const subs = useLoad(() => api.listSubaccounts({ page_size: 500 }), []);
  const stages = pipeline(counts.data?.merchants ?? []);
  const more = !!counts.data?.next_page_token;
  const merchants = list.data?.merchants ?? [];
  return (
    <>
      <PageTitle>Merchants</PageTitle>
      <section class="panel" aria-labelledby="pipeline-title">
        <h2 id="pipeline-title">Pipeline by next action</h2>
        {more && <p class="muted">Counted over the newest {COUNTED} merchants that match the filters.</p>}
        <ErrorNote error={counts.error} />
        <ul class="pipeline">
          {stages.map((s) => (
            <li key={s.code}>
              <button type="button" aria-pressed={f.next_action === s.code} onClick={() => set('next_action', f.next_action === s.code ? '' : s.code)}>
                <span class="count">{s.count}</span>
                <span>{s.label}</span>
              </button>
            </li>
          ))}
          {!counts.loading && stages.length === 0 && <li class="muted">No merchants.</li>}
        </ul>
      </section>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Next action
          <select value={f.next_action} onChange={(e) => set('next_action', e.currentTarget.value)}>
            <option value="">Any</option>
            {NEXT_ACTIONS.map((a) => <option key={a.code} value={a.code}>{a.label}</option>)}
          </select>
        </label>
        <label>
          KYC status
          <select value={f.kyc_status} onChange={(e) => set('kyc_status', e.currentTarget.value)}>
            <option value="">Any</option>
            <option value="none">No decision</option>
            <option value="verified">Verified</option>
            <option value="review">In review</option>
            <option value="rejected">Rejected</option>
          </select>
        </label>
        <label>
          Tier
          <select value={f.tier} onChange={(e) => set('tier', e.currentTarget.value)}>
            <option value="">Any</option>
            <option value="1">1 · database KYC</option>
            <option value="3">3 · document + liveness</option>
          </select>
        </label>
        <label>
          Charges
          <select value={f.charges_enabled} onChange={(e) => set('charges_enabled', e.currentTarget.value)}>
            <option value="">Any</option>
            <option value="true">Enabled</option>
            <option value="false">Not enabled</option>
          </select>
        </label>
        <label>
          Subaccount
          <select value={f.subaccount_id} onChange={(e) => set('subaccount_id', e.currentTarget.value)}>
            <option value="">All</option>
            {(subs.data?.subaccounts ?? []).map((s) => <option key={s.id} value={s.id}>{s.name || s.id}</option>)}
          </select>
        </label>
        <button type="button" onClick={() => { pager.reset(); setF(NO_FILTERS); }}>Clear filters</button>
      </form>
      <ErrorNote error={list.error} />
      <table>
        <caption class="muted">{list.loading ? 'Loading…' : `${merchants.length} merchant${merchants.length === 1 ? '' : 's'} on this page, newest first`}</caption>
        <thead>
          <tr>
            <th scope="col">Merchant</th>
            <th scope="col">Country</th>
            <th scope="col">Tier</th>
            <th scope="col">KYC</th>
            <th scope="col">Next action</th>
            <th scope="col">Charges</th>
            <th scope="col">Payouts</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {merchants.map((m) => {
            const k = kycBadge(m.kyc_status);
            return (
              <tr key={m.id}>
                <td>
                  <Link href={`/merchants/${encodeURIComponent(m.id)}`}>{m.external_id || m.id}</Link>
                  <div class="muted"><code>{m.id}</code></div>
                </td>
                <td>{m.country}</td>
                <td>{m.tier}</td>
                <td><Badge tone={k.tone}>{k.label}</Badge></td>
                <td>{nextActionLabel(m.next_action)}</td>
                <td>{m.charges_enabled ? <Badge tone="green">Enabled</Badge> : <Badge tone="grey">Not enabled</Badge>}</td>
                <td>{m.payouts_enabled ? 'Enabled' : 'Not enabled'}</td>
                <td>{formatTime(m.created_at)}</td>
              </tr>
            );
          })}
          {!list.loading && merchants.length === 0 && <tr><td colSpan={8} class="empty">No merchants match.</td></tr>}
        </tbody>
      </table>
      <Pager page={pager.page} next={list.data?.next_page_token} onNext={pager.next} onPrev={pager.prev} />
    </>
  );
}
