// Routes and the signed-in frame (top bar with projects, notifications, keys, admin).

import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { BrowserRouter, Link, Navigate, NavLink, Outlet, Route, Routes, useLocation } from 'react-router-dom';
import { fetchBoard } from './api/board';
import { ApiError } from './api/client';
import { fetchViews, keys, useNotifications } from './api/queries';
import { Spinner } from './components/ui';
import { Shortcuts } from './components/CommandPalette';
import { setThemeChoice, useTheme, type ThemeChoice } from './theme';
import { RealtimeProvider, useConnected } from './realtime/context';
import { grants, SessionProvider, useSession } from './session';
import { ChangePasswordScreen, LoginScreen } from './screens/Login';
import { ProjectsScreen } from './screens/Projects';
import { ProjectLayout } from './screens/ProjectLayout';
import { BoardScreen } from './screens/board/Board';
import { BacklogScreen } from './screens/Backlog';
import { TableScreen } from './screens/Table';
import { TimelineScreen } from './screens/Timeline';
import { AgentsScreen, ConversationScreen } from './screens/Agents';
import { SettingsScreen } from './screens/Settings';
import { DocsScreen } from './screens/docs/Docs';
import { NotificationsScreen } from './screens/Notifications';
import { ApiKeysScreen } from './screens/ApiKeys';
import { AdminScreen } from './screens/Admin';

const queries = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      refetchOnWindowFocus: false,
      retry: (n, err) => !(err instanceof ApiError && err.status < 500) && n < 2,
    },
  },
});

// Opening a project's task screen: start reading its tasks (and a board's views) with the app,
// alongside the session check, instead of after it: they are the first paint's longest reads.
const opening = window.location.pathname.match(/^\/projects\/([^/]+)\/(board|backlog|table|timeline)(\/|$)/);
if (opening) {
  const [, project, screen] = opening;
  void queries.prefetchQuery({ queryKey: keys.board(project), queryFn: ({ client }) => fetchBoard(client, project), staleTime: Infinity });
  if (screen === 'board') {
    const sprint = new URLSearchParams(window.location.search).get('sprint') ?? undefined;
    const context = sprint ? 'sprint' : 'backlog';
    void queries.prefetchQuery({ queryKey: keys.views(project, context, sprint), queryFn: () => fetchViews(project, context, sprint) });
  }
}

export function App() {
  return (
    <QueryClientProvider client={queries}>
      <BrowserRouter>
        <SessionProvider>
          <Gate />
        </SessionProvider>
      </BrowserRouter>
    </QueryClientProvider>
  );
}

function Gate() {
  const { state } = useSession();
  if (state.kind === 'loading') {
    return (
      <div className="auth-page">
        <Spinner />
      </div>
    );
  }
  if (state.kind === 'signed-out') return <LoginScreen />;
  if (state.kind === 'must-change') return <ChangePasswordScreen />;
  return (
    <RealtimeProvider>
      <Routes>
        <Route element={<Frame />}>
          <Route index element={<ProjectsScreen />} />
          <Route path="projects" element={<ProjectsScreen />} />
          <Route path="projects/:pid" element={<ProjectLayout />}>
            <Route index element={<Navigate to="board" replace />} />
            <Route path="board" element={<BoardScreen />} />
            <Route path="backlog" element={<BacklogScreen />} />
            <Route path="table" element={<TableScreen />} />
            <Route path="timeline" element={<TimelineScreen />} />
            <Route path="docs" element={<DocsScreen />} />
            <Route path="docs/:docId" element={<DocsScreen />} />
            <Route path="agents" element={<AgentsScreen />} />
            <Route path="agents/conversations/:cid" element={<ConversationScreen />} />
            <Route path="settings" element={<SettingsScreen />} />
          </Route>
          <Route path="notifications" element={<NotificationsScreen />} />
          <Route path="api-keys" element={<ApiKeysScreen />} />
          <Route path="admin" element={<AdminScreen />} />
          <Route path="login" element={<Navigate to="/" replace />} />
          <Route path="*" element={<div className="page">Page not found. <Link to="/">Back to projects</Link></div>} />
        </Route>
      </Routes>
    </RealtimeProvider>
  );
}

function Frame() {
  const { state, logout, permissions } = useSession();
  const notes = useNotifications();
  const connected = useConnected();
  const location = useLocation();
  // On a phone the navigation, the user and Sign out fold into a menu.
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [location.pathname]);
  const user = state.kind === 'signed-in' ? state.user : null;
  const unread = notes.data?.unread_count ?? 0;
  // Every user may read the user list (to add members); administration is for those who may change it.
  const admin = ['users.write', 'users.delete', 'global_roles.write', 'global_roles.assign', 'system.read'].some((k) => grants(permissions, k));
  return (
    <div className="app">
      <header className="topbar">
        <Link to="/" className="brand">
          Corral
        </Link>
        <span className={`live-dot ${connected ? 'on' : 'off'}`} title={connected ? 'Live updates on' : 'Reconnecting…'} />
        <button
          className="btn ghost menu-toggle"
          aria-expanded={menuOpen}
          aria-controls="main-menu"
          onClick={() => setMenuOpen((o) => !o)}
        >
          {menuOpen ? 'Close menu' : 'Menu'}
          {unread > 0 && !menuOpen && <span className="badge">{unread}</span>}
        </button>
        <div id="main-menu" className={`main-menu${menuOpen ? ' open' : ''}`}>
          <nav aria-label="Main">
            <NavLink to="/" end>
              Projects
            </NavLink>
            <NavLink to="/notifications" data-testid="notifications-link">
              Notifications
              {unread > 0 && (
                <span className="badge" data-testid="unread-count">
                  {unread}
                </span>
              )}
            </NavLink>
            <NavLink to="/api-keys">API keys</NavLink>
            {admin && <NavLink to="/admin">Admin</NavLink>}
          </nav>
          <span className="spacer" />
          <ThemeSwitch />
          <span className="user" data-testid="current-user">
            {user?.full_name || user?.username}
          </span>
          <button className="btn ghost" onClick={() => logout()}>
            Sign out
          </button>
        </div>
      </header>
      <main>
        <Outlet />
      </main>
      <Shortcuts />
    </div>
  );
}

const NEXT_THEME: Record<ThemeChoice, ThemeChoice> = { system: 'dark', dark: 'light', light: 'system' };
const THEME_LABEL: Record<ThemeChoice, string> = { system: 'Theme: system', dark: 'Theme: dark', light: 'Theme: light' };

/** Cycles the theme: the system's, dark, light. */
function ThemeSwitch() {
  const { choice } = useTheme();
  return (
    <button className="btn ghost" data-testid="theme-switch" onClick={() => setThemeChoice(NEXT_THEME[choice])} title="Switch between the system's theme, dark and light">
      {THEME_LABEL[choice]}
    </button>
  );
}
