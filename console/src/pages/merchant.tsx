// A merchant's onboarding: what Stripe asks for and what idgate does next, the biometric
// consent record, the checks of the ledger, the account's persons and capabilities.
import type { ComponentChildren } from 'preact';
import { Link } from 'wouter-preact';
import { api, type Merchant } from '../api';
import { formatTime, money, words } from '../format';
import { checksTotal, kycBadge, nextActionExplained, nextActionLabel, requirementInWords, tierName } from '../merchant';
import { Badge, ErrorNote, Field, PageTitle, useLoad } from '../ui';

export function MerchantDetail({ id }: { id: string }) {
  const m = useLoad(() => api.getMerchant(id), [id]);
  return (
    <>
      <p><Link href="/merchants">← Merchants</Link></p>
      <ErrorNote error={m.error} />
      {m.data ? <Detail m={m.data} /> : !m.error && <p class="muted">Loading…</p>}
    </>
  );
}

function Detail({ m }: { m: Merchant }) {
  const k = kycBadge(m.kyc_status);
  const q = m.requirements;
  const due = q ? q.currently_due.length + q.past_due.length + q.errors.length : 0;
  return (
    <>
      <PageTitle>{m.external_id || m.id}</PageTitle>
      <section class="panel" aria-labelledby="next-title">
        <h2 id="next-title">Next: {nextActionLabel(m.next_action)}</h2>
        <p>{nextActionExplained(m.next_action)}</p>
        <dl class="fields">
          <Field label="KYC status"><Badge tone={k.tone}>{k.label}</Badge></Field>
          <Field label="Charges">{m.charges_enabled ? <Badge tone="green">charges_enabled</Badge> : <Badge tone="grey">Charges not enabled</Badge>}</Field>
          <Field label="Payouts">{m.payouts_enabled ? <Badge tone="green">payouts_enabled</Badge> : <Badge tone="grey">Payouts not enabled</Badge>}</Field>
          <Field label="Route">{words(m.route)} (starts at tier {m.tier}){m.high_risk ? ', high risk' : ''}</Field>
          <Field label="Country">{m.country}</Field>
          <Field label="Business type">{words(m.business_type)}</Field>
          <Field label="Merchant ID"><code>{m.id}</code></Field>
          <Field label="Stripe account">{m.stripe_account_id ? <code>{m.stripe_account_id}</code> : '—'}</Field>
          <Field label="Subaccount"><Link href={`/subaccounts/${encodeURIComponent(m.subaccount_id)}`}>{m.subaccount_id}</Link></Field>
          <Field label="Created">{formatTime(m.created_at)}</Field>
        </dl>
      </section>
      <div class="panels">
        <section class="panel" aria-labelledby="req-title">
          <h2 id="req-title">Stripe requirements</h2>
          {!q || (due === 0 && q.eventually_due.length === 0 && q.pending_verification.length === 0) ? (
            <p class="muted">Stripe asks for nothing.</p>
          ) : (
            <dl class="fields">
              <Requirements label="Past due" fields={q.past_due} />
              <Requirements label="Currently due" fields={q.currently_due} />
              <Requirements label="Eventually due" fields={q.eventually_due} />
              <Requirements label="Pending verification" fields={q.pending_verification} />
              {q.errors.length > 0 && (
                <Field label="Errors">
                  <ul class="plain">
                    {q.errors.map((e) => (
                      <li key={e.code + e.requirement}>
                        <strong>{requirementInWords(e.requirement)}</strong>: {e.reason} <code>{e.code}</code>
                      </li>
                    ))}
                  </ul>
                </Field>
              )}
              {q.disabled_reason && <Field label="Disabled reason"><code>{q.disabled_reason}</code></Field>}
              {q.current_deadline && <Field label="Deadline">{formatTime(q.current_deadline)}</Field>}
            </dl>
          )}
        </section>
        <Consent m={m} />
      </div>
      <section class="panel" aria-labelledby="checks-title">
        <h2 id="checks-title">Checks</h2>
        {m.checks.length === 0 ? <p class="muted">No checks yet.</p> : (
          <table>
            <thead>
              <tr><th scope="col">When</th><th scope="col">Tier</th><th scope="col">Provider</th><th scope="col">Result</th><th scope="col" class="num">Cost</th></tr>
            </thead>
            <tbody>
              {m.checks.map((c) => (
                <tr key={c.id}>
                  <td>{formatTime(c.at)}</td>
                  <td>{tierName(c.tier)}</td>
                  <td>{words(c.provider)}</td>
                  <td>{words(c.outcome)}</td>
                  <td class="num">{money(c.cost_cents)}</td>
                </tr>
              ))}
              <tr><th scope="row" colSpan={4}>Total</th><td class="num">{checksTotal(m.checks)}</td></tr>
            </tbody>
          </table>
        )}
      </section>
      <div class="panels">
        <section class="panel" aria-labelledby="persons-title">
          <h2 id="persons-title">Persons</h2>
          {m.persons.length === 0 ? <p class="muted">Stripe reports no persons yet.</p> : (
            <table>
              <thead><tr><th scope="col">Person</th><th scope="col">Verification</th><th scope="col">Details</th></tr></thead>
              <tbody>
                {m.persons.map((p) => (
                  <tr key={p.id}><td><code>{p.id}</code></td><td>{words(p.verification_status)}</td><td>{p.details_code ? <code>{p.details_code}</code> : '—'}</td></tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <section class="panel" aria-labelledby="caps-title">
          <h2 id="caps-title">Capabilities</h2>
          {Object.keys(m.capabilities).length === 0 ? <p class="muted">None reported yet.</p> : (
            <dl class="fields">
              {Object.entries(m.capabilities).sort().map(([name, st]) => <Field key={name} label={words(name)}>{words(st)}</Field>)}
            </dl>
          )}
        </section>
      </div>
    </>
  );
}

function Requirements({ label, fields }: { label: string; fields: string[] }) {
  if (fields.length === 0) return null;
  return (
    <Field label={label}>
      <ul class="plain">{fields.map((f) => <li key={f} title={f}>{requirementInWords(f)}</li>)}</ul>
    </Field>
  );
}

function Consent({ m }: { m: Merchant }) {
  const c = m.biometric_consent_record;
  let state: ComponentChildren = <Badge tone="grey">Not asked yet</Badge>;
  if (c && c.granted && !c.withdrawn_at) state = <Badge tone="green">Granted</Badge>;
  else if (c && c.granted) state = <Badge tone="red">Withdrawn</Badge>;
  else if (c) state = <Badge tone="red">Declined</Badge>;
  return (
    <section class="panel" aria-labelledby="consent-title">
      <h2 id="consent-title">Biometric consent</h2>
      <dl class="fields">
        <Field label="Answer">{state}</Field>
        {c && (
          <>
            <Field label="Recorded">{formatTime(c.recorded_at)}</Field>
            {c.withdrawn_at && <Field label="Withdrawn">{formatTime(c.withdrawn_at)}</Field>}
            <Field label="Country">{c.country}</Field>
            <Field label="Legal basis"><code>{c.legal_basis}</code></Field>
          </>
        )}
      </dl>
      {c && <p class="muted">The IP address and user agent the answer was given from stay sealed: idgate keeps them encrypted and never shows them.</p>}
    </section>
  );
}
