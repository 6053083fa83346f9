import { describe, expect, it } from 'vitest';
import { checksTotal, kycBadge, merchantQuery, NO_FILTERS, nextActionExplained, nextActionLabel, pipeline, requirementInWords, tierName } from './merchant';

describe('pipeline', () => {
  it('counts merchants by next action in pipeline order, unknown actions last', () => {
    const ms = ['manual_review', 'start_database_kyc', 'brand_new', 'start_database_kyc', 'none'].map((next_action) => ({ next_action }));
    expect(pipeline(ms)).toEqual([
      { code: 'start_database_kyc', label: 'Start database KYC', count: 2 },
      { code: 'manual_review', label: 'Manual review', count: 1 },
      { code: 'none', label: 'Nothing due', count: 1 },
      { code: 'brand_new', label: 'Brand new', count: 1 },
    ]);
    expect(pipeline([])).toEqual([]);
  });
});

describe('merchantQuery', () => {
  it('sends only the filters that filter, with the page', () => {
    expect(merchantQuery(NO_FILTERS)).toEqual({});
    expect(merchantQuery({ ...NO_FILTERS, charges_enabled: 'false', tier: '3' }, { page_size: 50 }))
      .toEqual({ charges_enabled: 'false', tier: '3', page_size: 50 });
  });
});

describe('next action words', () => {
  it('names and explains each action, and falls back to words', () => {
    expect(nextActionLabel('collect_full_ssn')).toBe('Collect full SSN');
    expect(nextActionExplained('start_document_verification')).toMatch(/^Tier 3/);
    expect(nextActionLabel('something_else')).toBe('Something else');
  });
});

describe('merchant formatting', () => {
  it('words requirements, tiers, KYC status and cost', () => {
    expect(requirementInWords('individual.verification.document')).toBe('Individual › Verification › Document');
    expect(requirementInWords('individual.id_number')).toBe('Individual › ID number');
    expect(tierName(2)).toBe('Tier 2 · full SSN');
    expect(tierName(4)).toBe('Manual review');
    expect(kycBadge('')).toEqual({ label: 'No decision', tone: 'grey' });
    expect(kycBadge('verified').tone).toBe('green');
    expect(checksTotal([{ cost_cents: '150' }, { cost_cents: 50 }])).toBe('$2.00');
    expect(checksTotal([])).toBe('$0.00');
  });
});
