// Task types: rename and recolor (system types such as Epic are fixed), the default for new
// tasks, add and delete.

import { useState } from 'react';
import { api } from '../../api/client';
import { useTaskTypes } from '../../api/queries';
import type { TaskType } from '../../api/types';
import { AddForm } from '../../components/forms';
import { DeleteButton, ErrorBox } from '../../components/ui';
import { useAction } from './action';
import { EditButton, EditorRow, SettingsTable } from './parts';

export function Types({ project }: { project: string }) {
  const types = useTaskTypes(project);
  const { busy, error, run } = useAction(project);
  const [name, setName] = useState('');
  return (
    <section className="card-section">
      <h2>Task types</h2>
      <SettingsTable
        query={types}
        empty="No task types"
        testId="task-types"
        items={types.data}
        editor={(t, done) => <TypeEditor key={t.id} project={project} type={t} onDone={done} />}
        row={(t, edit) => (
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
                  <EditButton label={`Edit type ${t.name}`} onClick={edit} />
                  <DeleteButton onDelete={() => run('delete', () => api.del(`/projects/${project}/task-types/${t.id}`))} />
                </>
              )}
            </td>
          </tr>
        )}
      />
      <AddForm
        busy={busy === 'add'}
        submitLabel="Add type"
        onSubmit={() => run('add', () => api.post(`/projects/${project}/task-types`, { name })).then((ok) => ok && setName(''))}
      >
        <input aria-label="New task type" placeholder="New type" value={name} onChange={(e) => setName(e.target.value)} required />
      </AddForm>
      <ErrorBox error={error} />
    </section>
  );
}

function TypeEditor({ project, type, onDone }: { project: string; type: TaskType; onDone: () => void }) {
  const [name, setName] = useState(type.name);
  const [color, setColor] = useState(type.color || '#94a3b8');
  return (
    <EditorRow project={project} colSpan={3} save={() => api.patch(`/projects/${project}/task-types/${type.id}`, { name, color })} onDone={onDone}>
      <input aria-label="Type name" value={name} onChange={(e) => setName(e.target.value)} required autoFocus />
      <input aria-label="Type color" type="color" value={color} onChange={(e) => setColor(e.target.value)} />
    </EditorRow>
  );
}
