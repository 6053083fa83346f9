// The Operations page's logic: webhook events failed first, waiting for a retried event to
// settle, seed 003's cost table, API key input. Pure: tested in ops.test.ts.
import type { WebhookEvent } from './api';
import type { VerificationCostReport } from './gen/idgate/v1/onboarding';

/** Failed events first, then the page, each event once, in the order the server gave. */
export function failedFirst(failed: WebhookEvent[], page: WebhookEvent[]): WebhookEvent[] {
  const seen = new Set(failed.map((e) => e.id));
  return [...failed, ...page.filter((e) => !seen.has(e.id))];
}

/** The rows with any newer copy of an event (after a retry) in place of the listed one. */
export function withUpdates(rows: WebhookEvent[], updates: Record<string, WebhookEvent>): WebhookEvent[] {
  return rows.map((e) => updates[e.id] ?? e);
}

/**
 * Asks get() until done(value), at most tries times, waiting wait(n) before the n-th ask
 * (n from 1). Answers the last value it got (undefined when none was found).
 */
export async function pollUntil<T>(
  get: () => Promise<T | undefined>,
  done: (v: T) => boolean,
  wait: (n: number) => Promise<void>,
  tries: number,
): Promise<T | undefined> {
  let last: T | undefined;
  for (let n = 1; n <= tries; n++) {
    await wait(n);
    const v = await get();
    if (v === undefined) return last;
    last = v;
    if (done(v)) break;
  }
  return last;
}

/** Seed 003's tiers in words. */
export function tierName(tier: number): string {
  switch (tier) {
    case 1: return 'Tier 1 · Database KYC (Trulioo)';
    case 2: return 'Tier 2 · Database KYC with full SSN';
    case 3: return 'Tier 3 · Stripe Identity document + liveness';
    case 4: return 'Manual review';
    default: return `Tier ${tier}`;
  }
}

export interface CostRow {
  tier: number;
  name: string;
  checks: number;
  successes: number;
  successRate: number; // 0–1
  unitCents: number; // per check
  totalCents: number;
  share: number; // of the largest tier's total, 0–1, for the bars
}

/** Seed 003's cost table from the report: one line per tier with its unit cost. */
export function costRows(r: VerificationCostReport): CostRow[] {
  const rows = r.tiers.map((t) => {
    const total = Number(t.cost_cents);
    return {
      tier: t.tier, name: tierName(t.tier), checks: t.checks, successes: t.successes,
      successRate: t.success_rate, unitCents: t.checks > 0 ? total / t.checks : 0, totalCents: total, share: 0,
    };
  });
  const max = Math.max(0, ...rows.map((x) => x.totalCents));
  for (const x of rows) x.share = max > 0 ? x.totalCents / max : 0;
  return rows;
}

/** A share as a percentage: 0.855 → "85.5%". */
export function percent(x: number): string {
  return `${(Math.round(x * 1000) / 10).toString()}%`;
}

/** The start of a report period of days days ending at now, as RFC 3339. */
export function periodStart(days: number, now: number): string {
  return new Date(now - days * 86400_000).toISOString();
}
