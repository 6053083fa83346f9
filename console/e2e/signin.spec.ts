import { expect, test } from './harness';

test('an operator signs in as themselves, sees their name, and signs out for good', async ({ page, app }) => {
  const violations: string[] = [];
  page.on('console', (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text()); });
  const sub = await app.subaccount();
  const key = await app.key('Jane Ops', 'operator', [sub.id]);

  const res = await page.goto(`${app.server.base}/console/`);
  expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
  await page.getByLabel('API key').fill('idg_test_not_a_real_key');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('API key');
  await app.shot(page, 'signin-refused');

  await app.signIn(page, key);
  await expect(page.getByLabel('Signed in')).toContainText('Jane Ops');
  await expect(page.getByLabel('Signed in')).toContainText('operator');
  expect(page.url()).not.toContain('idg_');
  const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('idgate.console.session')!).token as string);
  expect(token).not.toBe(key);
  await app.shot(page, 'signin-shell');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('status')).toContainText('You signed out');
  const after = await fetch(`${app.server.base}/v1/sessions/current`, { headers: { Authorization: `Bearer ${token}` } });
  expect(after.status).toBe(401);
  await page.reload();
  await expect(page.getByLabel('API key')).toBeVisible();
  expect(violations).toEqual([]);
});

test('a service key cannot sign in to the console', async ({ page, app }) => {
  const sub = await app.subaccount();
  const key = await app.key('rides backend', 'service', [sub.id]);
  await page.goto(`${app.server.base}/console/`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('service keys cannot sign in');
  await app.shot(page, 'signin-service-key');
});
