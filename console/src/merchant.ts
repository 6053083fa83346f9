// The merchants pipeline's words and grouping. Pure functions, unit-tested in merchant.test.ts.
import type { Merchant } from './api';
import type { Tone } from './format';
import { money, words } from './format';

/** Every next_action the server derives, in pipeline order, with what idgate does next. */
export const NEXT_ACTIONS: { code: string; label: string; explain: string }[] = [
  { code: 'retry_account_creation', label: 'Retry account creation', explain: 'The Stripe connected account was not created yet: idgate creates it when the merchant is created again.' },
  { code: 'start_database_kyc', label: 'Start database KYC', explain: 'Tier 1: the merchant submits name, date of birth, address and the SSN’s last four for a database check.' },
  { code: 'wait_for_database_kyc', label: 'Wait for database KYC', explain: 'Stripe Connect is checking tier 1 or 2; its webhook completes the check.' },
  { code: 'collect_full_ssn', label: 'Collect full SSN', explain: 'Tier 1 found no match: tier 2 checks again with the full SSN.' },
  { code: 'record_biometric_consent', label: 'Record biometric consent', explain: 'Before the document and liveness check, the merchant must grant or decline biometric processing.' },
  { code: 'start_document_verification', label: 'Start document verification', explain: 'Tier 3: a Stripe Identity session with an ID document, a matching selfie and live capture.' },
  { code: 'provide_requirements', label: 'Provide requirements', explain: 'Stripe asks for information no identity check supplies: the merchant must provide it.' },
  { code: 'wait_for_stripe_verification', label: 'Wait for Stripe verification', explain: 'idgate’s checks are done; Stripe is verifying what was sent to the account.' },
  { code: 'manual_review', label: 'Manual review', explain: 'An operator decides in the review queue (biometrics declined, or attempts used up).' },
  { code: 'rejected', label: 'Rejected', explain: 'The merchant was rejected; nothing more happens.' },
  { code: 'none', label: 'Nothing due', explain: 'Charges are enabled and Stripe asks for nothing.' },
];

/** A next_action in words, e.g. "collect_full_ssn" → "Collect full SSN". */
export function nextActionLabel(code: string): string {
  return NEXT_ACTIONS.find((a) => a.code === code)?.label ?? words(code);
}

/** What idgate will do next for a merchant, as a sentence. */
export function nextActionExplained(code: string): string {
  return NEXT_ACTIONS.find((a) => a.code === code)?.explain ?? words(code);
}

/** Counts of merchants by next_action, in pipeline order, leaving out empty stages. */
export function pipeline(merchants: Pick<Merchant, 'next_action'>[]): { code: string; label: string; count: number }[] {
  const n = new Map<string, number>();
  for (const m of merchants) n.set(m.next_action, (n.get(m.next_action) ?? 0) + 1);
  const known = NEXT_ACTIONS.filter((a) => n.has(a.code)).map((a) => ({ code: a.code, label: a.label, count: n.get(a.code)! }));
  const other = [...n.keys()].filter((c) => !NEXT_ACTIONS.some((a) => a.code === c)).sort()
    .map((c) => ({ code: c, label: words(c), count: n.get(c)! }));
  return [...known, ...other];
}

/** The list filters as the page keeps them (form values: strings). */
export interface MerchantFilters {
  next_action: string;
  kyc_status: string; // '', verified, review, rejected, none
  tier: string; // '', '1', '3'
  charges_enabled: string; // '', 'true', 'false'
  subaccount_id: string;
}

export const NO_FILTERS: MerchantFilters = { next_action: '', kyc_status: '', tier: '', charges_enabled: '', subaccount_id: '' };

/** The ListMerchants query of the filters, leaving out what does not filter. */
export function merchantQuery(f: MerchantFilters, extra: Record<string, string | number> = {}): Record<string, string | number> {
  const q: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(f)) if (v !== '') q[k] = v;
  return { ...q, ...extra };
}

/** A merchant's KYC status as a badge. */
export function kycBadge(status: string): { label: string; tone: Tone } {
  switch (status) {
    case 'verified':
      return { label: 'KYC verified', tone: 'green' };
    case 'review':
      return { label: 'In review', tone: 'amber' };
    case 'rejected':
      return { label: 'Rejected', tone: 'red' };
  }
  return { label: 'No decision', tone: 'grey' };
}

/** A Stripe requirement in words: "individual.verification.document" → "Individual › verification › document". */
export function requirementInWords(field: string): string {
  return field.split('.').map((p) => words(p)).join(' › ');
}

/** The tier of a check in words. */
export function tierName(tier: number): string {
  switch (tier) {
    case 1:
      return 'Tier 1 · database KYC';
    case 2:
      return 'Tier 2 · full SSN';
    case 3:
      return 'Tier 3 · document + liveness';
    case 4:
      return 'Manual review';
  }
  return `Tier ${tier}`;
}

/** The total cost of a merchant's checks. */
export function checksTotal(checks: { cost_cents: string | number }[]): string {
  return money(checks.reduce((s, c) => s + Number(c.cost_cents || 0), 0));
}
