// Task types: rename and recolor (system types such as Epic are fixed), the default for new
// tasks, add and delete.

import { useState } from 'react';
import { api } from '../../api/client';
import { useTaskTypes } from '../../api/queries';
import type { TaskType } from '../../api/types';
import { Busy, Empty, ErrorBox, Spinner } from '../../components/ui';
import { useAction } from './action';

export function Types({ project }: { project: string }) {
  const types = useTaskTypes(project);
  const { busy, error, run } = useAction(project);
  const [name, setName] = useState('');
  const [editing, setEditing] = useState<string | null>(null);
  return (
    <section className="card-section">
      <h2>Task types</h2>
      {types.isPending && <Spinner />}
      <ErrorBox error={types.error} onRetry={() => types.refetch()} />
      {types.isSuccess && types.data.length === 0 && <Empty title="No task types" />}
      <table className="grid" data-testid="task-types">
        <tbody>
          {types.data?.map((t) =>
            editing === t.id ? (
              <TypeEditor key={t.id} project={project} type={t} onDone={() => setEditing(null)} />
            ) : (
              <tr key={t.id}>
                <td>
                  {t.color && <span className="status-dot" style={{ background: t.color }} />} {t.name}
                </td>
                <td>
                  {t.is_system && <span className="pill">system</span>} {t.is_default && <span className="pill">default</span>}
                </td>
                <td className="num">
                  {!t.is_default && (
                    <button className="btn small ghost" onClick={() => run('default', () => api.put(`/projects/${project}/task-types/${t.id}/set-default`))}>
                      Make default
                    </button>
                  )}
                  {!t.is_system && (
                    <>
                      <button className="btn small ghost" onClick={() => setEditing(t.id)} aria-label={`Edit type ${t.name}`}>
                        Edit
                      </button>
                      <button className="btn small ghost" onClick={() => run('delete', () => api.del(`/projects/${project}/task-types/${t.id}`))}>
                        Delete
                      </button>
                    </>
                  )}
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
          run('add', () => api.post(`/projects/${project}/task-types`, { name })).then((ok) => ok && setName(''));
        }}
      >
        <input aria-label="New task type" placeholder="New type" value={name} onChange={(e) => setName(e.target.value)} required />
        <Busy busy={busy === 'add'} className="btn" type="submit">
          Add type
        </Busy>
      </form>
      <ErrorBox error={error} />
    </section>
  );
}

function TypeEditor({ project, type, onDone }: { project: string; type: TaskType; onDone: () => void }) {
  const { busy, error, run } = useAction(project);
  const [name, setName] = useState(type.name);
  const [color, setColor] = useState(type.color || '#94a3b8');
  return (
    <tr>
      <td colSpan={3}>
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            run('save', () => api.patch(`/projects/${project}/task-types/${type.id}`, { name, color })).then((ok) => ok && onDone());
          }}
        >
          <input aria-label="Type name" value={name} onChange={(e) => setName(e.target.value)} required autoFocus />
          <input aria-label="Type color" type="color" value={color} onChange={(e) => setColor(e.target.value)} />
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
