/** Sign up / log in for stage managers. */
import { useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { auth } from '../api/sm';
import { ApiError } from '../api/http';
import { navigate } from '../lib/router';
import { Link } from '../ui/Link';
import { TopBar } from '../ui/TopBar';
import { ME_KEY } from './useMe';

export function AuthPage({ mode }: { mode: 'login' | 'signup' }) {
  const qc = useQueryClient();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { user } =
        mode === 'login' ? await auth.login(email, password) : await auth.register(email, password, displayName);
      qc.setQueryData(ME_KEY, user);
      navigate('/', { replace: true });
    } catch (err) {
      setError(err instanceof Error ? err : new Error(String(err)));
    } finally {
      setBusy(false);
    }
  };

  const field = error instanceof ApiError ? error.field : undefined;
  return (
    <>
      <TopBar />
      <main className="auth">
        <form className="card auth-card" onSubmit={submit} noValidate>
          <h1>{mode === 'login' ? 'Log in' : 'Create your account'}</h1>
          <p className="muted">
            {mode === 'login'
              ? 'Stage managers log in to edit their scripts. Crew open the link their SM sent them.'
              : 'One account per stage manager. Crew never need one.'}
          </p>
          {mode === 'signup' && (
            <label className="field">
              <span>Your name</span>
              <input
                name="displayName"
                autoComplete="name"
                required
                value={displayName}
                aria-invalid={field === 'displayName'}
                onChange={(e) => setDisplayName(e.target.value)}
              />
            </label>
          )}
          <label className="field">
            <span>Email</span>
            <input
              name="email"
              type="email"
              autoComplete="email"
              required
              value={email}
              aria-invalid={field === 'email'}
              onChange={(e) => setEmail(e.target.value)}
            />
          </label>
          <label className="field">
            <span>Password</span>
            <input
              name="password"
              type="password"
              autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
              required
              minLength={mode === 'signup' ? 8 : undefined}
              value={password}
              aria-invalid={field === 'password'}
              onChange={(e) => setPassword(e.target.value)}
            />
            {mode === 'signup' && <small className="muted">At least 8 characters.</small>}
          </label>
          {error && (
            <p role="alert" className="error-note">
              {error.message}
            </p>
          )}
          <button className="btn btn-primary btn-block" type="submit" disabled={busy}>
            {busy ? 'One moment…' : mode === 'login' ? 'Log in' : 'Sign up'}
          </button>
          <p className="muted center">
            {mode === 'login' ? (
              <>
                New here? <Link href="/signup">Create an account</Link>
              </>
            ) : (
              <>
                Have an account? <Link href="/login">Log in</Link>
              </>
            )}
          </p>
        </form>
      </main>
    </>
  );
}
