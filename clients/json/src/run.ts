// make test-json-client: starts bin/idgate (fresh SQLite) and stripe-mock on free loopback
// ports, runs the generated client's rider flow against them, and stops both.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { riderFlow } from './flow.js';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../../..');

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

async function ready(url: string, proc: ChildProcess, name: string, init?: RequestInit) {
  for (let i = 0; i < 300; i++) {
    if (proc.exitCode !== null) throw new Error(`${name} exited with ${proc.exitCode}`);
    try {
      if ((await fetch(url, init)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not become ready at ${url}`);
}

const dir = mkdtempSync(join(tmpdir(), 'idgate-json-client-'));
const [mock, mockTLS, http, grpc] = [await freePort(), await freePort(), await freePort(), await freePort()];
const key = 'idg_test_json_client_' + randomBytes(8).toString('hex');
const procs: ChildProcess[] = [];
const start = (cmd: string, args: string[], env: Record<string, string>) => {
  const p = spawn(join(root, cmd), args, { cwd: root, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  procs.push(p);
  return p;
};
let failed = false;
try {
  const m = start('bin/stripe-mock', ['-http-addr', `127.0.0.1:${mock}`, '-https-addr', `127.0.0.1:${mockTLS}`], {});
  await ready(`http://127.0.0.1:${mock}/v1/balance`, m, 'stripe-mock', { headers: { Authorization: 'Bearer sk_test_123' } });
  const idgate = start('bin/idgate', [], {
    DATABASE_URL: `sqlite:${join(dir, 'idgate.db')}`,
    IDGATE_DATA_KEY_FILE: join(dir, 'data.key'),
    IDGATE_HTTP_ADDR: `127.0.0.1:${http}`,
    IDGATE_GRPC_ADDR: `127.0.0.1:${grpc}`,
    STRIPE_API_BASE: `http://127.0.0.1:${mock}`,
    STRIPE_WEBHOOK_SECRET: 'whsec_json_client',
    IDGATE_BOOTSTRAP_API_KEY: key,
    IDGATE_JOB_POLL_INTERVAL: '50ms',
    IDGATE_LOG_LEVEL: 'warn',
  });
  await ready(`http://127.0.0.1:${http}/readyz`, idgate, 'idgate');
  await riderFlow(`http://127.0.0.1:${http}`, key, (s) => console.log(`json client: ${s}`));
  console.log('json client: the generated client ran the rider flow');
} catch (e) {
  failed = true;
  console.error(`json client: ${(e as Error).message}`);
} finally {
  for (const p of procs.reverse()) {
    if (p.exitCode === null) {
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await exited;
    }
  }
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
