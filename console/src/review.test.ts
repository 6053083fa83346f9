import { describe, expect, it } from 'vitest';
import { actionable, decisionBadge, holder, priorityBadge, reviewReason, subjectHref } from './review';

describe('priorityBadge', () => {
  it('makes urgent red and high amber', () => {
    expect(priorityBadge('urgent')).toEqual({ label: 'Urgent', tone: 'red' });
    expect(priorityBadge('high')).toEqual({ label: 'High', tone: 'amber' });
    expect(priorityBadge('normal')).toEqual({ label: 'Normal', tone: 'grey' });
  });
});

describe('reviewReason', () => {
  it('says why the task was opened', () => {
    expect(reviewReason('max_attempts_exceeded')).toBe('Verification attempts used up');
    expect(reviewReason('consent_declined')).toBe('Biometric consent declined or withdrawn');
    expect(reviewReason('verification_canceled')).toBe('Verification session canceled');
    expect(reviewReason('something_new')).toBe('something new');
  });
});

describe('subjectHref', () => {
  it('links customers and merchants to their pages', () => {
    expect(subjectHref({ subject_type: 'customer', subject_id: 'cust_1' })).toBe('/customers/cust_1');
    expect(subjectHref({ subject_type: 'merchant', subject_id: 'mer_1' })).toBe('/merchants/mer_1');
  });
});

describe('holder', () => {
  const claimedAt = '2026-12-01T09:30:00Z';
  it('names who holds an open task, or nobody', () => {
    expect(holder({ status: 'open', claimed_by: '', resolved_by: '' })).toBe('unclaimed');
    const h = holder({ status: 'open', claimed_by: 'Jane Ops', claimed_at: claimedAt, resolved_by: '' });
    expect(h.startsWith('held by Jane Ops since ')).toBe(true);
    expect(h).toContain('2026');
  });
  it('names who resolved a task', () => {
    expect(holder({ status: 'resolved', claimed_by: 'Jane Ops', claimed_at: claimedAt, resolved_by: 'Max Admin', resolved_at: claimedAt }))
      .toMatch(/^resolved by Max Admin on /);
  });
});

describe('decisionBadge and actionable', () => {
  it('shows the decision and allows actions only on open tasks', () => {
    expect(decisionBadge('approve')).toEqual({ label: 'Approved', tone: 'green' });
    expect(decisionBadge('reject')).toEqual({ label: 'Rejected', tone: 'red' });
    expect(decisionBadge('')).toBeNull();
    expect(actionable({ status: 'open' })).toBe(true);
    expect(actionable({ status: 'resolving' })).toBe(false);
    expect(actionable({ status: 'resolved' })).toBe(false);
  });
});
