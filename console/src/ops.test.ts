import { describe, expect, it } from 'vitest';
import type { WebhookEvent } from './api';
import { costRows, failedFirst, percent, periodStart, pollUntil, tierName, withUpdates } from './ops';

const ev = (id: string, state: string): WebhookEvent => ({
  id, type: 'charge.succeeded', account: '', livemode: false, api_version: '', state, attempts: 1,
  last_error: '', outcome: '',
});

describe('failedFirst', () => {
  it('puts failed events on top and shows each once', () => {
    const failed = [ev('evt_3', 'failed'), ev('evt_1', 'failed')];
    const page = [ev('evt_4', 'processed'), ev('evt_3', 'failed'), ev('evt_2', 'pending'), ev('evt_1', 'failed')];
    expect(failedFirst(failed, page).map((e) => e.id)).toEqual(['evt_3', 'evt_1', 'evt_4', 'evt_2']);
  });
  it('replaces a retried event in place', () => {
    const rows = [ev('evt_1', 'failed'), ev('evt_2', 'processed')];
    expect(withUpdates(rows, { evt_1: ev('evt_1', 'processed') }).map((e) => e.state)).toEqual(['processed', 'processed']);
  });
});

describe('pollUntil', () => {
  const noWait = async () => {};
  it('stops as soon as the value is done', async () => {
    const states = ['pending', 'pending', 'processed', 'never asked'];
    let asked = 0;
    const v = await pollUntil(async () => states[asked++], (s) => s !== 'pending', noWait, 10);
    expect(v).toBe('processed');
    expect(asked).toBe(3);
  });
  it('gives up after tries, answering the last value', async () => {
    const waits: number[] = [];
    const v = await pollUntil(async () => 'pending', (s) => s !== 'pending', async (n) => { waits.push(n); }, 3);
    expect(v).toBe('pending');
    expect(waits).toEqual([1, 2, 3]);
  });
  it('stops when the value can no longer be found', async () => {
    let asked = 0;
    const v = await pollUntil(async () => (asked++ === 0 ? 'pending' : undefined), () => false, noWait, 5);
    expect(v).toBe('pending');
    expect(asked).toBe(2);
  });
});

describe('costRows', () => {
  it('is seed 003’s table: unit cost per check, bars relative to the largest tier', () => {
    const rows = costRows({
      tiers: [
        { tier: 1, checks: 850, successes: 722, success_rate: 722 / 850, cost_cents: '127500' },
        { tier: 3, checks: 50, successes: 40, success_rate: 0.8, cost_cents: '12500' },
        { tier: 4, checks: 0, successes: 0, success_rate: 0, cost_cents: '0' },
      ],
      merchants: 1000, total_cents: '140000', cents_per_merchant: 140, cents_per_1000_merchants: 140000,
    });
    expect(rows.map((r) => [r.name, r.unitCents, r.totalCents, r.share])).toEqual([
      ['Tier 1 · Database KYC (Trulioo)', 150, 127500, 1],
      ['Tier 3 · Stripe Identity document + liveness', 250, 12500, 0.09803921568627451],
      ['Manual review', 0, 0, 0],
    ]);
  });
  it('draws no bars for an empty period', () => {
    expect(costRows({ tiers: [{ tier: 2, checks: 3, successes: 1, success_rate: 1 / 3, cost_cents: '0' }], merchants: 3, total_cents: '0', cents_per_merchant: 0, cents_per_1000_merchants: 0 })[0].share).toBe(0);
  });
});

describe('words and periods', () => {
  it('formats', () => {
    expect(tierName(2)).toBe('Tier 2 · Database KYC with full SSN');
    expect(tierName(7)).toBe('Tier 7');
    expect(percent(722 / 850)).toBe('84.9%');
    expect(percent(1)).toBe('100%');
    expect(periodStart(30, Date.parse('2026-12-02T00:00:00Z'))).toBe('2026-11-02T00:00:00.000Z');
  });
});
