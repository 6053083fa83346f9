// Operations: webhook events (failed first, with Retry), seed 003's verification cost report
// with a chart, and API keys. Each section shows only to the roles that may read it.
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api, type WebhookEvent } from '../api';
import type { ApiKey, CreateApiKeyResponse } from '../gen/idgate/v1/admin';
import { formatTime, money, words, type Tone } from '../format';
import { costRows, failedFirst, percent, periodStart, pollUntil, withUpdates } from '../ops';
import { canAct, isAdmin } from '../session';
import { ActionDialog, Badge, ErrorNote, Pager, PageTitle, useLoad, usePager } from '../ui';

export function Operations() {
  return (
    <>
      <PageTitle>Operations</PageTitle>
      {isAdmin() && (
        <nav class="filters" aria-label="Operations sections">
          <a href="#webhook-events">Webhook events</a>
          <a href="#cost-report">Verification cost</a>
          <a href="#api-keys">API keys</a>
        </nav>
      )}
      {isAdmin() && <WebhookEvents />}
      {canAct() ? <CostReport /> : <p class="notice">Your role has no operations to show.</p>}
      {isAdmin() && <ApiKeys />}
    </>
  );
}

const stateTone: Record<string, Tone> = { failed: 'red', pending: 'blue', processed: 'green', ignored: 'grey' };

const STATES = [['', 'All, failed first'], ['failed', 'Failed'], ['pending', 'Pending'], ['processed', 'Processed'], ['ignored', 'Ignored']] as const;

function WebhookEvents() {
  const [state, setState] = useState('');
  const pager = usePager();
  const { data, error, loading, reload } = useLoad(async () => {
    const page = await api.listWebhookEvents({ state, page_size: 50, page_token: pager.token });
    if (state !== '' || pager.token !== '') return page;
    const failed = await api.listWebhookEvents({ state: 'failed', page_size: 100 });
    return { ...page, events: failedFirst(failed.events, page.events) };
  }, [state, pager.token]);
  const [updates, setUpdates] = useState<Record<string, WebhookEvent>>({});
  const [status, setStatus] = useState('');
  const rows = withUpdates(data?.events ?? [], updates);

  const retry = async (e: WebhookEvent) => {
    const pending = await api.retryWebhookEvent(e.id);
    setUpdates((u) => ({ ...u, [e.id]: pending }));
  };
  // A retried event is processed by a background job: look again a few times, a little
  // longer each time, until it is no longer pending.
  const settle = async (eventId: string) => {
    setStatus(`Retrying ${eventId}…`);
    const find = async () => (await api.listWebhookEvents({ page_size: 500 })).events.find((x) => x.id === eventId);
    try {
      const last = await pollUntil(find, (x) => x.state !== 'pending', (n) => new Promise((r) => setTimeout(r, 300 * n)), 8);
      if (last) setUpdates((u) => ({ ...u, [eventId]: last }));
      setStatus(last && last.state !== 'pending' ? `${eventId} is ${last.state}.` : `${eventId} is still pending: reload later.`);
    } catch {
      setStatus(`${eventId} was retried; reload to see its state.`);
    }
  };

  return (
    <section class="panel" id="webhook-events" aria-labelledby="webhook-events-title">
      <h2 id="webhook-events-title">Webhook events</h2>
      <div class="filters">
        <label>
          State
          <select value={state} onChange={(e) => { setState(e.currentTarget.value); pager.reset(); }}>
            {STATES.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
          </select>
        </label>
        <button type="button" onClick={() => { setUpdates({}); reload(); }}>Reload</button>
        <span role="status">{status}</span>
      </div>
      <ErrorNote error={error} />
      <table>
        <thead>
          <tr>
            <th scope="col">Event</th>
            <th scope="col">Type</th>
            <th scope="col">State</th>
            <th scope="col">Outcome</th>
            <th scope="col" class="num">Attempts</th>
            <th scope="col">Error</th>
            <th scope="col">Received</th>
            <th scope="col"><span class="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {rows.map((e) => (
            <tr key={e.id}>
              <td><code>{e.id}</code>{e.account && <div class="muted">{e.account}</div>}</td>
              <td><code>{e.type}</code></td>
              <td><Badge tone={stateTone[e.state] ?? 'grey'}>{words(e.state)}</Badge></td>
              <td>{words(e.outcome)}</td>
              <td class="num">{e.attempts}</td>
              <td>{e.last_error}</td>
              <td>{formatTime(e.received_at)}</td>
              <td>
                {e.state === 'failed' && (
                  <ActionDialog
                    label={`Retry ${e.id}`}
                    title="Retry this event?"
                    description={<p>{e.type} runs through its handler again. Its last error: {e.last_error || 'none recorded'}</p>}
                    confirm="Retry"
                    run={() => retry(e)}
                    done={() => void settle(e.id)}
                  />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {!loading && !error && rows.length === 0 && <p class="empty">No events{state ? ` in state ${state}` : ''}.</p>}
      <Pager page={pager.page} next={data?.next_page_token} onNext={pager.next} onPrev={pager.prev} />
    </section>
  );
}

const PERIODS = [[7, 'Last 7 days'], [30, 'Last 30 days'], [90, 'Last 90 days'], [365, 'Last 12 months']] as const;

function CostReport() {
  const [days, setDays] = useState(30);
  const [group, setGroup] = useState('');
  const { data, error } = useLoad(() => api.costReport({ from: periodStart(days, Date.now()), country_group: group }), [days, group]);
  const rows = data ? costRows(data) : [];
  const barWidth = 320;
  const labelWidth = 310;
  return (
    <section class="panel" id="cost-report" aria-labelledby="cost-report-title">
      <h2 id="cost-report-title">Verification cost</h2>
      <div class="filters">
        <label>
          Period
          <select value={days} onChange={(e) => setDays(Number(e.currentTarget.value))}>
            {PERIODS.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
          </select>
        </label>
        <label>
          Countries
          <select value={group} onChange={(e) => setGroup(e.currentTarget.value)}>
            <option value="">All</option>
            <option value="database_kyc">Database KYC countries</option>
            <option value="document_liveness">Document + liveness countries</option>
          </select>
        </label>
      </div>
      <ErrorNote error={error} />
      {data && (
        <>
          <table class="report" aria-label="Cost by tier">
            <thead>
              <tr>
                <th scope="col">Tier</th>
                <th scope="col" class="num">Checks</th>
                <th scope="col" class="num">Success rate</th>
                <th scope="col" class="num">Unit cost</th>
                <th scope="col" class="num">Total</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.tier}>
                  <th scope="row">{r.name}</th>
                  <td class="num">{r.checks}</td>
                  <td class="num">{percent(r.successRate)}</td>
                  <td class="num">{money(r.unitCents)}</td>
                  <td class="num">{money(r.totalCents)}</td>
                </tr>
              ))}
              {rows.length === 0 && <tr><td colSpan={5} class="empty">No checks in this period.</td></tr>}
            </tbody>
            <tfoot>
              <tr><th scope="row">Total ({data.merchants} {data.merchants === 1 ? 'merchant' : 'merchants'})</th><td colSpan={3} /><td class="num">{money(data.total_cents)}</td></tr>
              <tr><th scope="row">Per merchant</th><td colSpan={3} /><td class="num">{money(data.cents_per_merchant)}</td></tr>
              <tr><th scope="row">Per 1,000 merchants</th><td colSpan={3} /><td class="num">{money(data.cents_per_1000_merchants)}</td></tr>
            </tfoot>
          </table>
          {rows.length > 0 && (
            <svg class="bar-chart" role="img" aria-label="Total cost by tier" width={labelWidth + barWidth + 90} height={rows.length * 28 + 8} viewBox={`0 0 ${labelWidth + barWidth + 90} ${rows.length * 28 + 8}`}>
              {rows.map((r, i) => (
                <g key={r.tier}>
                  <text x={0} y={i * 28 + 20}>{r.name}</text>
                  <rect x={labelWidth} y={i * 28 + 6} height={18} width={Math.max(1, r.share * barWidth)} rx={3} />
                  <text x={labelWidth + 6 + r.share * barWidth} y={i * 28 + 20}>{money(r.totalCents)}</text>
                </g>
              ))}
            </svg>
          )}
        </>
      )}
    </section>
  );
}

const ROLES = ['operator', 'readonly', 'service', 'admin'] as const;

function ApiKeys() {
  const { data, error, reload } = useLoad(() => api.listApiKeys(), []);
  const subs = useLoad(() => api.listSubaccounts({ page_size: 500 }), []);
  const [name, setName] = useState('');
  const [role, setRole] = useState<string>('operator');
  const [chosen, setChosen] = useState<string[]>([]);
  const [createError, setCreateError] = useState<unknown>(null);
  const [created, setCreated] = useState<CreateApiKeyResponse | null>(null);
  const [copied, setCopied] = useState('');

  const create = async (e: JSX.TargetedEvent<HTMLFormElement>) => {
    e.preventDefault();
    setCreateError(null);
    try {
      const r = await api.createApiKey({ name: name.trim(), role, subaccount_ids: role === 'admin' ? [] : chosen });
      setCreated(r);
      setCopied('');
      setName('');
      setChosen([]);
      reload();
    } catch (err) {
      setCreateError(err);
    }
  };
  const copy = async (secret: string) => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('Copied.');
    } catch {
      setCopied('Copying is not allowed here: select the secret and copy it.');
    }
  };
  const subName = (id: string) => subs.data?.subaccounts.find((s) => s.id === id)?.name || id;

  return (
    <section class="panel" id="api-keys" aria-labelledby="api-keys-title">
      <h2 id="api-keys-title">API keys</h2>
      <form class="filters" onSubmit={create} aria-label="New API key">
        <label>
          Name
          <input value={name} required onInput={(e) => setName(e.currentTarget.value)} placeholder="the person or service" />
        </label>
        <label>
          Role
          <select value={role} onChange={(e) => setRole(e.currentTarget.value)}>
            {ROLES.map((r) => <option key={r} value={r}>{words(r)}</option>)}
          </select>
        </label>
        {role !== 'admin' && (
          <fieldset>
            <legend>Subaccounts</legend>
            <div class="checks">
              {(subs.data?.subaccounts ?? []).map((s) => (
                <label class="inline" key={s.id}>
                  <input type="checkbox" checked={chosen.includes(s.id)} onChange={(e) => setChosen(e.currentTarget.checked ? [...chosen, s.id] : chosen.filter((x) => x !== s.id))} />
                  {s.name || s.id}
                </label>
              ))}
            </div>
          </fieldset>
        )}
        <button type="submit" class="primary">Create key</button>
      </form>
      <ErrorNote error={createError} />
      {created && (
        <div class="notice" role="status">
          <p>Key <strong>{created.api_key?.name}</strong> created. Copy its secret now: it is not shown again.</p>
          <div class="secret">
            <code aria-label="Secret">{created.secret}</code>
            <button type="button" onClick={() => void copy(created.secret)}>Copy secret</button>
            <button type="button" onClick={() => setCreated(null)}>Done</button>
            <span>{copied}</span>
          </div>
        </div>
      )}
      <ErrorNote error={error} />
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Key</th>
            <th scope="col">Role</th>
            <th scope="col">Subaccounts</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col">Status</th>
            <th scope="col"><span class="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {(data?.api_keys ?? []).map((k: ApiKey) => (
            <tr key={k.id}>
              <td>{k.name}</td>
              <td><code>{k.prefix}…</code></td>
              <td>{words(k.role)}</td>
              <td>{k.role === 'admin' ? <span class="muted">all</span> : k.subaccount_ids.map(subName).join(', ')}</td>
              <td>{formatTime(k.created_at)}{k.created_by && <div class="muted">by {k.created_by}</div>}</td>
              <td>{formatTime(k.last_used_at) || <span class="muted">never</span>}</td>
              <td>{k.revoked_at ? <Badge tone="grey">Revoked {formatTime(k.revoked_at)}</Badge> : <Badge tone="green">Active</Badge>}</td>
              <td>
                {!k.revoked_at && (
                  <ActionDialog
                    label={`Revoke ${k.name}`}
                    title={`Revoke ${k.name}?`}
                    description={<p>Calls with this key stop working. This cannot be undone.</p>}
                    confirm="Revoke key"
                    danger
                    run={() => api.revokeApiKey(k.id)}
                    done={reload}
                  />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
