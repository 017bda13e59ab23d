// Who is signed in: the /users/me probe, login, logout and the forced password change.

import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, api, onPasswordChangeRequired, onSignedOut } from './api/client';
import { keys } from './api/queries';
import type { User } from './api/types';

type State =
  | { kind: 'loading' }
  | { kind: 'signed-out' }
  | { kind: 'must-change' }
  | { kind: 'signed-in'; user: User };

interface Session {
  state: State;
  /** The username typed at login (needed to sign in again after a password change). */
  lastUsername: string;
  login(username: string, password: string, remember: boolean): Promise<void>;
  logout(): Promise<void>;
  changePassword(current: string, next: string, username?: string): Promise<void>;
  permissions: string[];
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const queries = useQueryClient();
  const [forced, setForced] = useState(false);
  const [signedOut, setSignedOut] = useState(false);
  const [lastUsername, setLastUsername] = useState(() => sessionStorage.getItem('corral.username') ?? '');
  const me = useQuery({
    queryKey: keys.me,
    queryFn: () => api.get<User>('/users/me'),
    retry: false,
    staleTime: 60_000,
  });
  const perms = useQuery({
    queryKey: ['me', 'permissions'],
    queryFn: () => api.get<{ permissions: string[] }>('/users/me/global-permissions'),
    enabled: me.isSuccess && !me.data.must_change_password,
    retry: false,
  });

  useEffect(() => onPasswordChangeRequired(() => setForced(true)), []);
  useEffect(
    () =>
      onSignedOut(() => {
        setSignedOut(true);
        queries.clear();
      }),
    [queries],
  );

  let state: State;
  if (signedOut) state = { kind: 'signed-out' };
  else if (me.isPending) state = { kind: 'loading' };
  else if (me.error instanceof ApiError && me.error.code === 'AUTH_PASSWORD_CHANGE_REQUIRED') state = { kind: 'must-change' };
  else if (me.isError || !me.data) state = { kind: 'signed-out' };
  else if (me.data.must_change_password || forced) state = { kind: 'must-change' };
  else state = { kind: 'signed-in', user: me.data };

  const login = useCallback(
    async (username: string, password: string, remember: boolean) => {
      await api.post('/auth/login', { username, password, remember_me: remember }, { noRefresh: true });
      setLastUsername(username);
      sessionStorage.setItem('corral.username', username);
      setForced(false);
      queries.clear();
      setSignedOut(false);
      await queries.fetchQuery({ queryKey: keys.me, queryFn: () => api.get<User>('/users/me') }).catch(() => undefined);
    },
    [queries],
  );

  const logout = useCallback(async () => {
    await api.post('/auth/logout', {}, { noRefresh: true }).catch(() => undefined);
    setSignedOut(true);
    setForced(false);
    queries.clear();
  }, [queries]);

  const changePassword = useCallback(
    async (current: string, next: string, username?: string) => {
      await api.patch('/users/me/password', { current_password: current, new_password: next });
      // Changing the password ends every session of the user: sign in again with the new one.
      const who = username || lastUsername;
      await login(who, next, false);
    },
    [lastUsername, login],
  );

  const value: Session = {
    state,
    lastUsername,
    login,
    logout,
    changePassword,
    permissions: perms.data?.permissions ?? [],
  };
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

/** Whether a permission list grants `key` (`*` and `domain.*` wildcards). */
export function grants(perms: string[] | Record<string, boolean> | undefined, key: string): boolean {
  if (!perms) return false;
  const list = Array.isArray(perms) ? perms : Object.keys(perms).filter((k) => perms[k]);
  return list.some((p) => p === '*' || p === key || (p.endsWith('.*') && key.startsWith(p.slice(0, -1))));
}
