// The browser tests' world: one real bin/idgate on a fresh SQLite file and one stripe-mock
// per test worker, the development admin key, and helpers that seed data through the
// documented JSON API, deliver Stripe-signed webhooks, sign an operator in and save
// screenshots under tmp/console/.
import { test as base, expect, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
export const artifacts = join(root, 'tmp/console');

export interface Server {
  base: string;
  adminKey: string;
  webhookSecret: string;
  connectWebhookSecret: string;
}

export interface App {
  server: Server;
  /** A JSON call to the API with key (the admin key by default); throws on a non-2xx answer. */
  api<T = any>(method: string, path: string, body?: unknown, key?: string): Promise<T>;
  /** A fresh subaccount (unique name) with the given policy fields. */
  subaccount(fields?: Record<string, unknown>): Promise<any>;
  /** A new API key's secret: name is the person, role admin/operator/readonly/service. */
  key(name: string, role: string, subaccountIds: string[]): Promise<string>;
  /** Opens the console, signs in with key and waits for the signed-in shell. */
  signIn(page: Page, key: string): Promise<void>;
  /** Delivers event (id, created, livemode filled in if missing), signed as Stripe signs it. */
  webhook(event: Record<string, any>, connect?: boolean): Promise<Response>;
  /** Saves a full-page screenshot as tmp/console/<name>.png. */
  shot(page: Page, name: string): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.unref();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

/** Waits (bounded) until url answers 200, failing early if proc exits. */
async function ready(url: string, proc: ChildProcess, name: string, log: string, init?: RequestInit) {
  for (let i = 0; i < 300; i++) {
    if (proc.exitCode !== null) throw new Error(`${name} exited with ${proc.exitCode}: see ${log}`);
    try {
      const r = await fetch(url, init);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not become ready at ${url}: see ${log}`);
}

function start(name: string, cmd: string, args: string[], env: Record<string, string>): { proc: ChildProcess; log: string } {
  mkdirSync(artifacts, { recursive: true });
  const log = join(artifacts, `${name}.log`);
  const out = createWriteStream(log);
  const proc = spawn(cmd, args, { cwd: root, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.pipe(out);
  proc.stderr!.pipe(out);
  return { proc, log };
}

async function stop(proc: ChildProcess) {
  if (proc.exitCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await exited;
}

export const test = base.extend<{ app: App }, { server: Server }>({
  server: [
    async ({}, use) => {
      for (const bin of ['bin/idgate', 'bin/stripe-mock']) {
        if (!existsSync(join(root, bin))) throw new Error(`${bin} is missing: run "make build tools" at the repository root`);
      }
      const dir = mkdtempSync(join(tmpdir(), 'idgate-console-'));
      const [mockPort, mockTLS, http, grpc] = [await freePort(), await freePort(), await freePort(), await freePort()];
      const mock = start('stripe-mock', join(root, 'bin/stripe-mock'), ['-http-addr', `127.0.0.1:${mockPort}`, '-https-addr', `127.0.0.1:${mockTLS}`], {});
      const server: Server = {
        base: `http://127.0.0.1:${http}`,
        adminKey: 'idg_test_console_e2e_admin_' + randomBytes(8).toString('hex'),
        webhookSecret: 'whsec_console_e2e',
        connectWebhookSecret: 'whsec_console_e2e_connect',
      };
      const idgate = start('idgate', join(root, 'bin/idgate'), [], {
        DATABASE_URL: `sqlite:${join(dir, 'idgate.db')}`,
        IDGATE_DATA_KEY_FILE: join(dir, 'data.key'),
        IDGATE_HTTP_ADDR: `127.0.0.1:${http}`,
        IDGATE_GRPC_ADDR: `127.0.0.1:${grpc}`,
        STRIPE_API_BASE: `http://127.0.0.1:${mockPort}`,
        STRIPE_WEBHOOK_SECRET: server.webhookSecret,
        STRIPE_CONNECT_WEBHOOK_SECRET: server.connectWebhookSecret,
        IDGATE_BOOTSTRAP_API_KEY: server.adminKey,
        IDGATE_JOB_POLL_INTERVAL: '50ms',
        IDGATE_JOB_RETRY_BASE: '100ms',
        // A webhook event whose handler keeps failing is marked failed after 3 attempts
        // (0.1 s + 0.2 s of backoff), so a test can retry it from the console.
        IDGATE_WEBHOOK_MAX_ATTEMPTS: '3',
        IDGATE_LOG_FORMAT: 'json',
      });
      try {
        // idgate is ready before stripe-mock listens: the first Stripe call must not race it.
        await ready(`http://127.0.0.1:${mockPort}/v1/balance`, mock.proc, 'stripe-mock', mock.log, { headers: { Authorization: 'Bearer sk_test_123' } });
        await ready(`${server.base}/readyz`, idgate.proc, 'idgate', idgate.log);
        await use(server);
      } finally {
        await stop(idgate.proc);
        await stop(mock.proc);
        rmSync(dir, { recursive: true, force: true });
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
      signIn: async (page, key) => {
        await page.goto(`${server.base}/console/`);
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
