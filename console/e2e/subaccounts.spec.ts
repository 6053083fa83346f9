import { expect, test } from './harness';

// Radar levels score as seed 004 says: normal 10, elevated 50, highest 75.
async function riskySubaccount(app: any) {
  const sub = await app.subaccount({ identity_verification_mode: 'risk_based', identity_verification_risk_threshold: 50 });
  const levels = ['normal', 'elevated', 'highest', null];
  for (const [i, level] of levels.entries()) {
    const c = await app.api('POST', '/v1/customers', { subaccount_id: sub.id, external_id: `rider-${i}` });
    if (level) await app.api('POST', `/v1/customers/${c.id}/payment-risk`, { charge_id: `ch_${i}`, risk_level: level });
  }
  return sub;
}

test('an admin tries a threshold in the what-if panel, saves only that change, and sees the server refuse 150', async ({ page, app }) => {
  const sub = await riskySubaccount(app);
  await app.signIn(page, await app.key('Ada Admin', 'admin', []));

  await page.getByRole('link', { name: 'Subaccounts' }).click();
  await page.getByRole('link', { name: sub.name, exact: true }).click();
  await expect(page.getByRole('heading', { name: sub.name })).toBeVisible();
  const threshold = page.getByLabel('Risk threshold', { exact: true });
  await expect(threshold).toHaveValue('50');
  const whatIf = page.getByRole('table', { name: 'Simulation' });
  await expect(whatIf.getByRole('row', { name: 'Flagged 2' })).toBeVisible();

  // A lower threshold would also flag the normal-risk rider: seen before anything is saved.
  await threshold.fill('10');
  await expect(page.getByText('threshold 10')).toBeVisible();
  await expect(whatIf.getByRole('row', { name: 'Newly flagged 1' })).toBeVisible();
  await expect(whatIf.getByRole('row', { name: 'Flagged 3' })).toBeVisible();
  await expect(whatIf.getByRole('row', { name: 'Verifications needed 3' })).toBeVisible();
  await expect(whatIf.getByRole('row', { name: 'Estimated cost $4.50' })).toBeVisible();
  expect((await app.api('GET', `/v1/subaccounts/${sub.id}`)).identity_verification_risk_threshold).toBe(50);

  await threshold.fill('70');
  await expect(whatIf.getByRole('row', { name: 'No longer flagged 1' })).toBeVisible();
  await expect(whatIf.getByRole('row', { name: 'Customers 4' })).toBeVisible();
  await expect(whatIf.getByRole('row', { name: 'Scored by Radar 3' })).toBeVisible();
  await app.shot(page, 'subaccount-what-if');

  const patch = page.waitForRequest((r) => r.method() === 'PATCH');
  await page.getByRole('button', { name: 'Save policy' }).click();
  expect((await patch).postDataJSON()).toEqual({ identity_verification_risk_threshold: 70 });
  await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
  await page.reload();
  await expect(page.getByLabel('Risk threshold', { exact: true })).toHaveValue('70');
  const saved = await app.api('GET', `/v1/subaccounts/${sub.id}`);
  expect(saved.identity_verification_risk_threshold).toBe(70);
  expect(saved.identity_verification_mode).toBe('risk_based');

  await page.getByLabel('Risk threshold', { exact: true }).fill('150');
  await page.getByRole('button', { name: 'Save policy' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'identity_verification_risk_threshold' })).toContainText('between 0 and 100');
  await expect(page.getByLabel('Risk threshold', { exact: true })).toHaveAccessibleDescription(/between 0 and 100/);
  await app.shot(page, 'subaccount-field-error');
  expect((await app.api('GET', `/v1/subaccounts/${sub.id}`)).identity_verification_risk_threshold).toBe(70);
});

test('the subaccount list shows each policy; a readonly operator sees the policy but cannot edit it', async ({ page, app }) => {
  const sub = await riskySubaccount(app);
  await app.signIn(page, await app.key('Rea Readonly', 'readonly', [sub.id]));
  await page.getByRole('link', { name: 'Subaccounts' }).click();
  const row = page.getByRole('row').filter({ hasText: sub.name });
  await expect(row).toContainText('Risk based');
  await expect(row).toContainText('50');
  await expect(row.getByRole('link', { name: `Customers of ${sub.name}` })).toHaveAttribute('href', `/console/customers?subaccount=${sub.id}`);
  await app.shot(page, 'subaccounts-list');

  await row.getByRole('link', { name: sub.name, exact: true }).click();
  await expect(page.getByLabel('Risk threshold', { exact: true })).toHaveValue('50');
  await expect(page.getByLabel('Risk threshold', { exact: true })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Save policy' })).toHaveCount(0);
  await expect(page.getByRole('table', { name: 'Simulation' })).toHaveCount(0);
  await expect(page.getByText('Only an admin can change this policy.')).toBeVisible();
  await app.shot(page, 'subaccount-readonly');

  await page.getByRole('link', { name: 'Operations' }).click();
  await expect(page.getByText('Your role has no operations to show.')).toBeVisible();
  await expect(page.getByRole('alert')).toHaveCount(0);
});

test('an operator may try a draft in the what-if panel but has no Save', async ({ page, app }) => {
  const sub = await riskySubaccount(app);
  await app.signIn(page, await app.key('Olga Operator', 'operator', [sub.id]));
  await page.goto(`${app.server.base}/console/subaccounts/${sub.id}`);
  await page.getByLabel('Risk threshold', { exact: true }).fill('80');
  await expect(page.getByRole('table', { name: 'Simulation' }).getByRole('row', { name: 'No longer flagged 2' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Save policy' })).toHaveCount(0);
  await expect(page.getByText('You can try a draft in the what-if panel; nothing is saved.')).toBeVisible();
  await app.shot(page, 'subaccount-operator-what-if');
  expect((await app.api('GET', `/v1/subaccounts/${sub.id}`)).identity_verification_risk_threshold).toBe(50);
});

test('an admin sets step-up rules: an amount threshold in dollars is saved in cents with the rest of the policy', async ({ page, app }) => {
  const sub = await app.subaccount();
  await app.signIn(page, await app.key('Ada Admin', 'admin', []));
  await page.goto(`${app.server.base}/console/subaccounts/${sub.id}`);
  await page.getByRole('button', { name: 'Add an amount threshold' }).click();
  await page.getByLabel('Amount 1').fill('500');
  await page.getByLabel('Step-up risk threshold').fill('65');
  await page.getByLabel('Cancel the payment when its step-up fails or expires').check();
  await page.getByRole('button', { name: 'Save policy' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
  const p = (await app.api('GET', `/v1/subaccounts/${sub.id}`)).stepup_policy;
  expect(p).toMatchObject({ amount_thresholds: { usd: '50000' }, risk_threshold: 65, cancel_on_failure: true, on_fraud_warning: true, fallback: 'identity', challenge_ttl_seconds: 300 });
  await page.reload();
  await expect(page.getByLabel('Currency 1')).toHaveValue('usd');
  await expect(page.getByLabel('Amount 1')).toHaveValue('500.00');

  await page.getByLabel('Challenge time limit (seconds)').fill('5');
  await page.getByRole('button', { name: 'Save policy' }).click();
  await expect(page.getByLabel('Challenge time limit (seconds)')).toHaveAccessibleDescription('must be between 30 and 3600');
  await app.shot(page, 'subaccount-stepup');
});

test('an admin offers riders who decline the selfie a document-only check, and only that is saved', async ({ page, app }) => {
  const sub = await app.subaccount({ identity_verification_mode: 'all_users' });
  await app.signIn(page, await app.key('Ada Admin', 'admin', []));
  await page.goto(`${app.server.base}/console/subaccounts/${sub.id}`);
  const alternative = page.getByLabel('A customer who declines the selfie gets');
  await expect(alternative).toHaveValue('manual_review');
  await alternative.selectOption('document_only');
  const patch = page.waitForRequest((r) => r.method() === 'PATCH');
  await page.getByRole('button', { name: 'Save policy' }).click();
  expect((await patch).postDataJSON()).toEqual({ non_biometric_alternative: 'document_only' });
  await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
  expect((await app.api('GET', `/v1/subaccounts/${sub.id}`)).non_biometric_alternative).toBe('document_only');

  await page.getByLabel('Stripe verification flow').fill('not a flow');
  await page.getByRole('button', { name: 'Save policy' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'verification_flow' })).toBeVisible();
});
