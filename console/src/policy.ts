// The policy editor's logic: a subaccount as an editable draft, the PATCH that saves only
// what changed, and the SimulatePolicy request of the draft. Pure: tested in policy.test.ts.
import type { Subaccount } from './api';
import type { StepUpPolicy } from './gen/idgate/v1/risk';

export const MODES = [
  ['disabled', 'Disabled'],
  ['all_users', 'All users'],
  ['risk_based', 'Risk based'],
] as const;

/** What a customer who declines the biometric check gets (non_biometric_alternative). */
export const ALTERNATIVES = [
  ['manual_review', 'A manual review by an operator'],
  ['document_only', 'A document without a selfie'],
  ['id_number', 'An ID number check'],
] as const;

export const DOCUMENT_TYPES = [
  ['driving_license', 'Driving licence'],
  ['id_card', 'ID card'],
  ['passport', 'Passport'],
] as const;

/** One amount threshold as typed: a currency code and an amount in major units ("500.00"). */
export interface AmountRow {
  currency: string;
  amount: string;
}

/** What the form edits. Numbers stay text until sent, so what was typed is what is sent. */
export interface Draft {
  name: string;
  mode: string;
  threshold: string;
  maxAttempts: string;
  selfie: boolean;
  liveCapture: boolean;
  idNumber: boolean;
  documentTypes: string[];
  amounts: AmountRow[];
  stepupRisk: string;
  onFraudWarning: boolean;
  fallback: string;
  cancelOnFailure: boolean;
  ttl: string;
  enrollmentRequiresVerification: boolean;
  alternative: string;
  verificationFlow: string;
  reviewMismatch: boolean;
}

/** The fields UpdateSubaccount takes (id aside). */
export type Patch = Partial<{
  name: string;
  identity_verification_mode: string;
  identity_verification_risk_threshold: number;
  max_verification_attempts: number;
  require_matching_selfie: boolean;
  require_live_capture: boolean;
  require_id_number: boolean;
  allowed_document_types: string[];
  stepup_policy: StepUpPolicy;
  non_biometric_alternative: string;
  verification_flow: string;
  review_provided_details_mismatch: boolean;
}>;

/** Digits after the decimal point of a currency: 2 for usd, 0 for jpy. */
export function minorDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency: currency.toUpperCase() }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** "500.5" usd → "50050"; null when it is not an amount of that currency. */
export function toMinor(amount: string, currency: string): string | null {
  const d = minorDigits(currency);
  const m = /^(\d+)(?:\.(\d*))?$/.exec(amount.trim());
  if (!m || (m[2] ?? '').length > d) return null;
  const minor = BigInt(m[1] + (m[2] ?? '').padEnd(d, '0'));
  return minor.toString();
}

/** "50050" usd → "500.50". */
export function fromMinor(minor: string, currency: string): string {
  const d = minorDigits(currency);
  const s = String(minor).padStart(d + 1, '0');
  return d === 0 ? s : `${s.slice(0, -d)}.${s.slice(-d)}`;
}

export function draftOf(s: Subaccount): Draft {
  const p = s.stepup_policy;
  const amounts = Object.entries(p?.amount_thresholds ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, minor]) => ({ currency, amount: fromMinor(minor, currency) }));
  return {
    name: s.name,
    mode: s.identity_verification_mode,
    threshold: String(s.identity_verification_risk_threshold),
    maxAttempts: String(s.max_verification_attempts),
    selfie: s.require_matching_selfie,
    liveCapture: s.require_live_capture,
    idNumber: s.require_id_number,
    documentTypes: [...s.allowed_document_types].sort(),
    amounts,
    stepupRisk: String(p?.risk_threshold ?? 0),
    onFraudWarning: p?.on_fraud_warning ?? true,
    fallback: p?.fallback || 'identity',
    cancelOnFailure: p?.cancel_on_failure ?? false,
    ttl: String(p?.challenge_ttl_seconds || 300),
    enrollmentRequiresVerification: p?.enrollment_requires_verification ?? false,
    alternative: s.non_biometric_alternative || 'manual_review',
    verificationFlow: s.verification_flow,
    reviewMismatch: s.review_provided_details_mismatch,
  };
}

/** Problems the API cannot be asked about, by the request field they belong to. The
 * server checks ranges itself (and names the field); this only catches what would not
 * reach it as meant: text in a number, an empty list that the API reads as "unchanged". */
export function problems(d: Draft): Record<string, string> {
  const out: Record<string, string> = {};
  const whole = (field: string, v: string) => {
    if (!/^-?\d+$/.test(v.trim())) out[field] = 'must be a whole number';
  };
  whole('identity_verification_risk_threshold', d.threshold);
  whole('max_verification_attempts', d.maxAttempts);
  whole('stepup_policy.risk_threshold', d.stepupRisk);
  whole('stepup_policy.challenge_ttl_seconds', d.ttl);
  if (d.documentTypes.length === 0) out.allowed_document_types = 'choose at least one document type';
  const seen = new Set<string>();
  for (const r of d.amounts) {
    const c = r.currency.trim().toLowerCase();
    if (!/^[a-z]{3}$/.test(c)) out['stepup_policy.amount_thresholds'] = 'currencies are three-letter codes, like usd';
    else if (seen.has(c)) out['stepup_policy.amount_thresholds'] = `${c} appears twice`;
    else if (toMinor(r.amount, c) === null) out['stepup_policy.amount_thresholds'] = `${r.amount || 'an empty amount'} is not an amount in ${c}`;
    seen.add(c);
  }
  return out;
}

function stepupOf(d: Draft): StepUpPolicy {
  const amount_thresholds: Record<string, string> = {};
  for (const r of d.amounts) {
    const c = r.currency.trim().toLowerCase();
    amount_thresholds[c] = toMinor(r.amount, c) ?? r.amount;
  }
  return {
    amount_thresholds,
    risk_threshold: Number(d.stepupRisk),
    on_fraud_warning: d.onFraudWarning,
    fallback: d.fallback,
    cancel_on_failure: d.cancelOnFailure,
    challenge_ttl_seconds: Number(d.ttl),
    enrollment_requires_verification: d.enrollmentRequiresVerification,
  };
}

function sameStepup(a: StepUpPolicy, b: StepUpPolicy): boolean {
  const keys = (m: Record<string, string>) => JSON.stringify(Object.entries(m).sort(([x], [y]) => x.localeCompare(y)));
  return keys(a.amount_thresholds) === keys(b.amount_thresholds) &&
    a.risk_threshold === b.risk_threshold && a.on_fraud_warning === b.on_fraud_warning &&
    a.fallback === b.fallback && a.cancel_on_failure === b.cancel_on_failure &&
    a.challenge_ttl_seconds === b.challenge_ttl_seconds &&
    a.enrollment_requires_verification === b.enrollment_requires_verification;
}

/** The PATCH body that turns saved into draft: only the fields that differ. The step-up
 * policy is sent whole when any part of it changed (the API replaces it whole). */
export function diff(saved: Subaccount, d: Draft): Patch {
  const base = draftOf(saved);
  const p: Patch = {};
  if (d.name.trim() !== base.name) p.name = d.name.trim();
  if (d.mode !== base.mode) p.identity_verification_mode = d.mode;
  if (d.threshold.trim() !== base.threshold) p.identity_verification_risk_threshold = Number(d.threshold);
  if (d.maxAttempts.trim() !== base.maxAttempts) p.max_verification_attempts = Number(d.maxAttempts);
  if (d.selfie !== base.selfie) p.require_matching_selfie = d.selfie;
  if (d.liveCapture !== base.liveCapture) p.require_live_capture = d.liveCapture;
  if (d.idNumber !== base.idNumber) p.require_id_number = d.idNumber;
  const types = [...d.documentTypes].sort();
  if (types.join() !== base.documentTypes.join()) p.allowed_document_types = types;
  if (d.alternative !== base.alternative) p.non_biometric_alternative = d.alternative;
  if (d.verificationFlow.trim() !== base.verificationFlow) p.verification_flow = d.verificationFlow.trim();
  if (d.reviewMismatch !== base.reviewMismatch) p.review_provided_details_mismatch = d.reviewMismatch;
  const stepup = stepupOf(d);
  if (!sameStepup(stepup, stepupOf(base))) p.stepup_policy = stepup;
  return p;
}

/** The SimulatePolicy body for the draft's mode and threshold, or null while the
 * threshold is not a number (the server answers for any 0–100 and names the field else). */
export function simulation(d: Draft): { mode: string; threshold: number } | null {
  if (!/^-?\d+$/.test(d.threshold.trim())) return null;
  return { mode: d.mode, threshold: Number(d.threshold) };
}
