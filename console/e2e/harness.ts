// The browser tests' world: one real bin/idgate on a fresh SQLite file and one stripe-mock
// per test worker, the development admin key, and helpers that seed data through the
// documented JSON API, deliver Stripe-signed webhooks, sign an operator in and save
// screenshots under tmp/console/.
import { test as base, expect, type Page } from '@playwright/test';
import { createHmac, randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocal, type Local } from './local';

export const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
export const artifacts = join(root, 'tmp/console');

export type Server = Omit<Local, 'stop'>;

export interface App {
  server: Server;
  /** A JSON call to the API with key (the admin key by default); throws on a non-2xx answer. */
  api<T = any>(method: string, path: string, body?: unknown, key?: string): Promise<T>;
  /** A fresh subaccount (unique name) with the given policy fields. */
  subaccount(fields?: Record<string, unknown>): Promise<any>;
  /** A new API key's secret: name is the person, role admin/operator/readonly/service. */
  key(name: string, role: string, subaccountIds: string[]): Promise<string>;
  /** Opens the console at base (server.base by default), signs in with key and waits for the signed-in shell. */
  signIn(page: Page, key: string, base?: string): Promise<void>;
  /** Delivers event (id, created, livemode filled in if missing), signed as Stripe signs it. */
  webhook(event: Record<string, any>, connect?: boolean): Promise<Response>;
  /** Saves a full-page screenshot as tmp/console/<name>.png. */
  shot(page: Page, name: string): Promise<void>;
}

export const test = base.extend<{ app: App }, { server: Server }>({
  server: [
    async ({}, use) => {
      // A webhook event whose handler keeps failing is marked failed after 3 attempts
      // (0.1 s + 0.2 s of backoff), so a test can retry it from the console.
      const local = await startLocal(root, artifacts, { IDGATE_WEBHOOK_MAX_ATTEMPTS: '3' });
      try {
        await use(local);
      } finally {
        await local.stop();
      }
    },
    { scope: 'worker', timeout: 60_000 },
  ],

  app: async ({ server }, use) => {
    const api = async (method: string, path: string, body?: unknown, key = server.adminKey) => {
      const r = await fetch(server.base + path, {
        method,
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await r.text();
      if (!r.ok) throw new Error(`${method} ${path}: HTTP ${r.status} ${text}`);
      return text ? JSON.parse(text) : {};
    };
    let n = 0;
    const app: App = {
      server,
      api,
      subaccount: (fields = {}) => api('POST', '/v1/subaccounts', { name: `e2e ${Date.now()}-${++n}`, ...fields }),
      key: async (name, role, subaccountIds) =>
        (await api('POST', '/v1/api-keys', { name, role, subaccount_ids: subaccountIds })).secret,
      signIn: async (page, key, at = server.base) => {
        await page.goto(`${at}/console/`);
        await page.getByLabel('API key').fill(key);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
      },
      webhook: async (event, connect = false) => {
        const ev = {
          id: 'evt_' + randomBytes(12).toString('hex'),
          object: 'event',
          created: Math.floor(Date.now() / 1000),
          livemode: false,
          api_version: '2024-06-20',
          ...event,
        };
        const payload = JSON.stringify(ev);
        const t = Math.floor(Date.now() / 1000);
        const secret = connect ? server.connectWebhookSecret : server.webhookSecret;
        const v1 = createHmac('sha256', secret).update(`${t}.${payload}`).digest('hex');
        return fetch(`${server.base}/v1/webhooks/stripe${connect ? '/connect' : ''}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'Stripe-Signature': `t=${t},v1=${v1}` },
          body: payload,
        });
      },
      shot: async (page, name) => {
        await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
      },
    };
    await use(app);
  },
});

export { expect };
