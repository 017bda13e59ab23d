// The inbox: assignments and mentions, live (the socket's `notification` refreshes it).

import { useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { api } from '../api/client';
import { keys, useNotifications, useProjects } from '../api/queries';
import { Empty, ErrorBox, Spinner, fmtTime } from '../components/ui';

export function NotificationsScreen() {
  const notes = useNotifications();
  const queries = useQueryClient();
  const items = notes.data?.items ?? [];
  // A task is named by its key ("AL-4"), as everywhere else; the prefix is the project's.
  const projects = useProjects();
  const prefixOf = (id: string) => projects.data?.items.find((p) => p.id === id)?.task_id_prefix;
  const keyOf = (project: string, n: number | null) => (n == null ? '' : prefixOf(project) ? `${prefixOf(project)}-${n}` : `#${n}`);
  const refresh = () => queries.invalidateQueries({ queryKey: keys.notifications });
  return (
    <div className="page">
      <div className="page-head">
        <h1>Notifications</h1>
        <span className="muted">{notes.data?.unread_count ?? 0} unread</span>
        <span className="spacer" />
        <button className="btn" disabled={!notes.data?.unread_count} onClick={() => api.post('/users/me/notifications/read-all').then(refresh)}>
          Mark all read
        </button>
      </div>
      <ErrorBox error={notes.error} onRetry={() => notes.refetch()} />
      {notes.isPending && <Spinner />}
      {notes.isSuccess && items.length === 0 && <Empty title="Nothing new">You are told here when someone assigns you a task or mentions you.</Empty>}
      <ul className="notes" data-testid="notifications">
        {items.map((n) => (
          <li key={n.id} className={n.read_at ? 'read' : 'unread'}>
            <div>
              <strong>{n.actor_full_name || n.actor_username || 'Someone'}</strong> {n.type === 'assigned' ? 'assigned you' : n.type === 'mentioned' ? 'mentioned you in' : n.type}{' '}
              {n.task_id ? (
                <Link
                  to={`/projects/${n.project_id}/board?task=${n.task_id}`}
                  onClick={() => !n.read_at && api.patch(`/users/me/notifications/${n.id}/read`).then(refresh)}
                >
                  {keyOf(n.project_id, n.task_number)} {n.task_title}
                </Link>
              ) : null}{' '}
              <span className="muted">in {n.project_name}</span>
            </div>
            <span className="muted small">{fmtTime(n.created_at)}</span>
            {!n.read_at && (
              <button className="btn small ghost" onClick={() => api.patch(`/users/me/notifications/${n.id}/read`).then(refresh)}>
                Mark read
              </button>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
