// Signing in to an API with authentication on: when a request answers 401, a form asks for a
// bearer token (a token-file user's, or a service account's in Kubernetes mode). The token is
// kept in this tab's sessionStorage, sent as an Authorization header (api.ts), and never put in
// a URL; the page reloads to read everything with it. Signing out forgets it.

import { useEffect, useState } from 'preact/hooks';
import { onUnauthorized, token } from './api';

export function Login() {
  const [message, setMessage] = useState<string | null>(null);
  const [value, setValue] = useState('');
  useEffect(() => onUnauthorized((m) => setMessage(m)), []);
  if (message === null) return null;
  const submit = (e: Event): void => {
    e.preventDefault();
    if (value.trim() === '') return;
    token.set(value.trim());
    location.reload();
  };
  return (
    <div class="login" role="dialog" aria-label="Sign in" data-testid="login">
      <form onSubmit={submit}>
        <h2>Sign in to placer</h2>
        <p class="muted">{token.get() ? 'The API refused the token given:' : 'The API asks who you are:'}</p>
        <p class="error" data-testid="login-reason">
          {message}
        </p>
        <label>
          Bearer token
          <input
            type="password"
            autocomplete="off"
            value={value}
            onInput={(e) => setValue((e.target as HTMLInputElement).value)}
            data-testid="login-token"
          />
        </label>
        <button type="submit" data-testid="login-submit">
          Sign in
        </button>
        <p class="muted">Kept in this tab only. A browser with a client certificate needs no token.</p>
      </form>
    </div>
  );
}

export function SignOut() {
  if (!token.get()) return null;
  return (
    <button
      class="signout"
      data-testid="signout"
      onClick={() => {
        token.clear();
        location.reload();
      }}
    >
      Sign out
    </button>
  );
}
