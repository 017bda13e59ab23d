// Custom fields: add, edit after creation (name, required, the options of a select), delete.
// The key is fixed once created; values no longer among the options are dropped by the server.

import { useState } from 'react';
import { api } from '../../api/client';
import { useCustomFields } from '../../api/queries';
import type { CustomField } from '../../api/types';
import { AddForm } from '../../components/forms';
import { DeleteButton, ErrorBox } from '../../components/ui';
import { useAction } from './action';
import { EditButton, EditorRow, SettingsTable } from './parts';

const TYPES = ['text', 'number', 'date', 'select', 'multi_select', 'boolean', 'url'];
const hasOptions = (t: string) => t === 'select' || t === 'multi_select';
const splitOptions = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

const EMPTY = { field_key: '', display_name: '', field_type: 'text', options: '' };

export function Fields({ project }: { project: string }) {
  const fields = useCustomFields(project);
  const { busy, error, run } = useAction(project);
  const [f, setF] = useState(EMPTY);
  return (
    <section className="card-section">
      <h2>Custom fields</h2>
      <SettingsTable
        query={fields}
        empty="No custom fields"
        testId="custom-fields"
        items={fields.data}
        editor={(c, done) => <FieldEditor key={c.id} project={project} field={c} onDone={done} />}
        row={(c, edit) => (
          <tr key={c.id}>
            <td>
              {c.display_name}
              {c.is_required ? ' *' : ''}
            </td>
            <td className="muted">
              {c.field_key} · {c.field_type}
              {c.options.length ? ` (${c.options.join(', ')})` : ''}
            </td>
            <td className="num">
              <EditButton label={`Edit field ${c.display_name}`} onClick={edit} />
              <DeleteButton onDelete={() => run('delete', () => api.del(`/projects/${project}/custom-fields/${c.id}`))} />
            </td>
          </tr>
        )}
      />
      <AddForm
        busy={busy === 'add'}
        submitLabel="Add field"
        onSubmit={() =>
          run('add', () =>
            api.post(`/projects/${project}/custom-fields`, {
              field_key: f.field_key,
              display_name: f.display_name,
              field_type: f.field_type,
              options: splitOptions(f.options),
            }),
          ).then((ok) => ok && setF(EMPTY))
        }
      >
        <input aria-label="Field name" placeholder="Display name" value={f.display_name} onChange={(e) => setF({ ...f, display_name: e.target.value })} required />
        <input aria-label="Field key" placeholder="key" value={f.field_key} onChange={(e) => setF({ ...f, field_key: e.target.value })} required />
        <select aria-label="Field type" value={f.field_type} onChange={(e) => setF({ ...f, field_type: e.target.value })}>
          {TYPES.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
        {hasOptions(f.field_type) && (
          <input aria-label="Options" placeholder="options, comma separated" value={f.options} onChange={(e) => setF({ ...f, options: e.target.value })} />
        )}
      </AddForm>
      <ErrorBox error={error} />
    </section>
  );
}

function FieldEditor({ project, field, onDone }: { project: string; field: CustomField; onDone: () => void }) {
  const [name, setName] = useState(field.display_name);
  const [required, setRequired] = useState(field.is_required);
  const [options, setOptions] = useState(field.options.join(', '));
  const dropped = field.options.filter((o) => !splitOptions(options).includes(o));
  function save() {
    const body: Record<string, unknown> = { display_name: name, is_required: required };
    if (hasOptions(field.field_type)) body.options = splitOptions(options);
    return api.patch(`/projects/${project}/custom-fields/${field.id}`, body);
  }
  return (
    <EditorRow
      project={project}
      colSpan={3}
      testId="field-editor"
      save={save}
      onDone={onDone}
      notice={dropped.length > 0 && <div className="notice small">Tasks lose their value for removed options: {dropped.join(', ')}.</div>}
    >
      <input aria-label="Field display name" value={name} onChange={(e) => setName(e.target.value)} required autoFocus />
      <span className="muted small">
        {field.field_key} · {field.field_type}
      </span>
      {hasOptions(field.field_type) && (
        <input aria-label="Field options" placeholder="options, comma separated" value={options} onChange={(e) => setOptions(e.target.value)} />
      )}
      <label className="check">
        <input type="checkbox" checked={required} onChange={(e) => setRequired(e.target.checked)} /> Required
      </label>
    </EditorRow>
  );
}
