// What a JSON developer does with a client generated from idgate's OpenAPI document
// (gen/openapiv2/idgate.swagger.json → OpenAPI 3 by swagger2openapi → TypeScript types by
// openapi-typescript, calls by openapi-fetch). Every path, parameter and body below is
// type-checked against the document: a route the document got wrong does not compile.
import createClient from 'openapi-fetch';
import type { paths } from '../tmp/schema.js';

function must<T>(what: string, r: { data?: T; error?: unknown; response: Response }): T {
  if (r.data === undefined) throw new Error(`${what}: HTTP ${r.response.status} ${JSON.stringify(r.error)}`);
  return r.data;
}

/** Runs seed 004's rider flow against baseUrl with an admin key; throws on any surprise. */
export async function riderFlow(baseUrl: string, key: string, log: (s: string) => void): Promise<void> {
  const api = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${key}` } });

  const sub = must('create subaccount', await api.POST('/v1/subaccounts', {
    body: { name: `json client ${Date.now()}`, identity_verification_mode: 'risk_based', identity_verification_risk_threshold: 50 },
  }));
  const customer = must('create customer', await api.POST('/v1/customers', {
    body: { subaccount_id: sub.id, external_id: 'rider-json-1', email: 'rider@example.com' },
  }));
  must('record payment risk', await api.POST('/v1/customers/{customer_id}/payment-risk', {
    params: { path: { customer_id: customer.id! } },
    body: { charge_id: 'ch_json_1', risk_level: 'highest' },
  }));

  const denied = must('check access', await api.GET('/v1/customers/{customer_id}/access', {
    params: { path: { customer_id: customer.id! }, query: { action: 'ride_start' } },
  }));
  if (denied.allowed || denied.required_action !== 'start_verification') throw new Error(`access before verifying: ${JSON.stringify(denied)}`);
  log(`denied: ${denied.reason}, ${denied.required_action}: "${denied.message}"`);

  const session = must('start verification', await api.POST('/api/customers/{customer_id}/identity-session', {
    params: { path: { customer_id: customer.id! } },
    body: {},
  }));
  must('simulate verified', await api.POST('/v1/verification-sessions/{session_id}:simulate', {
    params: { path: { session_id: session.session_id! } },
    body: { outcome: 'verified' },
  }));
  // The outcome arrives as a signed webhook event, processed by a job: ask until it has.
  for (let i = 0; ; i++) {
    const a = must('check access', await api.GET('/v1/customers/{customer_id}/access', {
      params: { path: { customer_id: customer.id! }, query: { action: 'ride_start' } },
    }));
    if (a.allowed) { log(`allowed: ${a.reason}`); break; }
    if (i === 100) throw new Error(`still denied after verifying: ${JSON.stringify(a)}`);
    await new Promise((r) => setTimeout(r, 100));
  }

  const bad = await api.PATCH('/v1/subaccounts/{id}', {
    params: { path: { id: sub.id! } },
    body: { identity_verification_risk_threshold: 150 },
  });
  const violations = (bad.error?.details ?? []).flatMap((d) => ((d as { field_violations?: { field: string; description: string }[] }).field_violations ?? []));
  if (bad.response.status !== 400 || violations.length !== 1 || violations[0].field !== 'identity_verification_risk_threshold') {
    throw new Error(`threshold 150: HTTP ${bad.response.status} ${JSON.stringify(bad.error)}`);
  }
  log(`refused: ${violations[0].field}: ${violations[0].description}`);
}
