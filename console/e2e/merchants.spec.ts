import { expect, test } from './harness';

test('the merchants pipeline filters by next action, and a merchant shows its requirements, next action and consent', async ({ page, app }) => {
  const sub = await app.subaccount();
  const de = await app.api('POST', '/v1/merchants', { subaccount_id: sub.id, external_id: 'seller-de', country: 'DE', business_type: 'individual' });
  const us = await app.api('POST', '/v1/merchants', { subaccount_id: sub.id, external_id: 'seller-us', country: 'US', business_type: 'individual' });
  await app.api('POST', `/v1/merchants/${de.id}/biometric-consent`, { granted: true, ip_address: '203.0.113.7', user_agent: 'Mozilla/5.0 (e2e consent)' });
  const res = await app.webhook({
    type: 'account.updated',
    account: de.stripe_account_id,
    data: {
      object: {
        id: de.stripe_account_id, object: 'account', charges_enabled: false, payouts_enabled: false,
        capabilities: { card_payments: 'inactive', transfers: 'inactive' },
        requirements: {
          currently_due: ['individual.verification.document'], eventually_due: [], past_due: [], pending_verification: [],
          errors: [{ code: 'verification_document_expired', reason: 'The document has expired.', requirement: 'individual.verification.document' }],
          disabled_reason: 'requirements.past_due',
        },
      },
    },
  }, true);
  expect(res.status).toBe(200);
  await expect.poll(async () => (await app.api('GET', `/v1/merchants/${de.id}`)).requirements.errors.length).toBe(1);

  await app.signIn(page, await app.key('Jane Ops', 'operator', [sub.id]));
  await page.getByRole('link', { name: 'Merchants' }).click();
  const stage = page.getByRole('button', { name: /Start database KYC/ });
  await expect(stage).toContainText('1');
  await expect(page.getByRole('button', { name: /Start document verification/ })).toContainText('1');
  await expect(page.getByRole('link', { name: 'seller-de' })).toBeVisible();
  await app.shot(page, 'merchants-pipeline');

  await stage.click();
  await expect(stage).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByRole('combobox', { name: 'Next action' })).toHaveValue('start_database_kyc');
  await expect(page.getByRole('link', { name: 'seller-us' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'seller-de' })).toHaveCount(0);
  await page.getByRole('combobox', { name: 'Tier' }).selectOption('3');
  await expect(page.getByRole('cell', { name: 'No merchants match.' })).toBeVisible();
  await page.getByRole('button', { name: 'Clear filters' }).click();

  await page.getByRole('link', { name: 'seller-de' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('seller-de');
  await expect(page.getByRole('heading', { name: 'Next: Start document verification' })).toBeVisible();
  const req = page.getByRole('region', { name: 'Stripe requirements' });
  await expect(req).toContainText('Currently due');
  await expect(req).toContainText('Individual › Verification › Document');
  await expect(req).toContainText('The document has expired.');
  await expect(req).toContainText('verification_document_expired');
  await expect(req).toContainText('requirements.past_due');
  const consent = page.getByRole('region', { name: 'Biometric consent' });
  await expect(consent).toContainText('Granted');
  await expect(consent).toContainText('DE');
  await expect(consent).toContainText('gdpr_article_9_explicit_consent');
  await expect(consent).toContainText('stay sealed');
  await expect(page.locator('main')).not.toContainText('203.0.113.7');
  await expect(page.locator('main')).not.toContainText('e2e consent');
  await expect(page.getByText('Charges not enabled')).toBeVisible();
  await app.shot(page, 'merchant-detail');

  await page.goto(`${app.server.base}/console/merchants/${us.id}`);
  await expect(page.getByRole('heading', { name: 'Next: Start database KYC' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Biometric consent' })).toContainText('Not asked yet');
  await expect(page.getByRole('region', { name: 'Checks' })).toContainText('No checks yet.');
});
