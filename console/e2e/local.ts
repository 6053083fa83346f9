// A real bin/idgate on a fresh SQLite file beside its own stripe-mock, on free loopback
// ports, for programs that test idgate from outside: the console's browser tests and the
// generated JSON client (clients/json). idgate runs the sandbox in front of stripe-mock
// (IDGATE_SANDBOX=on), as `make run` does. Node built-ins only.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Local {
  base: string;
  /**
   * base with the host localhost: the WebAuthn relying party (IDGATE_WEBAUTHN_RP_ID), which
   * a page must be served from to use passkeys (an IP address cannot be one).
   */
  origin: string;
  adminKey: string;
  webhookSecret: string;
  connectWebhookSecret: string;
  /** Stops idgate, then stripe-mock (SIGTERM, waiting for each), and removes the database. */
  stop(): Promise<void>;
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
      if ((await fetch(url, init)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not become ready at ${url}: see ${log}`);
}

async function stop(proc: ChildProcess) {
  if (proc.exitCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await exited;
}

/**
 * Starts stripe-mock and bin/idgate from the repository at root, logging to logDir
 * (<name>.log); env adds to or overrides idgate's settings.
 */
export async function startLocal(root: string, logDir: string, env: Record<string, string> = {}): Promise<Local> {
  for (const bin of ['bin/idgate', 'bin/stripe-mock']) {
    if (!existsSync(join(root, bin))) throw new Error(`${bin} is missing: run "make build tools" at the repository root`);
  }
  mkdirSync(logDir, { recursive: true });
  const run = (name: string, args: string[], vars: Record<string, string>) => {
    const log = join(logDir, `${name}.log`);
    const out = createWriteStream(log);
    const proc = spawn(join(root, 'bin', name), args, { cwd: root, env: { PATH: process.env.PATH ?? '', ...vars }, stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout!.pipe(out);
    proc.stderr!.pipe(out);
    return { proc, log };
  };
  const dir = mkdtempSync(join(tmpdir(), 'idgate-local-'));
  const [mockPort, mockTLS, http, grpc, sandbox] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  const mock = run('stripe-mock', ['-http-addr', `127.0.0.1:${mockPort}`, '-https-addr', `127.0.0.1:${mockTLS}`], {});
  const local = {
    base: `http://127.0.0.1:${http}`,
    origin: `http://localhost:${http}`,
    adminKey: 'idg_test_local_admin_' + randomBytes(8).toString('hex'),
    webhookSecret: 'whsec_local',
    connectWebhookSecret: 'whsec_local_connect',
  };
  const idgate = run('idgate', [], {
    DATABASE_URL: `sqlite:${join(dir, 'idgate.db')}`,
    IDGATE_DATA_KEY_FILE: join(dir, 'data.key'),
    IDGATE_HTTP_ADDR: `127.0.0.1:${http}`,
    IDGATE_GRPC_ADDR: `127.0.0.1:${grpc}`,
    IDGATE_SANDBOX: 'on',
    IDGATE_SANDBOX_ADDR: `127.0.0.1:${sandbox}`,
    IDGATE_SANDBOX_STRIPE_MOCK: `http://127.0.0.1:${mockPort}`,
    IDGATE_WEBAUTHN_RP_ID: 'localhost',
    IDGATE_WEBAUTHN_ORIGINS: `http://localhost:${http}`,
    STRIPE_WEBHOOK_SECRET: local.webhookSecret,
    STRIPE_CONNECT_WEBHOOK_SECRET: local.connectWebhookSecret,
    IDGATE_BOOTSTRAP_API_KEY: local.adminKey,
    IDGATE_JOB_POLL_INTERVAL: '50ms',
    IDGATE_JOB_RETRY_BASE: '100ms',
    IDGATE_LOG_FORMAT: 'json',
    ...env,
  });
  const stopAll = async () => {
    await stop(idgate.proc);
    await stop(mock.proc);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // idgate is ready before stripe-mock listens: the first Stripe call must not race it.
    await ready(`http://127.0.0.1:${mockPort}/v1/balance`, mock.proc, 'stripe-mock', mock.log, { headers: { Authorization: 'Bearer sk_test_123' } });
    await ready(`${local.base}/readyz`, idgate.proc, 'idgate', idgate.log);
  } catch (e) {
    await stopAll();
    throw e;
  }
  return { ...local, stop: stopAll };
}
