import { expect, test } from './harness';

// A customer whose one allowed attempt failed: the webhook path opens an urgent review task.
async function customerInReview(app: any) {
  const sub = await app.subaccount({ identity_verification_mode: 'all_users', max_verification_attempts: 1 });
  const c = await app.api('POST', '/v1/customers', { subaccount_id: sub.id, external_id: `rider-${Date.now()}` });
  const s = await app.api('POST', `/v1/customers/${c.id}/verification-sessions`, {});
  await app.api('POST', `/v1/verification-sessions/${s.session_id}:simulate`, { outcome: 'requires_input', error_code: 'document_unverified_other' });
  await expect.poll(async () => (await app.api('GET', '/v1/review-tasks?status=open')).tasks.some((t: any) => t.subject_id === c.id)).toBe(true);
  return { sub, customer: c };
}

test('an operator claims an urgent review task and approves the customer with notes', async ({ page, app }) => {
  const { sub, customer } = await customerInReview(app);
  await app.signIn(page, await app.key('Jane Ops', 'operator', [sub.id]));
  await page.getByRole('link', { name: 'Review queue' }).click();

  const row = page.getByRole('row').filter({ hasText: customer.id });
  await expect(row).toContainText('Urgent');
  await expect(row).toContainText('Verification attempts used up');
  await expect(row.getByRole('cell', { name: /just now|minute/ })).toBeVisible();
  await expect(row).toContainText('unclaimed');
  await expect(row.getByRole('link', { name: customer.id })).toHaveAttribute('href', `/console/customers/${customer.id}`);
  await app.shot(page, 'review-queue');

  await row.getByRole('button', { name: `Claim review of ${customer.id}` }).click();
  await expect(page.getByRole('status')).toContainText(`You hold the review of ${customer.id}`);
  await expect(row).toContainText('held by Jane Ops');
  await expect(row.getByRole('button', { name: /^Claim/ })).toHaveCount(0);

  await row.getByRole('button', { name: `Resolve review of ${customer.id}` }).click();
  const dialog = page.getByRole('dialog', { name: `Resolve review of ${customer.id}` });
  await dialog.getByRole('radio', { name: 'Approve' }).check();
  await dialog.getByRole('button', { name: 'Resolve' }).click();
  await expect(dialog.getByLabel('Notes')).toBeFocused(); // the browser refuses a resolution without notes
  await dialog.getByLabel('Notes').fill('passport checked on a video call');
  await app.shot(page, 'review-resolve-dialog');
  await dialog.getByRole('button', { name: 'Resolve' }).click();
  await expect(page.getByRole('status')).toContainText(`Review of ${customer.id} resolved: approved by Jane Ops`);
  await expect(dialog).toBeHidden();
  await expect(row).toHaveCount(0); // gone from the open queue

  await page.getByRole('combobox', { name: 'Status' }).selectOption('resolved');
  await expect(row).toContainText('Approved');
  await expect(row).toContainText('resolved by Jane Ops');
  await expect(row).toContainText('passport checked on a video call');
  await app.shot(page, 'review-resolved');

  const after = await app.api('GET', `/v1/customers/${customer.id}`);
  expect(after.identity_status).toBe('verified');
  expect(after.identity_manual_verification_by).toBe('Jane Ops');
});

test('a readonly operator sees the review queue without Claim or Resolve', async ({ page, app }) => {
  const { sub, customer } = await customerInReview(app);
  await app.signIn(page, await app.key('Rita Readonly', 'readonly', [sub.id]));
  await page.getByRole('link', { name: 'Review queue' }).click();
  const row = page.getByRole('row').filter({ hasText: customer.id });
  await expect(row).toContainText('Verification attempts used up');
  await expect(page.getByRole('columnheader', { name: 'Actions' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: /Claim|Resolve/ })).toHaveCount(0);
  await app.shot(page, 'review-readonly');
});

test('an operator rejects a merchant who declined biometrics, and the merchant shows the manual check', async ({ page, app }) => {
  const sub = await app.subaccount();
  const m = await app.api('POST', '/v1/merchants', { subaccount_id: sub.id, external_id: 'seller-fr', country: 'FR', business_type: 'individual' });
  await app.api('POST', `/v1/merchants/${m.id}/biometric-consent`, { granted: false });
  await app.signIn(page, await app.key('Jane Ops', 'operator', [sub.id]));
  await page.getByRole('link', { name: 'Review queue' }).click();
  await page.getByRole('combobox', { name: 'Subject type' }).selectOption('merchant');

  const row = page.getByRole('row').filter({ hasText: m.id });
  await expect(row).toContainText('High');
  await expect(row).toContainText('Biometric consent declined or withdrawn');
  await row.getByRole('button', { name: `Resolve review of ${m.id}` }).click();
  const dialog = page.getByRole('dialog', { name: `Resolve review of ${m.id}` });
  await dialog.getByRole('radio', { name: 'Reject' }).check();
  await dialog.getByLabel('Notes').fill('no document offered on the call');
  await dialog.getByRole('button', { name: 'Resolve' }).click();
  await expect(page.getByRole('status')).toContainText(`Review of ${m.id} resolved: rejected by Jane Ops`);

  await page.getByRole('combobox', { name: 'Status' }).selectOption('resolved');
  await expect(row).toContainText('Rejected');
  await row.getByRole('link', { name: m.id }).click();
  await expect(page.getByRole('heading', { name: 'Next: Rejected' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Biometric consent' })).toContainText('Declined');
  const checks = page.getByRole('region', { name: 'Checks' });
  await expect(checks.getByRole('row').filter({ hasText: 'Manual review' })).toContainText('No match');
  await expect(checks.getByRole('row', { name: /Total/ })).toContainText('$0.00');
  await app.shot(page, 'merchant-rejected');
});
