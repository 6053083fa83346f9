import { describe, expect, it } from 'vitest';
import type { Subaccount } from './api';
import { diff, draftOf, fromMinor, problems, simulation, toMinor } from './policy';

const saved: Subaccount = {
  id: 'sub_1',
  name: 'Rides EU',
  identity_verification_mode: 'risk_based',
  identity_verification_risk_threshold: 50,
  max_verification_attempts: 3,
  require_matching_selfie: true,
  require_live_capture: true,
  require_id_number: false,
  allowed_document_types: ['passport', 'driving_license', 'id_card'],
  stepup_policy: {
    amount_thresholds: { usd: '50000', jpy: '10000' },
    risk_threshold: 0,
    on_fraud_warning: true,
    fallback: 'identity',
    cancel_on_failure: false,
    challenge_ttl_seconds: 300,
    enrollment_requires_verification: false,
  },
  non_biometric_alternative: 'manual_review',
  verification_flow: '',
  review_provided_details_mismatch: true,
};

describe('diff', () => {
  it('sends nothing when nothing changed', () => {
    expect(diff(saved, draftOf(saved))).toEqual({});
  });

  it('sends only the changed fields, as numbers where the API takes numbers', () => {
    const d = { ...draftOf(saved), threshold: '70', selfie: false, name: '  Rides EU ' };
    expect(diff(saved, d)).toEqual({ identity_verification_risk_threshold: 70, require_matching_selfie: false });
  });

  it('sends the non-biometric alternative, a trimmed verification flow and the details check when changed', () => {
    const d = draftOf(saved);
    expect(diff(saved, { ...d, alternative: 'document_only', verificationFlow: ' vf_123 ', reviewMismatch: false })).toEqual({
      non_biometric_alternative: 'document_only', verification_flow: 'vf_123', review_provided_details_mismatch: false,
    });
    const flowed = { ...saved, verification_flow: 'vf_123' };
    expect(diff(flowed, { ...draftOf(flowed), verificationFlow: '' })).toEqual({ verification_flow: '' });
  });

  it('sends an out-of-range threshold as typed, for the server to refuse by name', () => {
    expect(diff(saved, { ...draftOf(saved), threshold: '150' })).toEqual({ identity_verification_risk_threshold: 150 });
  });

  it('compares document types as a set', () => {
    const d = draftOf(saved);
    expect(diff(saved, { ...d, documentTypes: ['id_card', 'passport', 'driving_license'] })).toEqual({});
    expect(diff(saved, { ...d, documentTypes: ['passport'] })).toEqual({ allowed_document_types: ['passport'] });
  });

  it('sends the whole step-up policy when any part of it changed, amounts in minor units', () => {
    const d = draftOf(saved);
    const p = diff(saved, { ...d, amounts: [...d.amounts, { currency: 'EUR', amount: '250.5' }], cancelOnFailure: true });
    expect(p).toEqual({
      stepup_policy: {
        amount_thresholds: { usd: '50000', jpy: '10000', eur: '25050' },
        risk_threshold: 0, on_fraud_warning: true, fallback: 'identity', cancel_on_failure: true,
        challenge_ttl_seconds: 300, enrollment_requires_verification: false,
      },
    });
  });

  it('treats a reordered amount list as unchanged, a removed currency as a change', () => {
    const d = draftOf(saved);
    expect(diff(saved, { ...d, amounts: [...d.amounts].reverse() })).toEqual({});
    expect(diff(saved, { ...d, amounts: d.amounts.filter((r) => r.currency !== 'jpy') }).stepup_policy?.amount_thresholds).toEqual({ usd: '50000' });
  });

  it('reads a policy without step-up rules with the API defaults', () => {
    const bare = { ...saved, stepup_policy: undefined };
    const d = draftOf(bare);
    expect(d).toMatchObject({ onFraudWarning: true, fallback: 'identity', ttl: '300', amounts: [] });
    expect(diff(bare, d)).toEqual({});
  });
});

describe('amounts', () => {
  it('converts by the currency’s minor digits', () => {
    expect(toMinor('500', 'usd')).toBe('50000');
    expect(toMinor('500.5', 'usd')).toBe('50050');
    expect(toMinor('10000', 'jpy')).toBe('10000');
    expect(toMinor('1.5', 'jpy')).toBeNull();
    expect(toMinor('1.234', 'usd')).toBeNull();
    expect(toMinor('-3', 'usd')).toBeNull();
    expect(toMinor('abc', 'usd')).toBeNull();
    expect(fromMinor('50050', 'usd')).toBe('500.50');
    expect(fromMinor('5', 'usd')).toBe('0.05');
    expect(fromMinor('10000', 'jpy')).toBe('10000');
  });
});

describe('problems', () => {
  it('names the request field of what cannot be sent as meant', () => {
    const d = draftOf(saved);
    expect(problems(d)).toEqual({});
    expect(problems({ ...d, threshold: 'fifty', documentTypes: [] })).toEqual({
      identity_verification_risk_threshold: 'must be a whole number',
      allowed_document_types: 'choose at least one document type',
    });
    expect(problems({ ...d, amounts: [{ currency: 'usd', amount: '1' }, { currency: 'USD', amount: '2' }] })['stepup_policy.amount_thresholds']).toBe('usd appears twice');
    expect(problems({ ...d, amounts: [{ currency: 'dollars', amount: '1' }] })['stepup_policy.amount_thresholds']).toMatch(/three-letter/);
    expect(problems({ ...d, amounts: [{ currency: 'usd', amount: '' }] })['stepup_policy.amount_thresholds']).toMatch(/not an amount in usd/);
  });
});

describe('simulation', () => {
  it('asks about the draft’s mode and threshold', () => {
    expect(simulation({ ...draftOf(saved), threshold: '40' })).toEqual({ mode: 'risk_based', threshold: 40 });
    expect(simulation({ ...draftOf(saved), threshold: '' })).toBeNull();
  });
});
