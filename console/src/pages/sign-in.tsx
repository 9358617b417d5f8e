// Sign-in: a party's API key, exchanged for a session cookie (the key is sent once and never kept by the page).

import { useState } from 'react';
import type { FormEvent } from 'react';
import { messageOf } from '../api/client';
import { ErrorMessage, PageHeading } from '../components';
import { useSession } from '../session';

/** The sign-in page. */
export function SignInPage() {
  const { signIn, endedReason } = useSession();
  const [apiKey, setApiKey] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signIn(apiKey.trim());
      setApiKey('');
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" className="sign-in">
      <PageHeading title="Sign in" />
      <p>Sign in to the settleflow console with your party's API key. What you see follows your role.</p>
      {endedReason && <p role="status">{endedReason}</p>}
      <form onSubmit={(event) => void submit(event)} className="card">
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          name="apiKey"
          type="password"
          autoComplete="off"
          spellCheck={false}
          required
          value={apiKey}
          onChange={(event) => setApiKey(event.target.value)}
          aria-describedby="api-key-help"
        />
        <p id="api-key-help" className="muted small">
          The key starts with <code>sf_</code>. It is exchanged for a session that lasts an hour; the page does not keep
          it.
        </p>
        <ErrorMessage message={error} />
        <button type="submit" disabled={busy || apiKey.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
