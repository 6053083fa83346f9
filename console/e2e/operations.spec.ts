import { expect, test, type App } from './harness';

async function eventState(app: App, id: string): Promise<string> {
  const r = await app.api('GET', '/v1/webhook-events?page_size=500');
  return r.events.find((e: any) => e.id === id)?.state ?? 'missing';
}

function sessionEvent(id: string, session: string, meta: Record<string, string>, status = 'processing') {
  return {
    id, type: `identity.verification_session.${status}`,
    data: { object: { id: session, object: 'identity.verification_session', status, last_error: null, metadata: meta } },
  };
}

test('an admin sees a failed webhook event with its error first, retries it, and sees it processed', async ({ page, app }) => {
  const sub = await app.subaccount({ identity_verification_mode: 'all_users' });
  const rider = await app.api('POST', '/v1/customers', { subaccount_id: sub.id, external_id: 'rider-1' });
  const other = await app.api('POST', '/v1/customers', { subaccount_id: sub.id, external_id: 'rider-2' });
  const tag = Date.now().toString(36);
  // The rider has a session; an event of a second session naming them arrives before idgate
  // has recorded that session, so its handler retries, then the event fails.
  const first = `evt_ops_first_${tag}`;
  await app.webhook(sessionEvent(first, `vs_ops_a_${tag}`, { customer_id: rider.id }));
  await expect.poll(() => eventState(app, first)).toBe('processed');
  const early = `evt_ops_early_${tag}`;
  await app.webhook(sessionEvent(early, `vs_ops_b_${tag}`, { customer_id: rider.id }));
  await expect.poll(() => eventState(app, early)).toBe('failed');
  // Now the session is recorded (adopted by the other rider): a retry can apply the event.
  const adopt = `evt_ops_adopt_${tag}`;
  await app.webhook(sessionEvent(adopt, `vs_ops_b_${tag}`, { customer_id: other.id }));
  await expect.poll(() => eventState(app, adopt)).toBe('processed');

  await app.signIn(page, await app.key('Ada Admin', 'admin', []));
  await page.getByRole('link', { name: 'Operations' }).click();
  const events = page.getByRole('region', { name: 'Webhook events' });
  const rows = events.getByRole('row');
  const row = rows.filter({ hasText: early });
  await expect(row).toBeVisible();
  // Failed first: the failed event is listed above the newer, processed one.
  const order = (await rows.allTextContents()).map((t) => (t.includes(early) ? 'failed' : t.includes(adopt) ? 'newer' : '')).filter(Boolean);
  expect(order).toEqual(['failed', 'newer']);
  await expect(row).toContainText('Failed');
  await expect(row).toContainText('is not recorded yet');
  await expect(row).toContainText('identity.verification_session.processing');
  await expect(rows.filter({ hasText: adopt })).toContainText('Processed');
  await app.shot(page, 'operations-failed-event');

  await row.getByRole('button', { name: `Retry ${early}` }).click();
  const dialog = page.getByRole('dialog', { name: 'Retry this event?' });
  await expect(dialog).toContainText('is not recorded yet');
  await dialog.getByRole('button', { name: 'Retry', exact: true }).click();
  await expect(row.getByText('Processed')).toBeVisible();
  await expect(events.getByRole('status')).toContainText(`${early} is processed`);
  await expect(row.getByRole('button', { name: `Retry ${early}` })).toHaveCount(0);
  await app.shot(page, 'operations-retried-event');
  expect(await eventState(app, early)).toBe('processed');
});

test('the verification cost report shows seed 003’s table and chart from the checks recorded', async ({ page, app }) => {
  const sub = await app.subaccount();
  const m = await app.api('POST', '/v1/merchants', { subaccount_id: sub.id, external_id: `au-${Date.now()}`, country: 'AU', business_type: 'individual' });
  await app.api('POST', `/v1/merchants/${m.id}/biometric-consent`, { granted: true, ip_address: '198.51.100.4', user_agent: 'Mozilla/5.0' });
  const vs = await app.api('POST', `/v1/merchants/${m.id}/verification-sessions`, {});
  const ev = `evt_ops_cost_${Date.now().toString(36)}`;
  await app.webhook(sessionEvent(ev, vs.session_id, { merchant_id: m.id }, 'verified'));
  await expect.poll(() => eventState(app, ev)).toBe('processed');

  await app.signIn(page, await app.key('Olga Operator', 'operator', [sub.id]));
  await page.getByRole('link', { name: 'Operations' }).click();
  const report = page.getByRole('region', { name: 'Verification cost' });
  const tier3 = report.getByRole('row', { name: /Tier 3 · Stripe Identity document \+ liveness/ });
  await expect(tier3).toContainText('$2.50');
  await expect(report.getByRole('row', { name: /Per 1,000 merchants/ })).toContainText('$');
  await expect(report.getByRole('img', { name: 'Total cost by tier' })).toBeVisible();
  // An operator sees the report but not the admins' sections.
  await expect(page.getByRole('region', { name: 'Webhook events' })).toHaveCount(0);
  await expect(page.getByRole('region', { name: 'API keys' })).toHaveCount(0);
  await expect(page.getByRole('alert')).toHaveCount(0);
  await app.shot(page, 'operations-cost-report');
});

test('an admin creates an API key, sees its secret once, and revokes it', async ({ page, app }) => {
  const sub = await app.subaccount();
  await app.signIn(page, await app.key('Ada Admin', 'admin', []));
  await page.getByRole('link', { name: 'Operations' }).click();
  const keys = page.getByRole('region', { name: 'API keys' });
  const name = `Nia Night-shift ${Date.now()}`;
  await keys.getByLabel('Name').fill(name);
  await keys.getByLabel('Role').selectOption('operator');
  await keys.getByRole('checkbox', { name: sub.name, exact: true }).check();
  await keys.getByRole('button', { name: 'Create key' }).click();
  const secret = await keys.getByLabel('Secret').textContent();
  expect(secret).toMatch(/^idg_/);
  await expect(keys.getByRole('button', { name: 'Copy secret' })).toBeVisible();
  const row = keys.getByRole('row').filter({ hasText: name });
  await expect(row).toContainText('Operator');
  await expect(row).toContainText(sub.name);
  await expect(row).toContainText('Active');
  await expect(row).not.toContainText(secret!);
  await app.shot(page, 'operations-api-key-created');
  // The new key works until it is revoked.
  expect((await app.api('GET', `/v1/subaccounts/${sub.id}`, undefined, secret!)).id).toBe(sub.id);

  await row.getByRole('button', { name: `Revoke ${name}` }).click();
  const dialog = page.getByRole('dialog', { name: `Revoke ${name}?` });
  await dialog.getByRole('button', { name: 'Revoke key' }).click();
  await expect(row).toContainText('Revoked');
  await expect(row.getByRole('button', { name: /^Revoke/ })).toHaveCount(0);
  await app.shot(page, 'operations-api-key-revoked');
  await expect(app.api('GET', `/v1/subaccounts/${sub.id}`, undefined, secret!)).rejects.toThrow(/HTTP 401/);
});
