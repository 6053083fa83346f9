// The sandbox (IDGATE_SANDBOX=on, as `make run` serves): a developer tries payment step-up
// end to end with the browser's own WebAuthn. Pick or create a customer, enrol a passkey,
// create a PaymentIntent in the local Stripe (over the subaccount's threshold, or marked),
// evaluate it, pass its step-up, and read back the result idgate wrote into the
// PaymentIntent and its capture.
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, type PaymentStepUp, type SandboxPaymentIntent, type Subaccount } from '../api';
import { current } from '../session';
import { formatTime, money, words } from '../format';
import { Badge, ErrorNote, Field, PageTitle, useAction, useLoad } from '../ui';
import { createPasskey, originProblem, signWithPasskey } from '../webauthn';

export function Sandbox({ rpId, stripeBase }: { rpId: string; stripeBase: string }) {
  const [customer, setCustomer] = useState('');
  const [subaccount, setSubaccount] = useState<Subaccount | undefined>();
  const [payment, setPayment] = useState<SandboxPaymentIntent | null>(null);
  const problem = originProblem(location.hostname, rpId);
  const choose = (c: string, sub?: Subaccount) => { setCustomer(c); setSubaccount(sub); setPayment(null); };
  return (
    <>
      <PageTitle>Sandbox</PageTitle>
      <p class="muted">
        Payment step-up against the local Stripe of <code>make run</code> (<code>{stripeBase}</code>): nothing here reaches a real Stripe account.
        {current.value?.role !== 'admin' && ' Enrolment and step-up are service calls: sign in with an admin key to run them.'}
      </p>
      {problem && <div class="error" role="alert">{problem}</div>}
      <ChooseCustomer customer={customer} choose={choose} />
      {customer && <Passkeys key={customer} customer={customer} />}
      {customer && <Payment key={customer} customer={customer} subaccount={subaccount} payment={payment} setPayment={setPayment} />}
      {payment && <StepUp key={payment.id} payment={payment} />}
    </>
  );
}

function Section({ title, children }: { title: string; children: ComponentChildren }) {
  const id = `sandbox-${title.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <section class="panel" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

function ChooseCustomer({ customer, choose }: { customer: string; choose: (c: string, sub?: Subaccount) => void }) {
  const subs = useLoad(() => api.listSubaccounts({ page_size: 500 }), []);
  const [sub, setSub] = useState('');
  const subaccount = sub || subs.data?.subaccounts?.[0]?.id || '';
  const pick = (c: string) => choose(c, subs.data?.subaccounts?.find((s) => s.id === subaccount));
  const list = useLoad(() => (subaccount ? api.listCustomers({ subaccount_id: subaccount, page_size: 100 }) : Promise.resolve(undefined)), [subaccount]);
  const [externalId, setExternalId] = useState('');
  const create = useAction();
  const submit = (e: JSX.TargetedEvent<HTMLFormElement>) => {
    e.preventDefault();
    void create.run(async () => {
      const c = await api.createCustomer({ subaccount_id: subaccount, external_id: externalId.trim() });
      setExternalId('');
      list.reload();
      pick(c.id);
    });
  };
  return (
    <Section title="Customer">
      <ErrorNote error={subs.error ?? list.error} />
      <div class="filters">
        <label>
          Subaccount
          <select value={subaccount} onChange={(e) => { setSub(e.currentTarget.value); choose(''); }}>
            {(subs.data?.subaccounts ?? []).map((s) => <option key={s.id} value={s.id}>{s.name || s.id}</option>)}
          </select>
        </label>
        <label>
          Customer
          <select value={customer} onChange={(e) => pick(e.currentTarget.value)}>
            <option value="">Choose a customer</option>
            {(list.data?.customers ?? []).map((c) => <option key={c.id} value={c.id}>{c.external_id || c.id}</option>)}
          </select>
        </label>
      </div>
      <form class="filters" aria-label="Create a sandbox customer" onSubmit={submit}>
        <label>
          New customer's external id
          <input value={externalId} required onInput={(e) => setExternalId(e.currentTarget.value)} placeholder="e.g. sandbox-rider-1" />
        </label>
        <button type="submit" disabled={create.busy || !subaccount}>Create customer</button>
      </form>
      <ErrorNote error={create.error} />
      {customer && <p>Customer <code>{customer}</code></p>}
    </Section>
  );
}

function Passkeys({ customer }: { customer: string }) {
  const creds = useLoad(() => api.credentials(customer), [customer]);
  const [name, setName] = useState('Sandbox passkey');
  const enrol = useAction();
  const run = () => enrol.run(async () => {
    const begin = await api.beginEnrollment(customer, '');
    const credentialJson = await createPasskey(begin.options_json);
    await api.finishEnrollment(customer, begin.challenge_id, credentialJson, name.trim());
    creds.reload();
  });
  const rows = creds.data?.credentials ?? [];
  return (
    <Section title="Passkey">
      <div class="filters">
        <label>
          Passkey name
          <input value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <button type="button" class="primary" disabled={enrol.busy} onClick={() => void run()}>Enrol a passkey</button>
      </div>
      <ErrorNote error={enrol.error ?? creds.error} />
      <table aria-busy={creds.loading}>
        <caption class="visually-hidden">Enrolled passkeys</caption>
        <thead>
          <tr><th scope="col">Name</th><th scope="col">Credential</th><th scope="col">Enrolled</th><th scope="col">Last used</th><th scope="col">State</th></tr>
        </thead>
        <tbody>
          {rows.map((c) => (
            <tr key={c.id}>
              <td>{c.name || '—'}</td>
              <td><code>{c.id}</code></td>
              <td>{formatTime(c.created_at)}</td>
              <td>{formatTime(c.last_used_at) || '—'}</td>
              <td>{c.revoked_at ? <Badge tone="grey">Revoked</Badge> : <Badge tone="green">Active</Badge>}</td>
            </tr>
          ))}
          {!creds.loading && rows.length === 0 && <tr><td colSpan={5} class="empty">No passkey enrolled yet.</td></tr>}
        </tbody>
      </table>
    </Section>
  );
}

interface PaymentProps {
  customer: string;
  subaccount?: Subaccount;
  payment: SandboxPaymentIntent | null;
  setPayment: (p: SandboxPaymentIntent) => void;
}

function Payment({ customer, subaccount, payment, setPayment }: PaymentProps) {
  const [currency, setCurrency] = useState('usd');
  const threshold = subaccount?.stepup_policy?.amount_thresholds?.[currency.trim()];
  // Over the threshold by default, where the policy has one; else marked for step-up.
  const [amount, setAmount] = useState(threshold ?? '5000');
  const [mark, setMark] = useState(threshold === undefined);
  const create = useAction();
  const submit = (e: JSX.TargetedEvent<HTMLFormElement>) => {
    e.preventDefault();
    void create.run(async () => setPayment(await api.createSandboxPaymentIntent({
      customer_id: customer, amount: amount.trim(), currency: currency.trim(), stepup_required: mark,
    })));
  };
  return (
    <Section title="PaymentIntent">
      <p class="muted">
        Paid with <code>pm_card_visa</code> and held for capture.{' '}
        {threshold !== undefined
          ? `The subaccount steps up ${currency.trim()} payments of ${money(threshold, currency.trim().toUpperCase())} or more.`
          : `The subaccount has no ${currency.trim()} amount threshold (see its step-up policy): mark the payment for step-up.`}
      </p>
      <form class="filters" aria-label="Create a sandbox PaymentIntent" onSubmit={submit}>
        <label>
          Amount (smallest unit)
          <input type="number" min={50} inputMode="numeric" class="narrow" value={amount} onInput={(e) => setAmount(e.currentTarget.value)} />
        </label>
        <label>
          Currency
          <input class="narrow" value={currency} onInput={(e) => setCurrency(e.currentTarget.value)} />
        </label>
        <label class="inline">
          <input type="checkbox" checked={mark} onChange={(e) => setMark(e.currentTarget.checked)} />
          Mark for step-up (metadata <code>stepup_required=true</code>)
        </label>
        <button type="submit" class="primary" disabled={create.busy}>Create PaymentIntent</button>
      </form>
      <ErrorNote error={create.error} />
      {payment && <p>PaymentIntent <code>{payment.id}</code> for {money(payment.amount, payment.currency.toUpperCase())}</p>}
    </Section>
  );
}

function StepUp({ payment }: { payment: SandboxPaymentIntent }) {
  const [stepup, setStepup] = useState<PaymentStepUp | null>(null);
  const [stripe, setStripe] = useState<SandboxPaymentIntent>(payment);
  const action = useAction();
  const evaluate = () => action.run(async () => setStepup(await api.evaluatePayment(payment.id)));
  const pass = () => action.run(async () => {
    const begin = await api.beginStepUp(payment.id, true);
    if (begin.method !== 'webauthn') throw new Error(`The step-up began with ${begin.method}, not a passkey: enrol one first.`);
    const assertionJson = await signWithPasskey(begin.options_json);
    setStepup(await api.finishStepUp(payment.id, begin.challenge_id, assertionJson));
  });
  const refresh = () => action.run(async () => setStripe(await api.getSandboxPaymentIntent(payment.id)));
  // After a pass, idgate writes the result and captures in a job: read Stripe until both show.
  const settled = stripe.metadata.stepup_status !== undefined && stripe.status !== 'requires_capture';
  useEffect(() => {
    if (!stepup?.decided_at || settled) return;
    let tries = 0;
    const timer = setInterval(() => {
      if (++tries > 30) clearInterval(timer);
      api.getSandboxPaymentIntent(payment.id).then(setStripe, () => {});
    }, 500);
    return () => clearInterval(timer);
  }, [stepup?.decided_at, settled, payment.id]);
  const metadata = Object.entries(stripe.metadata).sort(([a], [b]) => a.localeCompare(b));
  return (
    <>
      <Section title="Step-up">
        <div class="filters">
          <button type="button" disabled={action.busy} onClick={() => void evaluate()}>Evaluate payment</button>
          <button type="button" class="primary" disabled={action.busy || !stepup?.required} onClick={() => void pass()}>Step up with the passkey</button>
        </div>
        <ErrorNote error={action.error} />
        {stepup && (
          <dl class="fields" aria-label="Step-up decision">
            <Field label="Step-up">{stepup.required ? 'Required' : 'Not required'}</Field>
            <Field label="Reasons">{stepup.reasons.map(words).join(', ') || '—'}</Field>
            <Field label="Status"><Badge tone={stepup.status === 'passed' ? 'green' : stepup.status === 'failed' ? 'red' : 'amber'}>{words(stepup.status)}</Badge></Field>
            <Field label="Method">{stepup.method || '—'}</Field>
            <Field label="Credential">{stepup.credential_id ? <code>{stepup.credential_id}</code> : '—'}</Field>
            {stepup.failure_reason && <Field label="Failure">{stepup.failure_reason}</Field>}
          </dl>
        )}
      </Section>
      <Section title="In Stripe">
        <div class="filters">
          <button type="button" disabled={action.busy} onClick={() => void refresh()}>Read the PaymentIntent again</button>
        </div>
        <dl class="fields" aria-label="PaymentIntent in Stripe">
          <Field label="Stripe status">{stripe.status}</Field>
          <Field label="Captured">{money(stripe.amount_received, stripe.currency.toUpperCase())}</Field>
          <Field label="Capturable">{money(stripe.amount_capturable, stripe.currency.toUpperCase())}</Field>
        </dl>
        <table>
          <caption class="visually-hidden">PaymentIntent metadata</caption>
          <thead><tr><th scope="col">Metadata key</th><th scope="col">Value</th></tr></thead>
          <tbody>
            {metadata.map(([k, v]) => <tr key={k}><td><code>{k}</code></td><td>{v || '—'}</td></tr>)}
          </tbody>
        </table>
      </Section>
    </>
  );
}
