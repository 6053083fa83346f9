// A subaccount's policy editor: the form edits a draft, the what-if panel shows what the
// draft would flag and cost (SimulatePolicy, nothing saved), Save sends only what changed.
import type { JSX } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, api, type Subaccount } from '../api';
import type { SimulatePolicyResponse } from '../gen/idgate/v1/risk';
import { money } from '../format';
import { ALTERNATIVES, DOCUMENT_TYPES, MODES, diff, draftOf, problems, simulation, type Draft } from '../policy';
import { canAct, isAdmin } from '../session';
import { ErrorNote, PageTitle, useLoad } from '../ui';

const MODE_HINTS: Record<string, string> = {
  disabled: 'Nobody must verify',
  all_users: 'Every customer must verify',
  risk_based: 'Customers whose Radar score is at or over the threshold must verify',
};

export function SubaccountDetail({ id }: { id: string }) {
  const { data, error, setData } = useLoad(() => api.getSubaccount(id), [id]);
  return (
    <>
      <PageTitle>{data ? data.name || data.id : 'Subaccount'}</PageTitle>
      <ErrorNote error={error} />
      {data && <PolicyEditor key={data.id} saved={data} onSaved={setData} />}
    </>
  );
}

function PolicyEditor({ saved, onSaved }: { saved: Subaccount; onSaved: (s: Subaccount) => void }) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(saved));
  const [saveError, setSaveError] = useState<unknown>(null);
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);
  const admin = isAdmin();
  const local = problems(draft);
  const patch = useMemo(() => diff(saved, draft), [saved, draft]);
  const changed = Object.keys(patch).length > 0;
  const invalid = Object.keys(local).length > 0;

  const server: Record<string, string> = {};
  if (saveError instanceof ApiError) {
    for (const v of saveError.violations) server[v.field] = v.description;
  }
  const fieldError = (field: string) => local[field] ?? server[field];

  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => {
    setDraft((d) => ({ ...d, [k]: v }));
    setStatus('');
    setSaveError(null);
  };

  const save = async (e: JSX.TargetedEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (invalid || !changed) return;
    setBusy(true);
    setSaveError(null);
    try {
      const s = await api.updateSubaccount(saved.id, patch);
      onSaved(s);
      setDraft(draftOf(s));
      setStatus('Saved.');
    } catch (err) {
      setSaveError(err);
    } finally {
      setBusy(false);
    }
  };

  const text = (k: 'name' | 'threshold' | 'maxAttempts' | 'stepupRisk' | 'ttl' | 'verificationFlow', label: string, field: string, hint?: string) => {
    const err = fieldError(field);
    const inputId = `policy-${k}`;
    return (
      <div class="field">
        <label for={inputId}>{label}</label>
        <input
          id={inputId}
          name={field}
          inputMode={k === 'name' || k === 'verificationFlow' ? undefined : 'numeric'}
          value={draft[k]}
          aria-invalid={err ? true : undefined}
          aria-describedby={`${inputId}-hint`}
          onInput={(e) => set(k, e.currentTarget.value)}
        />
        <span id={`${inputId}-hint`} class={err ? 'field-error' : 'muted'}>{err ?? hint}</span>
      </div>
    );
  };
  const check = (k: 'selfie' | 'liveCapture' | 'idNumber' | 'onFraudWarning' | 'cancelOnFailure' | 'enrollmentRequiresVerification' | 'reviewMismatch', label: string) => (
    <label class="inline">
      <input type="checkbox" checked={draft[k]} onChange={(e) => set(k, e.currentTarget.checked)} />
      {label}
    </label>
  );
  const amountsError = fieldError('stepup_policy.amount_thresholds');
  const typesError = fieldError('allowed_document_types');

  return (
    <div class="policy-layout">
      <form class="panel policy-form" onSubmit={save} noValidate aria-label="Policy">
        {!admin && (
          <p class="notice">
            Only an admin can change this policy.{canAct() ? ' You can try a draft in the what-if panel; nothing is saved.' : ''}
          </p>
        )}
        <fieldset disabled={!canAct()}>
          <legend>Who must verify</legend>
          <div class="fields-grid">
            {text('name', 'Name', 'name')}
            <div class="field">
              <label for="policy-mode">Verification mode</label>
              <select id="policy-mode" name="identity_verification_mode" value={draft.mode} aria-describedby="policy-mode-hint" onChange={(e) => set('mode', e.currentTarget.value)}>
                {MODES.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
              </select>
              <span id="policy-mode-hint" class="muted">{MODE_HINTS[draft.mode] ?? ''}</span>
            </div>
            {text('threshold', 'Risk threshold', 'identity_verification_risk_threshold', '0–100: a Radar score at or over it must verify (risk based)')}
            {text('maxAttempts', 'Max verification attempts', 'max_verification_attempts', 'Then a manual review takes over')}
          </div>
        </fieldset>
        <fieldset disabled={!canAct()}>
          <legend>Document options</legend>
          <div class="checks">
            {check('selfie', 'Require a matching selfie')}
            {check('liveCapture', 'Require live capture')}
            {check('idNumber', 'Require an ID number')}
          </div>
          <div class="checks" role="group" aria-label="Allowed document types">
            {DOCUMENT_TYPES.map(([v, l]) => (
              <label class="inline" key={v}>
                <input
                  type="checkbox"
                  checked={draft.documentTypes.includes(v)}
                  onChange={(e) => set('documentTypes', e.currentTarget.checked ? [...draft.documentTypes, v] : draft.documentTypes.filter((t) => t !== v))}
                />
                Allow {l}
              </label>
            ))}
          </div>
          {typesError && <p class="field-error">{typesError}</p>}
        </fieldset>
        <fieldset disabled={!canAct()}>
          <legend>Without biometrics, and checks</legend>
          <div class="fields-grid">
            <div class="field">
              <label for="policy-alternative">A customer who declines the selfie gets</label>
              <select id="policy-alternative" name="non_biometric_alternative" value={draft.alternative} onChange={(e) => set('alternative', e.currentTarget.value)}>
                {ALTERNATIVES.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
              </select>
            </div>
            {text('verificationFlow', 'Stripe verification flow', 'verification_flow', 'vf_… from Stripe\'s Dashboard, used instead of the document options; empty for none')}
          </div>
          <div class="checks">
            {check('reviewMismatch', 'Send a verified document whose name or date of birth differs from ours to manual review')}
          </div>
        </fieldset>
        <fieldset disabled={!canAct()}>
          <legend>Payment step-up</legend>
          {draft.amounts.length === 0 ? <p class="muted">No amount thresholds: payments step up by risk or metadata only.</p> : <table class="compact">
            <caption>Payments at or over an amount step up</caption>
            <thead><tr><th scope="col">Currency</th><th scope="col">Amount</th><th scope="col"><span class="sr-only">Remove</span></th></tr></thead>
            <tbody>
              {draft.amounts.map((r, i) => (
                <tr key={i}>
                  <td><input aria-label={`Currency ${i + 1}`} value={r.currency} size={4} onInput={(e) => set('amounts', draft.amounts.map((x, j) => (j === i ? { ...x, currency: e.currentTarget.value } : x)))} /></td>
                  <td><input aria-label={`Amount ${i + 1}`} inputMode="decimal" value={r.amount} onInput={(e) => set('amounts', draft.amounts.map((x, j) => (j === i ? { ...x, amount: e.currentTarget.value } : x)))} /></td>
                  <td><button type="button" onClick={() => set('amounts', draft.amounts.filter((_, j) => j !== i))}>Remove {r.currency || `row ${i + 1}`}</button></td>
                </tr>
              ))}
            </tbody>
          </table>}
          <button type="button" onClick={() => set('amounts', [...draft.amounts, { currency: 'usd', amount: '' }])}>Add an amount threshold</button>
          {amountsError && <p class="field-error">{amountsError}</p>}
          <div class="fields-grid">
            {text('stepupRisk', 'Step-up risk threshold', 'stepup_policy.risk_threshold', '0 is off; a score at or over it steps up')}
            {text('ttl', 'Challenge time limit (seconds)', 'stepup_policy.challenge_ttl_seconds', '30–3600')}
            <label>
              Without a passkey
              <select value={draft.fallback} onChange={(e) => set('fallback', e.currentTarget.value)}>
                <option value="identity">Stripe Identity selfie</option>
                <option value="none">No fallback</option>
              </select>
            </label>
          </div>
          <div class="checks">
            {check('onFraudWarning', 'Step up customers with an open early fraud warning')}
            {check('cancelOnFailure', 'Cancel the payment when its step-up fails or expires')}
            {check('enrollmentRequiresVerification', 'Only verified customers may enrol a passkey')}
          </div>
        </fieldset>
        {admin && (
          <div class="form-actions">
            <ErrorNote error={saveError} />
            <button type="submit" class="primary" disabled={busy || !changed || invalid}>Save policy</button>
            <button type="button" disabled={busy || !changed} onClick={() => { setDraft(draftOf(saved)); setSaveError(null); }}>Discard changes</button>
            <span role="status">{status}</span>
            {invalid ? <span class="field-error">Correct the fields marked above to save.</span>
              : changed && <span class="muted">Changed: {Object.keys(patch).join(', ')}</span>}
          </div>
        )}
      </form>
      {canAct() && <WhatIf id={saved.id} draft={draft} />}
    </div>
  );
}

/** What the draft's mode and threshold would flag and cost today, fetched a moment after
 * the operator stops typing. */
function WhatIf({ id, draft }: { id: string; draft: Draft }) {
  const body = simulation(draft);
  const key = JSON.stringify(body);
  // The newest answer, for the draft it was asked about; r is the last good one.
  const [answer, setAnswer] = useState<{ key: string; r?: SimulatePolicyResponse; error?: unknown }>({ key: '' });
  const seq = useRef(0);
  useEffect(() => {
    if (!body) return;
    const n = ++seq.current;
    const t = setTimeout(() => {
      api.simulatePolicy(id, body).then(
        (r) => { if (n === seq.current) setAnswer({ key, r }); },
        (error) => { if (n === seq.current) setAnswer((a) => ({ key, r: a.r, error })); },
      );
    }, 250);
    return () => clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [id, key]);
  const current = answer.key === key;
  const r = answer.r;
  const rows: [string, string | number][] = r ? [
    ['Customers', r.customers],
    ['Scored by Radar', r.scored],
    ['Flagged', r.flagged],
    ['Newly flagged', r.newly_flagged],
    ['No longer flagged', r.no_longer_flagged],
    ['Already verified', r.already_verified],
    ['Verifications needed', r.verifications_needed],
    ['Estimated cost', money(r.estimated_cost_cents)],
  ] : [];
  return (
    <section class="panel what-if" aria-labelledby="what-if-title">
      <h2 id="what-if-title">What if</h2>
      <p class="muted">
        {body ? `The draft (${MODES.find(([m]) => m === body.mode)?.[1] ?? body.mode}${body.mode === 'risk_based' ? `, threshold ${body.threshold}` : ''}) against today's customers. Nothing is saved.` : 'Type a threshold to simulate.'}
      </p>
      {current && <ErrorNote error={answer.error} />}
      <div role="status" aria-live="polite" aria-busy={!current}>
        {r && !(current && answer.error) && (
          <table class={current ? 'compact' : 'compact stale'} aria-label="Simulation">
            <tbody>
              {rows.map(([k, v]) => <tr key={k}><th scope="row">{k}</th><td class="num">{v}</td></tr>)}
            </tbody>
          </table>
        )}
        {!current && body && <p class="muted">Simulating…</p>}
      </div>
    </section>
  );
}
