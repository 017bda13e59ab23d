// Task statuses: rename, recolor and recategorize, reorder (the full order is sent), the
// default for new tasks, add and delete.

import { useState } from 'react';
import { api } from '../../api/client';
import { useStatuses } from '../../api/queries';
import type { StatusCategory, TaskStatus } from '../../api/types';
import { AddForm } from '../../components/forms';
import { DeleteButton, ErrorBox } from '../../components/ui';
import { statusColor } from '../board/Column';
import { useAction } from './action';
import { EditButton, EditorRow, SettingsTable } from './parts';

const CATEGORIES: StatusCategory[] = ['backlog', 'refinement', 'ready', 'todo', 'inprogress', 'done'];

export function Statuses({ project }: { project: string }) {
  const statuses = useStatuses(project);
  const { busy, error, run } = useAction(project);
  const [name, setName] = useState('');
  const [category, setCategory] = useState<StatusCategory>('todo');
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
      <SettingsTable
        query={statuses}
        empty="No statuses"
        testId="statuses"
        items={list}
        editor={(s, done) => <StatusEditor key={s.id} project={project} status={s} onDone={done} />}
        row={(s, edit, i) => (
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
              <EditButton label={`Edit status ${s.name}`} onClick={edit} />
              <DeleteButton
                confirmText={`Delete the status ${s.name}? Its tasks lose their status.`}
                onDelete={() => run('delete', () => api.del(`/projects/${project}/task-statuses/${s.id}`))}
              />
            </td>
          </tr>
        )}
      />
      <AddForm
        busy={busy === 'add'}
        submitLabel="Add status"
        onSubmit={() =>
          run('add', () => api.post(`/projects/${project}/task-statuses`, { name, category, position: list.length + 1 })).then((ok) => ok && setName(''))
        }
      >
        <input aria-label="New status name" placeholder="New status" value={name} onChange={(e) => setName(e.target.value)} required />
        <CategorySelect label="Category" value={category} onChange={setCategory} />
      </AddForm>
      <ErrorBox error={error} />
    </section>
  );
}

function StatusEditor({ project, status, onDone }: { project: string; status: TaskStatus; onDone: () => void }) {
  const [name, setName] = useState(status.name);
  const [color, setColor] = useState(status.color || statusColor(status.category));
  const [category, setCategory] = useState<StatusCategory>(status.category);
  return (
    <EditorRow
      project={project}
      colSpan={4}
      testId="status-editor"
      save={() => api.patch(`/projects/${project}/task-statuses/${status.id}`, { name, color, category })}
      onDone={onDone}
    >
      <input aria-label="Status name" value={name} onChange={(e) => setName(e.target.value)} required autoFocus />
      <input aria-label="Status color" type="color" value={color} onChange={(e) => setColor(e.target.value)} />
      <CategorySelect label="Status category" value={category} onChange={setCategory} />
    </EditorRow>
  );
}

function CategorySelect({ label, value, onChange }: { label: string; value: string; onChange: (c: StatusCategory) => void }) {
  return (
    <select aria-label={label} value={value} onChange={(e) => onChange(e.target.value as StatusCategory)}>
      {CATEGORIES.map((c) => (
        <option key={c}>{c}</option>
      ))}
    </select>
  );
}
