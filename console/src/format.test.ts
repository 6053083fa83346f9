import { describe, expect, it } from 'vitest';
import { age, customerBadge, money, reasonInWords, shown, words } from './format';

describe('reasonInWords', () => {
  it('says why a customer must verify as seed 004 words it', () => {
    expect(reasonInWords('subaccount_policy')).toBe('Subaccount requires verification for all users');
    expect(reasonInWords('risk_threshold_exceeded:75>=50')).toBe('Risk score 75 >= threshold 50');
    expect(reasonInWords('operator:chargeback on ride 7')).toBe('Required by an operator: chargeback on ride 7');
    expect(reasonInWords('early_fraud_warning:issfr_1')).toBe('Radar early fraud warning issfr_1');
    expect(reasonInWords('something_new')).toBe('something new');
    expect(reasonInWords('')).toBe('');
  });
});

describe('customerBadge', () => {
  it('gives seed 004 badges', () => {
    expect(customerBadge({ identity_verification_required: true, identity_status: undefined })).toEqual({ label: 'Identity Required', tone: 'amber' });
    expect(customerBadge({ identity_verification_required: false, identity_status: 'verified' })).toEqual({ label: 'Verified', tone: 'green' });
    expect(customerBadge({ identity_verification_required: true, identity_status: 'requires_input' })).toEqual({ label: 'Verification Failed', tone: 'red' });
    expect(customerBadge({ identity_verification_required: true, identity_status: 'failed' }).tone).toBe('red');
    expect(customerBadge({ identity_verification_required: true, identity_status: 'pending' }).label).toBe('Verification Pending');
    expect(customerBadge({ identity_verification_required: false, identity_status: undefined }).label).toBe('Not Required');
  });
});

describe('age', () => {
  const now = Date.parse('2026-12-02T12:00:00Z');
  it('uses the largest whole unit', () => {
    expect(age('2026-11-29T11:00:00Z', now)).toBe('3 days');
    expect(age('2026-12-02T11:00:00Z', now)).toBe('1 hour');
    expect(age('2026-12-02T11:58:30Z', now)).toBe('1 minute');
    expect(age('2026-12-02T11:59:50Z', now)).toBe('just now');
    expect(age(undefined, now)).toBe('');
  });
});

describe('shown and money and words', () => {
  it('masks withheld data and dashes missing data', () => {
    expect(shown('Jenny', true)).toBe('••••••');
    expect(shown('Jenny', false)).toBe('Jenny');
    expect(shown('', false)).toBe('—');
  });
  it('formats cents and codes', () => {
    expect(money(150)).toBe('$1.50');
    expect(money('7500')).toBe('$75.00');
    expect(words('start_database_kyc')).toBe('Start database KYC');
  });
});
