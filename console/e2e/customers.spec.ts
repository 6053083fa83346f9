// Seed 004's dashboard tasks in the browser: find a flagged customer, read why, check Start
// Trip, clear, require, manually verify, reveal; a readonly operator sees no action.
import type { Page } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { expect, test, type App } from './harness';

/** A risk_based (threshold 50) subaccount with a customer whose first charge Radar rated highest. */
async function flaggedCustomer(app: App) {
  const sub = await app.subaccount({ identity_verification_mode: 'risk_based', identity_verification_risk_threshold: 50 });
  const externalId = `rider-${randomBytes(4).toString('hex')}`;
  const c = await app.api('POST', '/v1/customers', { subaccount_id: sub.id, external_id: externalId });
  await app.api('POST', `/v1/customers/${c.id}/payment-risk`, { charge_id: `ch_${randomBytes(6).toString('hex')}`, risk_level: 'highest' });
  const risk = await app.api('POST', `/v1/customers/${c.id}/phone-lookup`, { phone_type: 'voip', phone_carrier: 'Example Voice', phone_country: 'US' });
  return { sub, c, externalId, indicators: risk.indicators as { code: string; detail: string }[] };
}

const dialog = (page: Page) => page.getByRole('dialog');
const banner = (page: Page) => page.getByRole('region', { name: 'Identity Verification Required' });
const identity = (page: Page) => page.getByRole('region', { name: 'Identity Verification', exact: true });
const startTrip = (page: Page) => page.getByRole('region', { name: 'Start Trip check' });

test('an operator finds a flagged customer through the filters, clears, requires and manually verifies them', async ({ page, app }) => {
  const violations: string[] = [];
  page.on('console', (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text()); });
  const { sub, c, externalId, indicators } = await flaggedCustomer(app);
  const key = await app.key('Jane Ops', 'operator', [sub.id]);
  await app.signIn(page, key);

  // The list: required + this subaccount, oldest flagged first.
  await page.getByRole('link', { name: 'Customers' }).click();
  await page.getByLabel('Verification required').selectOption('yes');
  await page.getByLabel('Subaccount').selectOption(sub.id);
  await page.getByLabel('Sort').selectOption('flagged_oldest');
  const row = page.getByRole('row').filter({ hasText: externalId });
  await expect(row).toContainText('Identity Required');
  await expect(row).toContainText('75');
  await expect(row).toContainText('highest');
  expect(new URL(page.url()).search).toContain('required=yes');
  await app.shot(page, 'customers-list-required');

  // Flagged just now, so not stuck for more than 3 days (the server's flagged_before cannot
  // be backdated from here); back to the filtered view, the row is there again.
  await page.getByRole('button', { name: 'Stuck > 3 days' }).click();
  await expect(page.getByText('No customers match these filters.')).toBeVisible();
  expect(new URL(page.url()).search).toContain('stuck=3');
  await page.goBack();
  await expect(row).toBeVisible();

  // Search by exact external id.
  await page.getByLabel('Search').fill(externalId);
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page.getByRole('row')).toHaveCount(2); // header + the one customer
  await page.getByRole('link', { name: externalId }).click();

  // The banner says why, when, the score and level, and the status.
  await expect(page.getByRole('heading', { name: externalId })).toBeVisible();
  await expect(banner(page)).toContainText('Risk score 75 >= threshold 50');
  await expect(banner(page)).toContainText('75/100 (highest)');
  await expect(banner(page)).toContainText('Never attempted');

  // Risk: the signals, each indicator's sentence, and the flag in force.
  const riskPanel = page.getByRole('region', { name: 'Risk' });
  expect(indicators.length).toBeGreaterThan(0);
  for (const i of indicators) await expect(riskPanel).toContainText(i.detail);
  await expect(riskPanel).toContainText('Example Voice');
  await expect(riskPanel.getByRole('listitem').filter({ hasText: 'Identity verification required' })).toContainText('Risk score 75 >= threshold 50');

  // Start Trip: denied with the message the rider would get.
  const gate = await app.api('GET', `/v1/customers/${c.id}/access?action=ride_start`);
  expect(gate.allowed).toBe(false);
  expect(gate.message).not.toBe('');
  await startTrip(page).getByRole('button', { name: 'Check Start Trip' }).click();
  await expect(startTrip(page).getByRole('status')).toContainText('Denied');
  await expect(startTrip(page).getByRole('status')).toContainText(gate.message);
  await app.shot(page, 'customer-banner-denied');

  // Clear, with the confirmation: the banner goes, Start Trip is allowed.
  await page.getByRole('button', { name: 'Clear Requirement' }).click();
  await expect(dialog(page)).toContainText('does not mark them verified');
  await dialog(page).getByLabel('Notes (optional)').fill('known rider, flagged by mistake');
  await dialog(page).getByRole('button', { name: 'Clear requirement' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Requirement cleared.' })).toBeVisible();
  await expect(banner(page)).toHaveCount(0);
  await startTrip(page).getByRole('button', { name: 'Check Start Trip' }).click();
  await expect(startTrip(page).getByRole('status')).toContainText('Allowed');

  // Actions › Require Verification with a reason: the banner is back, saying so.
  const actions = page.getByRole('group', { name: 'Actions' });
  await actions.getByRole('button', { name: 'Require Verification' }).click();
  await dialog(page).getByRole('button', { name: 'Require verification' }).click();
  await expect(dialog(page).getByLabel('Reason')).toBeFocused(); // required: the browser refuses an empty reason
  await dialog(page).getByLabel('Reason').fill('chargeback on ride 7');
  await dialog(page).getByRole('button', { name: 'Require verification' }).click();
  await expect(banner(page)).toContainText('Required by an operator: chargeback on ride 7');
  await app.shot(page, 'customer-required-by-operator');

  // Manually Verify with notes: by Jane Ops, at a time, with the notes; the banner goes.
  await identity(page).getByRole('button', { name: 'Manually Verify' }).click();
  await dialog(page).getByLabel('Notes: how was identity confirmed?').fill('Verified in person at downtown location');
  await dialog(page).getByRole('button', { name: 'Mark verified' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Customer manually verified.' })).toBeVisible();
  await expect(identity(page)).toContainText(/Manually verified by Jane Ops at \w+/);
  await expect(identity(page)).toContainText('Verified in person at downtown location');
  await expect(banner(page)).toHaveCount(0);
  await expect(page.getByText('Verified', { exact: true }).first()).toBeVisible();

  // The timeline names the person for each action.
  const timeline = page.getByRole('region', { name: 'Audit timeline' });
  await expect(timeline.getByRole('row').filter({ hasText: 'Jane Ops' }).filter({ hasText: 'chargeback on ride 7' })).toHaveCount(1);
  await expect(timeline.getByRole('row').filter({ hasText: 'Jane Ops' }).filter({ hasText: 'Verified in person at downtown location' })).toHaveCount(1);
  // Each entry lists what changed, before → after (the API sends the changes as an object).
  await expect(timeline.getByRole('row').filter({ hasText: 'Verified in person at downtown location' })).toContainText(/identity_status: .+ → verified/);
  await app.shot(page, 'customer-manually-verified');
  expect(violations).toEqual([]);
});

test('an operator reveals verified identity data with a reason, and the reveal is in the timeline', async ({ page, app }) => {
  const sub = await app.subaccount({ identity_verification_mode: 'all_users' });
  const c = await app.api('POST', '/v1/customers', { subaccount_id: sub.id, external_id: `rider-${randomBytes(4).toString('hex')}` });
  const session = await app.api('POST', `/v1/customers/${c.id}/verification-sessions`, {});
  await app.api('POST', `/v1/verification-sessions/${session.session_id}:simulate`, { outcome: 'verified' });
  await expect.poll(async () => (await app.api('GET', `/v1/customers/${c.id}`)).identity_status).toBe('verified');
  const full = await app.api('GET', `/v1/customers/${c.id}`); // the admin key (no session) sees personal data
  const name = [full.identity_first_name, full.identity_last_name].filter(Boolean).join(' ');
  expect(name).not.toBe('');

  await app.signIn(page, await app.key('Jane Ops', 'operator', [sub.id]));
  await page.goto(`${app.server.base}/console/customers/${c.id}`);
  await expect(identity(page)).toContainText('Verified');
  await expect(identity(page)).toContainText('••••••');
  await expect(identity(page)).not.toContainText(name);
  await app.shot(page, 'customer-masked');

  await identity(page).getByRole('button', { name: 'Reveal' }).click();
  await expect(dialog(page)).toContainText('recorded in the audit log');
  await dialog(page).getByLabel('Reason').fill('support ticket 4312');
  await dialog(page).getByRole('button', { name: 'Reveal' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Identity revealed' })).toBeVisible();
  await expect(identity(page)).toContainText(name);
  await expect(identity(page)).not.toContainText('••••••');
  const timeline = page.getByRole('region', { name: 'Audit timeline' });
  await expect(timeline.getByRole('row').filter({ hasText: 'Customer identity revealed' })).toContainText('Jane Ops');
  await app.shot(page, 'customer-revealed');
});

test('a readonly operator sees the customer and no action controls', async ({ page, app }) => {
  const { sub, c, externalId } = await flaggedCustomer(app);
  await app.signIn(page, await app.key('Rita Readonly', 'readonly', [sub.id]));
  await page.getByRole('link', { name: 'Customers' }).click();
  await page.getByLabel('Search').fill(c.id);
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.getByRole('link', { name: externalId }).click();

  await expect(banner(page)).toContainText('Risk score 75 >= threshold 50');
  await expect(identity(page)).toContainText('••••••');
  for (const name of ['Clear Requirement', 'Manually Verify', 'Require Verification', 'Reveal']) {
    await expect(page.getByRole('button', { name })).toHaveCount(0);
  }
  await expect(page.getByRole('group', { name: 'Actions' })).toHaveCount(0);
  // Reading the gate changes nothing, so it stays.
  await startTrip(page).getByRole('button', { name: 'Check Start Trip' }).click();
  await expect(startTrip(page).getByRole('status')).toContainText('Denied');
  await app.shot(page, 'customer-readonly');
});

// Newest first: on SQLite, ascending keyset pages repeat their last row (see the report of
// branch customers: SQLite stores times as Go's time.String(), monotonic reading included).
test('the list pages with Next and Previous, and a shared URL opens the same view', async ({ page, app }) => {
  const sub = await app.subaccount();
  const older = await app.api('POST', '/v1/customers', { subaccount_id: sub.id, external_id: `rider-${randomBytes(4).toString('hex')}` });
  const newer = await app.api('POST', '/v1/customers', { subaccount_id: sub.id, external_id: `rider-${randomBytes(4).toString('hex')}` });
  await app.signIn(page, await app.key('Jane Ops', 'operator', [sub.id]));
  await page.goto(`${app.server.base}/console/customers?subaccount=${sub.id}&required=no&size=1`);
  await expect(page.getByLabel('Subaccount')).toHaveValue(sub.id);
  await expect(page.getByLabel('Verification required')).toHaveValue('no');

  const link = (c: { external_id: string }) => page.getByRole('link', { name: c.external_id });
  await expect(link(newer)).toBeVisible();
  await expect(link(older)).toHaveCount(0);
  await page.getByRole('button', { name: 'Next →' }).click();
  await expect(link(older)).toBeVisible();
  await expect(link(newer)).toHaveCount(0);
  await expect(page.getByRole('navigation', { name: 'Pages' })).toContainText('Page 2');
  await app.shot(page, 'customers-page-2');
  await expect(page.getByRole('button', { name: 'Next →' })).toBeDisabled();
  await page.getByRole('button', { name: '← Previous' }).click();
  await expect(link(newer)).toBeVisible();
  await expect(page.getByRole('button', { name: '← Previous' })).toBeDisabled();
});

test('a rider who declined the selfie shows the path, the consent record and the next step', async ({ page, app }) => {
  const sub = await app.subaccount({ identity_verification_mode: 'all_users', non_biometric_alternative: 'document_only' });
  const c = await app.api('POST', '/v1/customers', { subaccount_id: sub.id, external_id: `rider-${randomBytes(4).toString('hex')}` });
  const session = await app.api('POST', `/v1/customers/${c.id}/verification-sessions`, {});
  await app.api('POST', `/v1/verification-sessions/${session.session_id}:simulate`, { outcome: 'requires_input', error_code: 'consent_declined' });
  await expect.poll(async () => (await app.api('GET', `/v1/customers/${c.id}`)).identity_verification_path).toBe('document_only');

  await app.signIn(page, await app.key('Jane Ops', 'operator', [sub.id]));
  await page.goto(`${app.server.base}/console/customers/${c.id}`);
  const panel = page.getByRole('region', { name: 'Verification session' });
  await expect(panel).toContainText('Document only');
  await expect(panel).toContainText(`Declined in Stripe's flow (${session.session_id})`);
  await expect(panel).toContainText('Follow non biometric path');
  await expect(panel).toContainText('without a selfie');
  await app.shot(page, 'customer-declined-selfie');
});
