// Signing in with an API key: the key is posted once, the server answers with an HttpOnly cookie, and the
// page never keeps the key anywhere.
import { ApiError, getJson, postJson } from './api';
import type { Session } from './app';
import { h, replace } from './dom';
import type { AuthStatus } from './types';

export async function fetchSession(): Promise<Session> {
  const status = await getJson<AuthStatus>('/api/v1/auth/status');
  return toSession(status);
}

export function toSession(status: AuthStatus): Session {
  return { ...status, canAdmin: !status.keys_required || status.scope === 'admin' };
}

export async function signOut(): Promise<void> {
  try {
    await postJson<unknown>('/api/v1/auth/logout', {});
  } finally {
    // Start over from a clean page, which asks the server again and shows the sign-in form.
    location.reload();
  }
}

/** The sign-in form; onSignedIn runs after the server accepted the key. */
export function signInView(root: HTMLElement, onSignedIn: () => void, reason?: string): void {
  const key = h('input', {
    type: 'password', id: 'signin-key', name: 'api_key', autocomplete: 'current-password', required: true,
    'data-testid': 'signin-key', spellcheck: 'false',
  });
  const error = h('p', { class: 'signin-error', role: 'alert', 'data-testid': 'signin-error', hidden: true });
  const submit = h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'signin-submit' }, 'Sign in');
  const form = h('form', { class: 'signin', 'data-testid': 'signin-form' },
    h('h1', null, 'Sluice'),
    h('p', { class: 'muted' }, reason ?? 'This server needs an API key. Sign in with a key that has the read scope (or admin).'),
    h('label', { for: 'signin-key' }, 'API key'),
    key,
    error,
    submit);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    submit.disabled = true;
    error.hidden = true;
    try {
      await postJson<{ valid: boolean }>('/api/v1/auth/validate', { api_key: key.value });
      key.value = '';
      onSignedIn();
    } catch (err) {
      error.textContent = err instanceof ApiError ? err.message : 'Could not sign in. Retry.';
      error.hidden = false;
      key.select();
    } finally {
      submit.disabled = false;
    }
  });
  replace(root, h('main', { class: 'signin-page' }, form));
  key.focus();
}
