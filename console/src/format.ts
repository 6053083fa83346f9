// Words and numbers as operators read them. Pure functions: unit-tested in format.test.ts.
import type { Customer } from './api';

export type Tone = 'amber' | 'green' | 'red' | 'grey' | 'blue';

/** Seed 004's badge for a customer: Identity Required (amber), Verified (green), Verification Failed (red). */
export function customerBadge(c: Pick<Customer, 'identity_verification_required' | 'identity_status'>): { label: string; tone: Tone } {
  switch (c.identity_status) {
    case 'verified':
      return { label: 'Verified', tone: 'green' };
    case 'failed':
    case 'canceled':
      return { label: 'Verification Failed', tone: 'red' };
    case 'requires_input':
      if (c.identity_verification_required) return { label: 'Verification Failed', tone: 'red' };
      break;
    case 'pending':
      if (c.identity_verification_required) return { label: 'Verification Pending', tone: 'blue' };
      break;
  }
  if (c.identity_verification_required) return { label: 'Identity Required', tone: 'amber' };
  return { label: 'Not Required', tone: 'grey' };
}

/** The requirement's reason in words: "subaccount_policy" → "Subaccount requires verification for all users". */
export function reasonInWords(reason: string | undefined): string {
  if (!reason) return '';
  if (reason === 'subaccount_policy') return 'Subaccount requires verification for all users';
  let m = /^risk_threshold_exceeded:(\d+)>=(\d+)$/.exec(reason);
  if (m) return `Risk score ${m[1]} >= threshold ${m[2]}`;
  m = /^operator:(.*)$/s.exec(reason);
  if (m) return `Required by an operator: ${m[1]}`;
  m = /^early_fraud_warning:(.+)$/.exec(reason);
  if (m) return `Radar early fraud warning ${m[1]}`;
  return reason.replace(/_/g, ' ');
}

/** An RFC 3339 time as a short local date and time; '' for none. */
export function formatTime(t: string | undefined | null): string {
  if (!t) return '';
  const d = new Date(t);
  if (Number.isNaN(d.getTime()) || d.getTime() <= 0) return '';
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** How long ago t was, in the largest whole unit: "3 days", "5 hours", "just now". */
export function age(t: string | undefined | null, now: number = Date.now()): string {
  if (!t) return '';
  const s = Math.max(0, Math.floor((now - Date.parse(t)) / 1000));
  const units: [number, string][] = [[86400, 'day'], [3600, 'hour'], [60, 'minute']];
  for (const [n, name] of units) {
    if (s >= n) {
      const k = Math.floor(s / n);
      return `${k} ${name}${k === 1 ? '' : 's'}`;
    }
  }
  return 'just now';
}

/** Cents as money: 150 → "$1.50". */
export function money(cents: number | string | undefined, currency = 'USD'): string {
  const n = Number(cents ?? 0);
  return new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(n / 100);
}

/** A value withheld by the server shows as a mask; a shown-but-empty one as a dash. */
export function shown(value: string | undefined, masked: boolean): string {
  if (masked) return '••••••';
  return value && value.length > 0 ? value : '—';
}

/** Snake-case codes in words: "start_database_kyc" → "Start database KYC". */
export function words(code: string | undefined): string {
  if (!code) return '';
  const s = code.replace(/_/g, ' ').replace(/\bkyc\b/gi, 'KYC').replace(/\bssn\b/gi, 'SSN').replace(/\bid\b/g, 'ID');
  return s.charAt(0).toUpperCase() + s.slice(1);
}
