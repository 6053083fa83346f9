// Every page's controls carry a name a screen reader reads, and the seed 004 tasks work by
// keyboard alone.
import type { Page } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { expect, test } from './harness';

/** How many visible controls the page has, and those without an accessible name. */
async function unlabelled(page: Page): Promise<{ checked: number; missing: string[] }> {
  return page.locator('button, input, select, textarea, a[href]').evaluateAll((els) => {
    const visible = els.filter((el) => (el as HTMLElement).offsetParent !== null && (el as HTMLInputElement).type !== 'hidden');
    const missing = visible
      .filter((el) => {
        const e = el as HTMLInputElement;
        const byLabel = 'labels' in e && e.labels !== null && e.labels.length > 0 && [...e.labels].some((l) => l.textContent!.trim() !== '');
        const byAria = (e.getAttribute('aria-label') ?? '').trim() !== '' || e.hasAttribute('aria-labelledby');
        const byText = (e.tagName === 'BUTTON' || e.tagName === 'A') && e.textContent!.trim() !== '';
        return !(byLabel || byAria || byText || (e.title ?? '').trim() !== '');
      })
      .map((el) => el.outerHTML.slice(0, 120));
    return { checked: visible.length, missing };
  });
}

/** Presses Tab until the focused element is the button named name (at most 80 times). */
async function tabTo(page: Page, name: string) {
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const a = document.activeElement as HTMLElement | null;
      return a ? (a.getAttribute('aria-label') ?? a.textContent ?? '').trim() : '';
    });
    if (focused === name) return;
  }
  throw new Error(`Tab never reached "${name}"`);
}

test('every page labels its controls, and a flagged customer is found and cleared by keyboard alone', async ({ page, app }) => {
  const sub = await app.subaccount({ identity_verification_mode: 'risk_based', identity_verification_risk_threshold: 50 });
  const externalId = `rider-${randomBytes(4).toString('hex')}`;
  const c = await app.api('POST', '/v1/customers', { subaccount_id: sub.id, external_id: externalId });
  await app.api('POST', `/v1/customers/${c.id}/payment-risk`, { charge_id: `ch_${randomBytes(6).toString('hex')}`, risk_level: 'highest' });
  const m = await app.api('POST', '/v1/merchants', { subaccount_id: sub.id, external_id: `seller-${randomBytes(4).toString('hex')}`, country: 'US', business_type: 'individual' });
  const key = await app.key('Kim Keyboard', 'admin', []);

  // Sign in without the mouse.
  await page.goto(`${app.server.base}/console/`);
  await page.getByLabel('API key').focus();
  await page.keyboard.type(key);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();

  for (const [path, heading] of [
    ['/console/customers', 'Customers'],
    [`/console/customers/${c.id}`, externalId],
    ['/console/review', 'Review queue'],
    ['/console/merchants', 'Merchants'],
    [`/console/merchants/${m.id}`, m.external_id],
    ['/console/subaccounts', 'Subaccounts'],
    [`/console/subaccounts/${sub.id}`, sub.name],
    ['/console/operations', 'Operations'],
    ['/console/sandbox', 'Sandbox'],
  ]) {
    await page.goto(app.server.base + path);
    await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
    const { checked, missing } = await unlabelled(page);
    expect(checked, `controls found on ${path}`).toBeGreaterThan(6); // the navigation alone has 6
    expect(missing, `unlabelled controls on ${path}`).toEqual([]);
  }

  // The stuck view: required and not verified, flagged more than 0 days ago (now).
  await page.goto(`${app.server.base}/console/customers`);
  await page.getByLabel('Flagged more than (days ago)').focus();
  await page.keyboard.type('0');
  await page.keyboard.press('Enter');
  const row = page.getByRole('row').filter({ hasText: externalId });
  await expect(row).toContainText('Identity Required');
  expect(new URL(page.url()).search).toContain('stuck=0');

  // Open the customer and clear the requirement: Tab, Enter, type, Enter.
  await row.getByRole('link', { name: externalId }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('region', { name: 'Identity Verification Required' })).toBeVisible();
  await tabTo(page, 'Clear Requirement');
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  await page.keyboard.press('Escape'); // cancel closes it and changes nothing
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('region', { name: 'Identity Verification Required' })).toBeVisible();
  await page.keyboard.press('Enter'); // focus is back on the button
  await expect(dialog).toBeVisible();
  await app.shot(page, 'keyboard-clear-dialog');
  await dialog.getByRole('button', { name: /clear/i }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('region', { name: 'Identity Verification Required' })).toBeHidden();
  await app.shot(page, 'keyboard-cleared');
});
