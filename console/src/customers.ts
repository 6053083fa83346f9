// The customer pages' logic: the list's filters as a URL query string and as a ListCustomers
// request, and the audit timeline's change summaries. Pure functions: customers.test.ts.
import { age } from './format';
import type { Address } from './gen/idgate/v1/identity';

/** The list's filters, as they appear in the console's URL. '' means "any" / the default. */
export interface CustomerFilters {
  required: '' | 'yes' | 'no';
  status: string; // '' any, 'none' never attempted, or an identity_status
  subaccount: string;
  stuck: string; // flagged more than this many days ago
  q: string; // an exact customer id or external id
  sort: '' | 'oldest' | 'flagged_oldest' | 'flagged_newest';
  size: string;
}

export const noFilters: CustomerFilters = { required: '', status: '', subaccount: '', stuck: '', q: '', sort: '', size: '' };

export const statuses = ['none', 'pending', 'verified', 'requires_input', 'failed', 'canceled'];

/** Sort choices: the URL's word, ListCustomers' order_by, and what an operator reads. */
export const sorts: { value: CustomerFilters['sort']; orderBy: string; label: string }[] = [
  { value: '', orderBy: '', label: 'Newest first' },
  { value: 'oldest', orderBy: 'created_at', label: 'Oldest first' },
  { value: 'flagged_oldest', orderBy: 'identity_verification_required_at', label: 'Flagged oldest first' },
  { value: 'flagged_newest', orderBy: 'identity_verification_required_at desc', label: 'Flagged newest first' },
];

const keys = Object.keys(noFilters) as (keyof CustomerFilters)[];

/** Reads filters from a query string ("?required=yes&stuck=3"); unknown values count as unset. */
export function parseFilters(search: string): CustomerFilters {
  const p = new URLSearchParams(search);
  const f = { ...noFilters };
  for (const k of keys) (f as Record<string, string>)[k] = (p.get(k) ?? '').trim();
  if (!['yes', 'no'].includes(f.required)) f.required = '';
  if (!statuses.includes(f.status)) f.status = '';
  if (!sorts.some((s) => s.value === f.sort)) f.sort = '';
  if (!/^\d+$/.test(f.stuck)) f.stuck = '';
  if (!/^\d+$/.test(f.size)) f.size = '';
  return f;
}

/** The query string for filters, leaving out what is unset, so a view's URL is short. */
export function filtersSearch(f: CustomerFilters): string {
  const p = new URLSearchParams();
  for (const k of keys) if (f[k]) p.set(k, f[k]);
  const s = p.toString();
  return s ? `?${s}` : '';
}

const day = 86_400_000;

/** The ListCustomers request for filters at time now, on the page of pageToken. */
export function listQuery(f: CustomerFilters, now: number, pageToken = ''): Record<string, string | number | boolean | undefined> {
  return {
    identity_verification_required: f.required === 'yes' ? true : f.required === 'no' ? false : undefined,
    identity_status: f.status || undefined,
    subaccount_id: f.subaccount || undefined,
    flagged_before: f.stuck ? new Date(now - Number(f.stuck) * day).toISOString() : undefined,
    query: f.q || undefined,
    order_by: sorts.find((s) => s.value === f.sort)?.orderBy || undefined,
    page_size: f.size ? Number(f.size) : undefined,
    page_token: pageToken || undefined,
  };
}

/**
 * An audit event's changes ({"field": {"before", "after"}} or {"field": {"changed": true}}
 * for personal data) as lines an operator reads; personal values never appear because the
 * server does not send them, and anything not shaped like a before/after says "changed".
 */
export function changeLines(changes: { [key: string]: unknown } | undefined): string[] {
  if (!changes) return [];
  const lines: string[] = [];
  for (const [field, v] of Object.entries(changes)) {
    const c = (v && typeof v === 'object' ? v : {}) as Record<string, unknown>;
    if (!('before' in c) && !('after' in c)) lines.push(`${field}: changed`);
    else if (value(c.before) !== value(c.after)) lines.push(`${field}: ${value(c.before)} → ${value(c.after)}`);
  }
  return lines;
}

/**
 * An audit action in words: a method ("/idgate.v1.RiskService/RecordPaymentRisk") by its
 * name, "Record payment risk"; a named event ("customer.identity_revealed") as
 * "Customer identity revealed".
 */
export function actionInWords(action: string): string {
  const m = /\/([A-Za-z]+)$/.exec(action);
  const s = m ? m[1].replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase() : action.replace(/[._]/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function value(v: unknown): string {
  if (v === undefined || v === null || v === '') return '—';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

/** An address on one line; '' for none. */
export function addressLine(a: Address | undefined): string {
  if (!a) return '';
  return [a.line1, a.line2, a.city, [a.state, a.postal_code].filter(Boolean).join(' '), a.country].filter(Boolean).join(', ');
}

/** Who did something in the audit log: the person's name when known, else what acted. */
export function actorLabel(e: { actor_name?: string; actor_id: string; actor_type: string }): string {
  if (e.actor_name) return e.actor_name;
  if (e.actor_type === 'stripe_event') return `Stripe event ${e.actor_id}`;
  if (e.actor_type === 'system') return 'idgate';
  return e.actor_id || e.actor_type;
}

/** How long ago t was, as a phrase: "3 days ago", "just now"; '' for none. */
export function ago(t: string | undefined | null, now: number = Date.now()): string {
  const a = age(t, now);
  return a && a !== 'just now' ? `${a} ago` : a;
}
