// Task statuses: rename, recolor and recategorize, reorder (the full order is sent), the
// default for new tasks, add and delete.

import { useState } from 'react';
import { api } from '../../api/client';
import { useStatuses } from '../../api/queries';
import type { StatusCategory, TaskStatus } from '../../api/types';
import { Busy, Empty, ErrorBox, Spinner } from '../../components/ui';
import { statusColor } from '../board/Board';
import { useAction } from './action';

const CATEGORIES: StatusCategory[] = ['backlog', 'refinement', 'ready', 'todo', 'inprogress', 'done'];

export function Statuses({ project }: { project: string }) {
  const statuses = useStatuses(project);
  const { busy, error, run } = useAction(project);
  const [name, setName] = useState('');
  const [category, setCategory] = useState('todo');
  const [editing, setEditing] = useState<string | null>(null);
  const list = statuses.data ?? [];
  const move = (i: number, d: number) => {
    const ids = list.map((s) => s.id);
    const [x] = ids.splice(i, 1);
    ids.splice(i + d, 0, x);
    run('order', () => api.put(`/projects/${project}/task-statuses/positions`, { status_ids: ids }));
  };
  return (
    <section className="card-section">
      <h2>Statuses</h2>
      {statuses.isPending && <Spinner />}
      <ErrorBox error={statuses.error} onRetry={() => statuses.refetch()} />
      {statuses.isSuccess && list.length === 0 && <Empty title="No statuses" />}
      <table className="grid" data-testid="statuses">
        <tbody>
          {list.map((s, i) =>
            editing === s.id ? (
              <StatusEditor key={s.id} project={project} status={s} onDone={() => setEditing(null)} />
            ) : (
              <tr key={s.id} data-status={s.name}>
                <td>
                  <span className="status-dot" style={{ background: s.color || statusColor(s.category) }} /> {s.name}
                </td>
                <td className="muted">{s.category}</td>
                <td>
                  {s.is_default ? (
                    <span className="pill">default</span>
                  ) : (
                    <button className="btn small ghost" onClick={() => run('default', () => api.put(`/projects/${project}/task-statuses/${s.id}/set-default`))}>
                      Make default
                    </button>
                  )}
                </td>
                <td className="num">
                  <button className="btn small ghost" disabled={i === 0 || busy === 'order'} onClick={() => move(i, -1)} aria-label={`Move ${s.name} up`}>
                    ↑
                  </button>
                  <button
                    className="btn small ghost"
                    disabled={i === list.length - 1 || busy === 'order'}
                    onClick={() => move(i, 1)}
                    aria-label={`Move ${s.name} down`}
                  >
                    ↓
                  </button>
                  <button className="btn small ghost" onClick={() => setEditing(s.id)} aria-label={`Edit status ${s.name}`}>
                    Edit
                  </button>
                  <button
                    className="btn small ghost"
                    onClick={() => confirm(`Delete the status ${s.name}? Its tasks lose their status.`) && run('delete', () => api.del(`/projects/${project}/task-statuses/${s.id}`))}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ),
          )}
        </tbody>
      </table>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          run('add', () => api.post(`/projects/${project}/task-statuses`, { name, category, position: list.length + 1 })).then((ok) => ok && setName(''));
        }}
      >
        <input aria-label="New status name" placeholder="New status" value={name} onChange={(e) => setName(e.target.value)} required />
        <select aria-label="Category" value={category} onChange={(e) => setCategory(e.target.value)}>
          {CATEGORIES.map((c) => (
            <option key={c}>{c}</option>
          ))}
        </select>
        <Busy busy={busy === 'add'} className="btn" type="submit">
          Add status
        </Busy>
      </form>
      <ErrorBox error={error} />
    </section>
  );
}

function StatusEditor({ project, status, onDone }: { project: string; status: TaskStatus; onDone: () => void }) {
  const { busy, error, run } = useAction(project);
  const [name, setName] = useState(status.name);
  const [color, setColor] = useState(status.color || statusColor(status.category));
  const [category, setCategory] = useState<StatusCategory>(status.category);
  return (
    <tr data-testid="status-editor">
      <td colSpan={4}>
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            run('save', () => api.patch(`/projects/${project}/task-statuses/${status.id}`, { name, color, category })).then((ok) => ok && onDone());
          }}
        >
          <input aria-label="Status name" value={name} onChange={(e) => setName(e.target.value)} required autoFocus />
          <input aria-label="Status color" type="color" value={color} onChange={(e) => setColor(e.target.value)} />
          <select aria-label="Status category" value={category} onChange={(e) => setCategory(e.target.value as StatusCategory)}>
            {CATEGORIES.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
          <Busy busy={busy === 'save'} className="btn small primary" type="submit">
            Save
          </Busy>
          <button type="button" className="btn small" onClick={onDone}>
            Cancel
          </button>
        </form>
        <ErrorBox error={error} />
      </td>
    </tr>
  );
}
