// A customer's page (seed 004's dashboard): the requirement banner, the Identity Verification
// section, the operator actions, the Start Trip check, the session, risk and the audit
// timeline. One GET per panel; every action reloads the customer and says what happened.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api, type AuditEvent, type Customer } from '../api';
import { actionInWords, actorLabel, addressLine, ago, changeLines } from '../customers';
import { customerBadge, formatTime, reasonInWords, shown, words } from '../format';
import type { CheckAccessResponse } from '../gen/idgate/v1/identity';
import type { RiskProfile } from '../gen/idgate/v1/risk';
import { canAct } from '../session';
import { ActionDialog, Badge, ErrorNote, Field, PageTitle, useAction, useLoad } from '../ui';

export function CustomerDetail({ id }: { id: string }) {
  const customer = useLoad(() => api.getCustomer(id), [id]);
  const risk = useLoad(() => api.riskProfile(id), [id]);
  // The audit log is for operators and admins; readonly sessions are refused it.
  const audit = useLoad(() => (canAct() ? api.listAuditEvents({ subject_id: id, page_size: 100 }) : Promise.resolve(null)), [id]);
  const [status, setStatus] = useState('');
  const [revealed, setRevealed] = useState<Customer | null>(null);
  const [access, setAccess] = useState<CheckAccessResponse | null>(null);

  const c = customer.data;
  if (!c) {
    return (
      <>
        <PageTitle>Customer</PageTitle>
        <ErrorNote error={customer.error} />
        {customer.loading && <p class="muted">Loading…</p>}
      </>
    );
  }

  /** After an action: fresh data everywhere, the personal data masked again, and a confirmation. */
  const after = (message: string) => () => {
    setStatus(message);
    setRevealed(null);
    setAccess(null);
    customer.reload();
    risk.reload();
    audit.reload();
  };
  const badge = customerBadge(c);
  const act = canAct();

  return (
    <>
      <p class="crumbs"><Link href="/customers">← Customers</Link></p>
      <PageTitle
        actions={act && (
          <div role="group" aria-label="Actions" class="action-group">
            <span class="group-label" aria-hidden="true">Actions</span>
            <ActionDialog
              label="Require Verification"
              title="Require verification"
              description="The customer is blocked from rides until they verify."
              field={{ label: 'Reason', required: true, placeholder: 'e.g. chargeback on ride 7' }}
              confirm="Require verification"
              run={(reason) => api.requireVerification(c.id, reason)}
              done={after('Verification is now required.')}
            />
          </div>
        )}
      >
        {c.external_id || c.id}
      </PageTitle>
      <p class="subtitle">
        <Badge tone={badge.tone}>{badge.label}</Badge> <code>{c.id}</code> · subaccount <code>{c.subaccount_id}</code>
      </p>
      {status && <p class="notice" role="status">{status}</p>}

      {c.identity_verification_required && (
        <section class="banner banner-amber" aria-labelledby="banner-title">
          <div>
            <h2 id="banner-title">Identity Verification Required</h2>
            <dl class="fields">
              <Field label="Reason">{reasonInWords(c.identity_verification_required_reason)}</Field>
              <Field label="Flagged">{formatTime(c.identity_verification_required_at)} ({ago(c.identity_verification_required_at)})</Field>
              <Field label="Risk score">{riskScore(c.stripe_risk_score, c.stripe_risk_level)}</Field>
              <Field label="Status">{words(c.identity_status) || 'Never attempted'}</Field>
            </dl>
          </div>
          {act && (
            <div class="banner-actions">
              <ActionDialog
                label="Clear Requirement"
                title="Clear the verification requirement?"
                description="The customer can ride without verifying. This does not mark them verified; a future risk trigger may require verification again."
                field={{ label: 'Notes (optional)', required: false }}
                confirm="Clear requirement"
                run={(notes) => api.clearRequirement(c.id, notes)}
                done={after('Requirement cleared.')}
              />
            </div>
          )}
        </section>
      )}

      <IdentitySection c={c} revealed={revealed} act={act}
        reveal={(reason) => api.revealIdentity(c.id, reason).then(setRevealed)}
        revealDone={() => { setStatus('Identity revealed. This reveal is recorded in the audit log.'); audit.reload(); }}
        verifyDone={after('Customer manually verified.')} />

      <StartTripCheck id={c.id} result={access} setResult={setAccess} />

      <section class="panel" aria-labelledby="session-title">
        <h2 id="session-title">Verification session</h2>
        <dl class="fields">
          <Field label="Session">{c.identity_session_id ? <code>{c.identity_session_id}</code> : 'None yet'}</Field>
          <Field label="Status">{words(c.identity_status) || '—'}</Field>
          <Field label="Attempts">{c.identity_attempt_count}</Field>
          <Field label="Last error">{c.identity_last_error_code ? <code>{c.identity_last_error_code}</code> : '—'}</Field>
          <Field label="Guidance">{c.identity_guidance || '—'}</Field>
          <Field label="Path">{c.identity_verification_path ? words(c.identity_verification_path) : 'Usual session'}</Field>
          {c.identity_last_error_code && <Field label="Retry offered">{c.identity_retry_allowed ? 'Yes' : 'No'}</Field>}
          <Field label="Operator's next step">{c.identity_operator_action && c.identity_operator_action !== 'none' ? words(c.identity_operator_action) : '—'}</Field>
          <Field label="Biometric consent">{consentInWords(c)}</Field>
        </dl>
      </section>

      <RiskPanel profile={risk.data} error={risk.error} />

      <section class="panel" aria-labelledby="audit-title">
        <h2 id="audit-title">Audit timeline</h2>
        {act ? <Timeline events={audit.data?.events} error={audit.error} /> : <p class="muted">The audit log is open to operators and admins.</p>}
      </section>
    </>
  );
}

function consentInWords(c: Customer): string {
  const r = c.biometric_consent_record;
  if (!r) return 'Not recorded';
  const by = r.verification_session_id ? ` in Stripe's flow (${r.verification_session_id})` : '';
  const where = r.country ? `, ${r.country}` : '';
  return `${r.granted ? 'Granted' : 'Declined'}${by}, ${formatTime(r.recorded_at)}${where} (${r.legal_basis})`;
}

function riskScore(score: number | undefined, level: string | undefined): string {
  if (score === undefined || score === null) return 'No score yet';
  return `${score}/100${level ? ` (${level})` : ''}`;
}

function IdentitySection(props: {
  c: Customer; revealed: Customer | null; act: boolean;
  reveal: (reason: string) => Promise<unknown>; revealDone: () => void; verifyDone: () => void;
}) {
  const { c, act } = props;
  const p = props.revealed ?? c; // the personal data, once revealed
  const masked = p.personal_data_masked;
  const name = [p.identity_first_name, p.identity_last_name].filter(Boolean).join(' ');
  return (
    <section class="panel" aria-labelledby="identity-title">
      <div class="panel-header">
        <h2 id="identity-title">Identity Verification</h2>
        {act && (
          <div class="page-actions">
            {masked && (
              <ActionDialog
                label="Reveal"
                title="Reveal personal data"
                description="The verified name, date of birth, address and ID number are shown once. Every reveal is recorded in the audit log with your name and reason."
                field={{ label: 'Reason', required: true, placeholder: 'e.g. support ticket 4312' }}
                confirm="Reveal"
                run={props.reveal}
                done={props.revealDone}
              />
            )}
            {c.identity_status !== 'verified' && (
              <ActionDialog
                label="Manually Verify"
                title="Manually verify this customer"
                description="Marks the customer verified without Stripe Identity and clears the requirement."
                field={{ label: 'Notes: how was identity confirmed?', required: true, placeholder: 'e.g. verified in person at the downtown office' }}
                confirm="Mark verified"
                run={(notes) => api.manualVerify(c.id, notes)}
                done={props.verifyDone}
              />
            )}
          </div>
        )}
      </div>
      {c.identity_manual_verification && (
        <p class="manual">
          Manually verified by <strong>{c.identity_manual_verification_by || 'an operator'}</strong> at {formatTime(c.identity_manual_verification_at)}
          {c.identity_manual_verification_notes && <>: “{c.identity_manual_verification_notes}”</>}
        </p>
      )}
      <dl class="fields">
        <Field label="Status">{words(c.identity_status) || 'Never attempted'}</Field>
        <Field label="Verified At">{formatTime(c.identity_verified_at) || '—'}</Field>
        <Field label="Risk Score">{c.stripe_risk_score ?? '—'}</Field>
        <Field label="Risk Level">{c.stripe_risk_level || '—'}</Field>
        <Field label="ID Type">{words(c.identity_id_type) || '—'}</Field>
        <Field label="Verified Name">{shown(name, masked)}</Field>
        <Field label="DOB">{shown(p.identity_dob, masked)}</Field>
        <Field label="Address">{shown(addressLine(p.identity_address), masked)}</Field>
        <Field label="ID number (last 4)">{shown(p.identity_id_number_last4, masked)}</Field>
        <Field label="Issuing country">{c.identity_issuing_country || '—'}</Field>
      </dl>
      {masked && <p class="muted">Personal data is masked{act ? ': Reveal shows it, and the reveal is audited.' : '.'}</p>}
    </section>
  );
}

function StartTripCheck({ id, result, setResult }: { id: string; result: CheckAccessResponse | null; setResult: (r: CheckAccessResponse | null) => void }) {
  const { busy, error, run } = useAction();
  const check = () => run(async () => {
    try {
      setResult(await api.checkAccess(id, 'ride_start'));
    } catch (e) {
      setResult(null);
      throw e;
    }
  });
  return (
    <section class="panel" aria-labelledby="trip-title">
      <div class="panel-header">
        <h2 id="trip-title">Start Trip check</h2>
        <div class="page-actions">
          <button type="button" onClick={check} disabled={busy}>Check Start Trip</button>
        </div>
      </div>
      <p class="muted">Asks the gate what the rider would get on starting a ride now. Nothing changes.</p>
      <ErrorNote error={error} />
      {result && (
        <div role="status" class={result.allowed ? 'result result-allowed' : 'result result-denied'}>
          <strong>{result.allowed ? 'Allowed: the rider can start a trip.' : 'Denied: the rider cannot start a trip.'}</strong>
          <dl class="fields">
            {result.reason && <Field label="Reason">{words(result.reason)}</Field>}
            {result.required_action && <Field label="Required action">{words(result.required_action)}</Field>}
            {result.message && <Field label="Rider sees">“{result.message}”</Field>}
          </dl>
        </div>
      )}
    </section>
  );
}

function RiskPanel({ profile, error }: { profile: RiskProfile | undefined; error: unknown }) {
  return (
    <section class="panel" aria-labelledby="risk-title">
      <h2 id="risk-title">Risk</h2>
      <ErrorNote error={error} />
      {profile && (
        <>
          <dl class="fields">
            <Field label="Risk score">{riskScore(profile.stripe_risk_score, profile.stripe_risk_level)}</Field>
            <Field label="Radar score">{profile.stripe_radar_risk_score ?? '—'}</Field>
            {profile.phone && (
              <Field label="Phone">
                {[words(profile.phone.phone_type), profile.phone.phone_carrier, profile.phone.phone_country,
                  profile.phone.phone_is_prepaid && 'prepaid', profile.phone.phone_recently_ported && 'recently ported',
                  profile.phone.phone_risk_score !== undefined && `risk ${profile.phone.phone_risk_score}`].filter(Boolean).join(' · ') || '—'}
              </Field>
            )}
            {profile.location && (
              <Field label="Signup location">
                {[profile.location.signup_ip_city, profile.location.signup_ip_region, profile.location.signup_ip_country,
                  profile.location.signup_vpn && 'VPN', profile.location.signup_proxy && 'proxy',
                  profile.location.ip_gps_distance_km !== undefined && `${Math.round(profile.location.ip_gps_distance_km)} km from GPS`].filter(Boolean).join(' · ') || '—'}
              </Field>
            )}
          </dl>
          <Listing title="Indicators" empty="No risk indicators.">
            {profile.indicators.map((i) => <li key={i.code}><strong>{words(i.code)}</strong>{i.detail && `: ${i.detail}`}</li>)}
          </Listing>
          <Listing title="Flags in force" empty="No flags in force.">
            {profile.flags.map((f) => (
              <li key={f.kind}>
                <strong>{words(f.kind)}</strong>
                {f.reason && `: ${reasonInWords(f.reason)}`}
                {f.since && <span class="muted"> since {formatTime(f.since)}</span>}
              </li>
            ))}
          </Listing>
        </>
      )}
    </section>
  );
}

function Listing({ title, empty, children }: { title: string; empty: string; children: ComponentChildren[] }) {
  return (
    <>
      <h3>{title}</h3>
      {children.length ? <ul>{children}</ul> : <p class="muted">{empty}</p>}
    </>
  );
}

function Timeline({ events, error }: { events: AuditEvent[] | undefined; error: unknown }) {
  if (error) return <ErrorNote error={error} />;
  if (!events) return <p class="muted">Loading…</p>;
  if (events.length === 0) return <p class="muted">Nothing recorded yet.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Action</th>
          <th scope="col">Who</th>
          <th scope="col">Notes</th>
          <th scope="col">Changes</th>
        </tr>
      </thead>
      <tbody>
        {events.map((e) => (
          <tr key={e.id}>
            <td>{formatTime(e.at)}</td>
            <td>{actionInWords(e.action)}</td>
            <td>{actorLabel(e)}{e.actor_role && <div class="muted">{e.actor_role}</div>}</td>
            <td>{e.notes || '—'}</td>
            <td>
              <ul class="changes">{changeLines(e.changes).map((l) => <li key={l}>{l}</li>)}</ul>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
