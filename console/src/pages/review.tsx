// The review queue: tasks automation could not decide, urgent first (the server orders
// them), with who holds each; operators claim and resolve them.
import { useRef, useState } from 'preact/hooks';
import type { JSX } from 'preact';
import { Link } from 'wouter-preact';
import { api, type ReviewTask } from '../api';
import { age, formatTime, words } from '../format';
import { actionable, decisionBadge, holder, priorityBadge, reviewReason, subjectHref } from '../review';
import { canAct } from '../session';
import { Badge, ErrorNote, PageTitle, useLoad } from '../ui';

/** At most this many tasks are shown; the API has no page tokens for the queue. */
const LIMIT = 200;

export function ReviewQueue() {
  const [status, setStatus] = useState('open');
  const [subjectType, setSubjectType] = useState('');
  const [notice, setNotice] = useState('');
  const list = useLoad(() => api.listReviewTasks({ status, subject_type: subjectType, page_size: LIMIT }), [status, subjectType]);
  const done = (message: string) => { setNotice(message); list.reload(); };
  const tasks = list.data?.tasks ?? [];
  return (
    <>
      <PageTitle>Review queue</PageTitle>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Status
          <select value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
            <option value="open">Open</option>
            <option value="resolving">Resolving</option>
            <option value="resolved">Resolved</option>
            <option value="">All</option>
          </select>
        </label>
        <label>
          Subject type
          <select value={subjectType} onChange={(e) => setSubjectType(e.currentTarget.value)}>
            <option value="">Customers and merchants</option>
            <option value="customer">Customers</option>
            <option value="merchant">Merchants</option>
          </select>
        </label>
      </form>
      {notice && <p class="notice" role="status">{notice}</p>}
      <ErrorNote error={list.error} />
      <table>
        <caption class="muted">{list.loading ? 'Loading…' : `${tasks.length} task${tasks.length === 1 ? '' : 's'}, urgent first`}</caption>
        <thead>
          <tr>
            <th scope="col">Priority</th>
            <th scope="col">Subject</th>
            <th scope="col">Reason</th>
            <th scope="col">Age</th>
            <th scope="col">Held by</th>
            <th scope="col">Status</th>
            {canAct() && <th scope="col">Actions</th>}
          </tr>
        </thead>
        <tbody>
          {tasks.map((t) => <TaskRow key={t.id} task={t} done={done} />)}
          {!list.loading && tasks.length === 0 && (
            <tr><td colSpan={canAct() ? 7 : 6} class="empty">No tasks.</td></tr>
          )}
        </tbody>
      </table>
      {tasks.length >= LIMIT && <p class="muted">Showing the first {LIMIT} tasks.</p>}
    </>
  );
}

function TaskRow({ task: t, done }: { task: ReviewTask; done: (message: string) => void }) {
  const p = priorityBadge(t.priority);
  const d = decisionBadge(t.resolution);
  const [error, setError] = useState<unknown>(null);
  const claim = async () => {
    setError(null);
    try {
      await api.claimReviewTask(t.id);
      done(`You hold the review of ${t.subject_id}.`);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <tr>
      <td><Badge tone={p.tone}>{p.label}</Badge></td>
      <td>
        <Link href={subjectHref(t)}>{t.subject_id}</Link>
        <div class="muted">{words(t.subject_type)}</div>
      </td>
      <td>{reviewReason(t.reason)}</td>
      <td title={formatTime(t.created_at)}>{age(t.created_at)}</td>
      <td>{holder(t)}</td>
      <td>
        {d ? <Badge tone={d.tone}>{d.label}</Badge> : words(t.status)}
        {t.notes && <div class="muted task-notes">{t.notes}</div>}
      </td>
      {canAct() && (
        <td>
          {actionable(t) && (
            <div class="row-actions">
              {!t.claimed_by && <button type="button" onClick={claim} aria-label={`Claim review of ${t.subject_id}`}>Claim</button>}
              <ResolveDialog task={t} done={done} />
            </div>
          )}
          <ErrorNote error={error} />
        </td>
      )}
    </tr>
  );
}

/** Approve or reject a task's subject, with the notes the server requires. */
function ResolveDialog({ task: t, done }: { task: ReviewTask; done: (message: string) => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [decision, setDecision] = useState('');
  const [notes, setNotes] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const open = () => { setDecision(''); setNotes(''); setError(null); ref.current?.showModal(); };
  const submit = async (e: JSX.TargetedEvent<HTMLFormElement>) => {
    e.preventDefault();
    setBusy(true);
    try {
      const r = await api.resolveReviewTask(t.id, decision, notes.trim());
      ref.current?.close();
      done(`Review of ${t.subject_id} resolved: ${r.resolution === 'approve' ? 'approved' : 'rejected'} by ${r.resolved_by}.`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const id = `resolve-${t.id}`;
  return (
    <>
      <button type="button" class="primary" onClick={open} aria-label={`Resolve review of ${t.subject_id}`}>Resolve</button>
      <dialog ref={ref} aria-labelledby={`${id}-title`}>
        <form onSubmit={submit}>
          <h2 id={`${id}-title`}>Resolve review of {t.subject_id}</h2>
          <div class="dialog-description">
            {reviewReason(t.reason)}. Approving a customer verifies them manually; a merchant's decision is recorded as a manual check.
          </div>
          <fieldset class="choices">
            <legend>Decision</legend>
            <label class="inline">
              <input type="radio" name="decision" value="approve" required checked={decision === 'approve'} onChange={() => setDecision('approve')} />
              Approve
            </label>
            <label class="inline">
              <input type="radio" name="decision" value="reject" checked={decision === 'reject'} onChange={() => setDecision('reject')} />
              Reject
            </label>
          </fieldset>
          <label>
            Notes
            <textarea name="notes" rows={3} required placeholder="How the subject was reviewed, e.g. passport checked on a video call"
              value={notes} onInput={(e) => setNotes(e.currentTarget.value)} />
          </label>
          <ErrorNote error={error} />
          <div class="dialog-actions">
            <button type="button" onClick={() => ref.current?.close()}>Cancel</button>
            <button type="submit" class="primary" disabled={busy}>Resolve</button>
          </div>
        </form>
      </dialog>
    </>
  );
}
