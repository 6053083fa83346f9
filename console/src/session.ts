// The signed-in operator: a session token kept in this tab's sessionStorage (never in a URL
// or a cookie), the session's role and expiry. Signing out revokes it on the server.
import { signal } from '@preact/signals';
import { api, configure, type Session } from './api';

const KEY = 'idgate.console.session';

interface Stored {
  token: string;
  session: Session;
}

/** The current session, or null when signed out. */
export const current = signal<Session | null>(null);
/** Why the operator was signed out, shown on the sign-in page. */
export const signedOutReason = signal<string>('');

let expiryTimer: ReturnType<typeof setTimeout> | undefined;

function set(s: Stored | null, reason = '') {
  clearTimeout(expiryTimer);
  if (s) {
    sessionStorage.setItem(KEY, JSON.stringify(s));
    configure(s.token, expired);
    const left = Date.parse(s.session.expires_at ?? '') - Date.now();
    if (left > 0) expiryTimer = setTimeout(() => expired('Your session expired: sign in again.'), Math.min(left, 2 ** 31 - 1));
  } else {
    sessionStorage.removeItem(KEY);
    configure(null, expired);
  }
  current.value = s?.session ?? null;
  signedOutReason.value = reason;
}

function expired(message: string) {
  set(null, message || 'Your session ended: sign in again.');
}

/** Signs in with the operator's own API key; the key itself is not kept. */
export async function signIn(apiKey: string): Promise<void> {
  const r = await api.createSession(apiKey.trim());
  if (!r.session) throw new Error('the server returned no session');
  set({ token: r.token, session: r.session });
}

/** Signs out here and on the server. */
export async function signOut(): Promise<void> {
  try {
    await api.revokeSession();
  } finally {
    set(null, 'You signed out.');
  }
}

/** Restores this tab's session, if the server still honours it. */
export async function restore(): Promise<void> {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return;
  const s = JSON.parse(raw) as Stored;
  set(s);
  try {
    set({ token: s.token, session: await api.currentSession() });
  } catch {
    // a 401 has already signed us out; other failures keep the session for a retry
  }
}

/** Whether the signed-in operator may take actions (the server refuses readonly anyway). */
export function canAct(): boolean {
  const r = current.value?.role;
  return r === 'admin' || r === 'operator';
}

export function isAdmin(): boolean {
  return current.value?.role === 'admin';
}
