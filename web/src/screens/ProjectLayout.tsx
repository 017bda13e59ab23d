// A project's frame: its name, tabs, who is here, the realtime follow and the task drawer.

import { lazy, Suspense } from 'react';
import { NavLink, Outlet, useParams, useSearchParams } from 'react-router-dom';
import { useProject } from '../api/queries';
import { ErrorBox, Spinner } from '../components/ui';
import { useConnected, usePresence, useProjectFollow } from '../realtime/context';

const TaskDrawer = lazy(() => import('./TaskDrawer'));

export function ProjectLayout() {
  const { pid = '' } = useParams();
  const project = useProject(pid);
  useProjectFollow(pid);
  const [params] = useSearchParams();
  const taskId = params.get('task');
  return (
    <div className="project">
      <div className="project-head">
        <div>
          {project.data ? (
            <h1>
              <span className="prefix">{project.data.task_id_prefix}</span> {project.data.name}
            </h1>
          ) : (
            <h1>…</h1>
          )}
        </div>
        <PresenceBar project={pid} />
      </div>
      <nav className="tabs">
        <NavLink to="board">Board</NavLink>
        <NavLink to="backlog">Backlog &amp; sprints</NavLink>
        <NavLink to="table">Table</NavLink>
        <NavLink to="timeline">Timeline</NavLink>
        <NavLink to="docs">Docs</NavLink>
        <NavLink to="agents">Agents</NavLink>
        <NavLink to="settings">Settings</NavLink>
      </nav>
      <ErrorBox error={project.error} onRetry={() => project.refetch()} />
      {/* The screen starts its own reads alongside the project's (each shows its own loading). */}
      {!project.isError && <Outlet />}
      {taskId && project.isSuccess && (
        <Suspense fallback={<div className="drawer"><Spinner /></div>}>
          <TaskDrawer project={project.data} taskId={taskId} />
        </Suspense>
      )}
    </div>
  );
}

function PresenceBar({ project }: { project: string }) {
  const others = usePresence(project);
  const connected = useConnected();
  // One avatar per person, however many tabs they have open; editing wins.
  const byUser = new Map<string, (typeof others)[number]>();
  for (const p of others) {
    const seen = byUser.get(p.user_id);
    if (!seen || (p.editing && !seen.editing)) byUser.set(p.user_id, p);
  }
  const list = [...byUser.values()];
  return (
    <div className="presence-bar" data-testid="presence-bar">
      <span className={`live-dot ${connected ? 'on' : 'off'}`} title={connected ? 'Live' : 'Reconnecting…'} />
      <span className="muted">{connected ? 'Live' : 'Reconnecting…'}</span>
      {list.map((p) => (
        <span key={p.user_id} className="avatar" title={`${p.username}${p.editing ? ' is editing' : ' is here'}`}>
          {initials(p.username)}
        </span>
      ))}
    </div>
  );
}

export function initials(name: string): string {
  const parts = name.split(/[\s._-]+/).filter(Boolean);
  return (parts.length > 1 ? parts[0][0] + parts[1][0] : name.slice(0, 2)).toUpperCase();
}
