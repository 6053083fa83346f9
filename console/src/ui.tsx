// The console's shared pieces: badges, errors, dialogs, pagination and data loading.
import type { ComponentChildren, JSX } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api';
import type { Tone } from './format';

export function Badge({ tone, children }: { tone: Tone; children: ComponentChildren }) {
  return <span class={`badge badge-${tone}`}>{children}</span>;
}

/** A failed call in words, with the fields the server named. */
export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const e = error instanceof ApiError ? error : null;
  return (
    <div class="error" role="alert">
      <strong>{e ? e.message : String((error as Error).message ?? error)}</strong>
      {e?.retryAfter ? <span> Try again in {e.retryAfter} s.</span> : null}
      {e && e.violations.length > 0 && (
        <ul>
          {e.violations.map((v) => (
            <li key={v.field}>
              <code>{v.field}</code>: {v.description}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** Loads data with fn, again whenever deps change or reload() is called. */
export function useLoad<T>(fn: () => Promise<T>, deps: unknown[]) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const seq = useRef(0);
  const reload = useCallback(() => {
    const n = ++seq.current;
    setLoading(true);
    fn().then(
      (d) => { if (n === seq.current) { setData(d); setError(null); setLoading(false); } },
      (e) => { if (n === seq.current) { setError(e); setLoading(false); } },
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  useEffect(reload, [reload]);
  return { data, error, loading, reload, setData };
}

/** Keyset pages: the server gives a next_page_token; the console keeps the tokens it came
 * through so Previous works. */
/** Runs an action, keeping its error and whether it is running. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run };
}

export function usePager() {
  const [stack, setStack] = useState<string[]>([]);
  const token = stack.length ? stack[stack.length - 1] : '';
  return {
    token,
    page: stack.length + 1,
    next: (t: string) => setStack((s) => [...s, t]),
    prev: () => setStack((s) => s.slice(0, -1)),
    reset: () => setStack([]),
  };
}

export function Pager({ page, next, onNext, onPrev }: { page: number; next?: string; onNext: (t: string) => void; onPrev: () => void }) {
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" onClick={onPrev} disabled={page <= 1}>← Previous</button>
      <span>Page {page}</span>
      <button type="button" onClick={() => next && onNext(next)} disabled={!next}>Next →</button>
    </nav>
  );
}

/**
 * A modal form (native <dialog>: focus is trapped, Escape cancels) that asks for an
 * optional or required text before an action, then runs it and shows the server's error.
 */
export function ActionDialog(props: {
  label: string; // the button that opens it
  title: string;
  description?: ComponentChildren;
  field?: { label: string; required: boolean; placeholder?: string };
  confirm: string;
  danger?: boolean;
  run: (text: string) => Promise<unknown>;
  done?: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [text, setText] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const open = () => { setText(''); setError(null); ref.current?.showModal(); };
  const submit = async (e: JSX.TargetedEvent<HTMLFormElement>) => {
    e.preventDefault();
    setBusy(true);
    try {
      await props.run(text.trim());
      ref.current?.close();
      props.done?.();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const id = `dlg-${props.label.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <>
      <button type="button" class={props.danger ? 'danger' : ''} onClick={open}>{props.label}</button>
      <dialog ref={ref} aria-labelledby={`${id}-title`}>
        <form onSubmit={submit}>
          <h2 id={`${id}-title`}>{props.title}</h2>
          {props.description && <div class="dialog-description">{props.description}</div>}
          {props.field && (
            <label>
              {props.field.label}
              <textarea
                name="text"
                rows={3}
                required={props.field.required}
                placeholder={props.field.placeholder}
                value={text}
                onInput={(e) => setText(e.currentTarget.value)}
              />
            </label>
          )}
          <ErrorNote error={error} />
          <div class="dialog-actions">
            <button type="button" onClick={() => ref.current?.close()}>Cancel</button>
            <button type="submit" class={props.danger ? 'danger' : 'primary'} disabled={busy}>{props.confirm}</button>
          </div>
        </form>
      </dialog>
    </>
  );
}

/** A label: value pair in a definition list. */
export function Field({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </>
  );
}

export function PageTitle({ children, actions }: { children: ComponentChildren; actions?: ComponentChildren }) {
  useEffect(() => {
    document.title = `${typeof children === 'string' ? children : 'idgate'} · idgate console`;
  }, [children]);
  return (
    <header class="page-header">
      <h1>{children}</h1>
      {actions && <div class="page-actions">{actions}</div>}
    </header>
  );
}
