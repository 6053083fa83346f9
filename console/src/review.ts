// The review queue's words: priority badges, reasons, who holds a task. Pure functions,
// unit-tested in review.test.ts.
import type { ReviewTask } from './api';
import type { Tone } from './format';
import { formatTime } from './format';

/** A task's priority as a badge: urgent red, high amber, normal grey. */
export function priorityBadge(priority: string): { label: string; tone: Tone } {
  switch (priority) {
    case 'urgent':
      return { label: 'Urgent', tone: 'red' };
    case 'high':
      return { label: 'High', tone: 'amber' };
    default:
      return { label: 'Normal', tone: 'grey' };
  }
}

/** Why a task was opened, in words. */
export function reviewReason(reason: string): string {
  switch (reason) {
    case 'max_attempts_exceeded':
      return 'Verification attempts used up';
    case 'consent_declined':
      return 'Biometric consent declined or withdrawn';
    case 'verification_canceled':
      return 'Verification session canceled';
  }
  return reason.replace(/_/g, ' ');
}

/** The console page of a task's subject. */
export function subjectHref(t: Pick<ReviewTask, 'subject_type' | 'subject_id'>): string {
  const base = t.subject_type === 'merchant' ? '/merchants/' : '/customers/';
  return base + encodeURIComponent(t.subject_id);
}

/** Who holds a task: "held by Jane Ops since …", "unclaimed", or who resolved it. */
export function holder(t: Pick<ReviewTask, 'status' | 'claimed_by' | 'claimed_at' | 'resolved_by' | 'resolved_at'>): string {
  if (t.status === 'resolved') return t.resolved_by ? `resolved by ${t.resolved_by}${since(t.resolved_at, ' on ')}` : 'resolved';
  if (!t.claimed_by) return 'unclaimed';
  return `held by ${t.claimed_by}${since(t.claimed_at, ' since ')}`;
}

function since(t: string | undefined, word: string): string {
  const s = formatTime(t);
  return s ? word + s : '';
}

/** A resolved task's decision as a badge. */
export function decisionBadge(resolution: string): { label: string; tone: Tone } | null {
  if (resolution === 'approve') return { label: 'Approved', tone: 'green' };
  if (resolution === 'reject') return { label: 'Rejected', tone: 'red' };
  return null;
}

/** Whether the operator may still claim or resolve the task. */
export function actionable(t: Pick<ReviewTask, 'status'>): boolean {
  return t.status === 'open';
}
