import { describe, expect, it } from 'vitest';
import { actionInWords, actorLabel, ago, addressLine, changeLines, filtersSearch, listQuery, noFilters, parseFilters } from './customers';

describe('customer filters in the URL', () => {
  it('round-trip, leaving defaults out', () => {
    const f = { ...noFilters, required: 'yes' as const, stuck: '3', sort: 'flagged_oldest' as const, q: 'rider 1' };
    const s = filtersSearch(f);
    expect(s).toBe('?required=yes&stuck=3&q=rider+1&sort=flagged_oldest');
    expect(parseFilters(s)).toEqual(f);
    expect(filtersSearch(noFilters)).toBe('');
  });

  it('drop values the list does not know', () => {
    expect(parseFilters('?required=maybe&status=lost&sort=random&stuck=-2&size=ten')).toEqual(noFilters);
    expect(parseFilters('?status=none').status).toBe('none');
  });
});

describe('listQuery', () => {
  const now = Date.parse('2026-12-02T12:00:00Z');

  it('sends the stuck view as flagged_before N days ago', () => {
    const q = listQuery({ ...parseFilters('?required=yes&stuck=3') }, now);
    expect(q.identity_verification_required).toBe(true);
    expect(q.flagged_before).toBe('2026-11-29T12:00:00.000Z');
  });

  it('maps each filter to its request field and leaves unset ones out', () => {
    const q = listQuery(parseFilters('?required=no&status=none&subaccount=sub_1&q=cust_9&sort=flagged_newest&size=25'), now, 'tok');
    expect(q).toEqual({
      identity_verification_required: false,
      identity_status: 'none',
      subaccount_id: 'sub_1',
      flagged_before: undefined,
      query: 'cust_9',
      order_by: 'identity_verification_required_at desc',
      page_size: 25,
      page_token: 'tok',
    });
    expect(Object.values(listQuery(noFilters, now)).every((v) => v === undefined)).toBe(true);
    expect(listQuery(parseFilters('?sort=oldest'), now).order_by).toBe('created_at');
  });
});

describe('changeLines', () => {
  it('shows before and after, and only "changed" for personal fields', () => {
    const changes = {
      identity_verification_required: { before: true, after: false },
      identity_verification_required_reason: { before: 'risk_threshold_exceeded:75>=50', after: '' },
      identity_dob: { changed: true },
      fraud_warning_id: { before: null, after: '' },
      identity_attempt_count: { before: 0, after: 0 },
    };
    expect(changeLines(changes)).toEqual([
      'identity_verification_required: true → false',
      'identity_verification_required_reason: risk_threshold_exceeded:75>=50 → —',
      'identity_dob: changed',
    ]);
  });

  it('shortens long values and survives odd input', () => {
    const [line] = changeLines({ notes: { before: null, after: 'x'.repeat(100) } });
    expect(line).toBe(`notes: — → ${'x'.repeat(57)}…`);
    expect(changeLines({ odd: 'not an object' })).toEqual(['odd: changed']);
    expect(changeLines({})).toEqual([]);
    expect(changeLines(undefined)).toEqual([]);
  });
});

describe('addressLine and actorLabel', () => {
  it('joins what is present', () => {
    expect(addressLine({ line1: '1 Main St', line2: '', city: 'Springfield', state: 'IL', postal_code: '62701', country: 'US' }))
      .toBe('1 Main St, Springfield, IL 62701, US');
    expect(addressLine(undefined)).toBe('');
  });

  it('names the person when the server knows them', () => {
    expect(actorLabel({ actor_name: 'Jane Ops', actor_id: 'key_1', actor_type: 'api_key' })).toBe('Jane Ops');
    expect(actorLabel({ actor_name: '', actor_id: 'key_1', actor_type: 'api_key' })).toBe('key_1');
    expect(actorLabel({ actor_name: '', actor_id: 'evt_1', actor_type: 'stripe_event' })).toBe('Stripe event evt_1');
    expect(actorLabel({ actor_name: '', actor_id: '', actor_type: 'system' })).toBe('idgate');
  });
});

describe('ago', () => {
  it('reads as a phrase', () => {
    const now = Date.parse('2026-12-02T12:00:00Z');
    expect(ago('2026-11-28T12:00:00Z', now)).toBe('4 days ago');
    expect(ago('2026-12-02T12:00:00Z', now)).toBe('just now');
    expect(ago(undefined, now)).toBe('');
  });
});

describe('actionInWords', () => {
  it('names methods and events as an operator reads them', () => {
    expect(actionInWords('/idgate.v1.RiskService/RecordPaymentRisk')).toBe('Record payment risk');
    expect(actionInWords('/idgate.v1.IdentityService/ClearRequirement')).toBe('Clear requirement');
    expect(actionInWords('customer.identity_revealed')).toBe('Customer identity revealed');
  });
});
