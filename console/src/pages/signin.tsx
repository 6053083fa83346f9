// Sign-in: the operator's own API key, exchanged for a session; the key is not kept.
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { signIn, signedOutReason } from '../session';
import { ErrorNote } from '../ui';

export function SignIn() {
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: JSX.TargetedEvent<HTMLFormElement>) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(key);
      setKey('');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="signin">
      <form onSubmit={submit} aria-labelledby="signin-title">
        <h1 id="signin-title">idgate console</h1>
        <p>Sign in with your own operator API key. Actions are recorded under your name.</p>
        {signedOutReason.value && <p class="notice" role="status">{signedOutReason.value}</p>}
        <label>
          API key
          <input
            type="password"
            name="api_key"
            autocomplete="off"
            required
            placeholder="idg_…"
            value={key}
            onInput={(e) => setKey(e.currentTarget.value)}
          />
        </label>
        <ErrorNote error={error} />
        <button type="submit" class="primary" disabled={busy}>Sign in</button>
      </form>
    </main>
  );
}
