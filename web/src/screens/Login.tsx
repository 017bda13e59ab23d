// Sign-in and the forced password change.

import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { useRun } from '../components/run';
import { Busy, ErrorBox } from '../components/ui';
import { useSession } from '../session';

export function LoginScreen() {
  const session = useSession();
  const [username, setUsername] = useState(session.lastUsername);
  const [password, setPassword] = useState('');
  const [remember, setRemember] = useState(true);
  const { busy, error, run } = useRun();

  function submit(e: FormEvent) {
    e.preventDefault();
    run('login', () =>
      session.login(username.trim(), password, remember).catch((err) => {
        if (err instanceof ApiError && err.code === 'AUTH_INVALID_CREDENTIALS') throw new Error('Invalid username or password.');
        throw err;
      }),
    );
  }

  return (
    <div className="auth-page">
      <form className="auth-card" onSubmit={submit} aria-label="Sign in">
        <h1 className="brand">Corral</h1>
        <p className="muted">Sign in to your workspace</p>
        <label>
          Username
          <input name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required autoFocus />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </label>
        <label className="check">
          <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.target.checked)} /> Keep me signed in
        </label>
        <ErrorBox error={error} />
        <Busy busy={busy !== null} className="btn primary block" type="submit">
          Sign in
        </Busy>
      </form>
    </div>
  );
}

export function ChangePasswordScreen() {
  const session = useSession();
  const [username, setUsername] = useState(session.lastUsername);
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const { busy, error, setError, run } = useRun();

  function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    if (next.length < 8) return setError(new Error('The new password needs at least 8 characters.'));
    if (next !== again) return setError(new Error('The two new passwords differ.'));
    run('change', () => session.changePassword(current, next, username.trim()));
  }

  return (
    <div className="auth-page">
      <form className="auth-card" onSubmit={submit} aria-label="Change password">
        <h1 className="brand">Corral</h1>
        <p>Your password must be changed before you continue.</p>
        {!session.lastUsername && (
          <label>
            Username
            <input name="username" value={username} onChange={(e) => setUsername(e.target.value)} required />
          </label>
        )}
        <label>
          Current password
          <input name="current_password" type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} required />
        </label>
        <label>
          New password
          <input name="new_password" type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} required />
        </label>
        <label>
          Repeat the new password
          <input name="new_password_again" type="password" autoComplete="new-password" value={again} onChange={(e) => setAgain(e.target.value)} required />
        </label>
        <ErrorBox error={error} />
        <Busy busy={busy !== null} className="btn primary block" type="submit">
          Change password
        </Busy>
        <button type="button" className="btn ghost block" onClick={() => session.logout()}>
          Sign out
        </button>
      </form>
    </div>
  );
}
