// The Sandbox page: a developer enrols a passkey with the browser's WebAuthn (a CDP virtual
// authenticator here), creates a PaymentIntent in the sandbox over the subaccount's
// threshold, passes its step-up, and sees the result idgate wrote into the PaymentIntent
// and its capture.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { artifacts, expect, root, test } from './harness';
import { startLocal } from './local';

test('a passkey is enrolled and passes the step-up of a sandbox PaymentIntent, which is then captured with the result in its metadata', async ({ page, app }) => {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
  });
  const sub = await app.subaccount({ stepup_policy: { amount_thresholds: { usd: 4000 } } });
  const key = await app.key('Dana Developer', 'admin', []);
  // Passkeys are for the relying party localhost: the page is served from there.
  await app.signIn(page, key, app.server.origin);
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Sandbox' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Sandbox' })).toBeVisible();
  await expect(page.getByRole('alert')).toHaveCount(0); // no warning about the origin

  const customer = page.getByRole('region', { name: 'Customer' });
  await customer.getByLabel('Subaccount').selectOption(sub.id);
  const externalId = `sandbox-rider-${randomBytes(4).toString('hex')}`;
  await customer.getByLabel("New customer's external id").fill(externalId);
  await customer.getByRole('button', { name: 'Create customer' }).click();
  await expect(customer.getByRole('combobox', { name: 'Customer', exact: true })).toHaveValue(/^cust_/);
  await expect(customer.getByRole('combobox', { name: 'Customer', exact: true }).locator('option:checked')).toHaveText(externalId);

  const passkeys = page.getByRole('region', { name: 'Passkey' });
  await expect(passkeys).toContainText('No passkey enrolled yet.');
  await passkeys.getByLabel('Passkey name').fill('Virtual key');
  await passkeys.getByRole('button', { name: 'Enrol a passkey' }).click();
  const enrolled = passkeys.getByRole('row').filter({ hasText: 'Virtual key' });
  await expect(enrolled).toContainText('Active');
  const credential = (await enrolled.locator('code').textContent())!;
  expect(credential).toMatch(/^wac_/);
  expect((await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials).toHaveLength(1);

  const payment = page.getByRole('region', { name: 'PaymentIntent' });
  await expect(payment).toContainText('The subaccount steps up usd payments of $40.00 or more.');
  await expect(payment.getByLabel('Mark for step-up')).not.toBeChecked();
  await payment.getByLabel('Amount (smallest unit)').fill('4200');
  await payment.getByRole('button', { name: 'Create PaymentIntent' }).click();
  await expect(payment).toContainText(/PaymentIntent pi_\w+ for \$42\.00/);

  const stepup = page.getByRole('region', { name: 'Step-up' });
  await stepup.getByRole('button', { name: 'Evaluate payment' }).click();
  const decision = stepup.getByLabel('Step-up decision');
  await expect(decision).toContainText('Required');
  await expect(decision).toContainText('Amount threshold:4200>=4000 usd');
  await stepup.getByRole('button', { name: 'Step up with the passkey' }).click();
  await expect(decision).toContainText('Passed');
  await expect(decision).toContainText(credential);
  const [held] = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
  expect(held.signCount).toBeGreaterThan(0); // the authenticator signed the step-up

  const stripe = page.getByRole('region', { name: 'In Stripe' });
  await expect(stripe.getByLabel('PaymentIntent in Stripe')).toContainText('succeeded');
  await expect(stripe.getByLabel('PaymentIntent in Stripe')).toContainText('Captured$42.00');
  const row = (k: string) => stripe.getByRole('row').filter({ has: page.getByText(k, { exact: true }) });
  await expect(row('stepup_status')).toContainText('passed');
  await expect(row('stepup_method')).toContainText('webauthn');
  await expect(row('stepup_credential_id')).toContainText(credential);
  await app.shot(page, 'sandbox-stepup-passed');
});

test('the Sandbox page warns when it is served from another host than the relying party', async ({ page, app }) => {
  const key = await app.key('Dana Developer', 'admin', []);
  await app.signIn(page, key); // 127.0.0.1: an IP address cannot hold passkeys
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Sandbox' }).click();
  await expect(page.getByRole('alert')).toContainText('open it at localhost');
});

test('without the sandbox (as in live mode, where it is refused) there is no Sandbox page', async ({ page }) => {
  const local = await startLocal(root, join(artifacts, 'no-sandbox'), { IDGATE_SANDBOX: 'off' });
  try {
    await page.goto(`${local.base}/console/`);
    await page.getByLabel('API key').fill(local.adminKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const nav = page.getByRole('navigation', { name: 'Sections' });
    await expect(nav.getByRole('link', { name: 'Operations' })).toBeVisible();
    await expect(nav.getByRole('link', { name: 'Sandbox' })).toHaveCount(0);
    await page.goto(`${local.base}/console/sandbox`);
    await expect(page.getByRole('heading', { level: 1, name: 'Customers' })).toBeVisible();
  } finally {
    await local.stop();
  }
});
