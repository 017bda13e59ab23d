// Custom fields: add, edit after creation (name, required, the options of a select), delete.
// The key is fixed once created; values no longer among the options are dropped by the server.

import { useState } from 'react';
import { api } from '../../api/client';
import { useCustomFields } from '../../api/queries';
import type { CustomField } from '../../api/types';
import { Busy, Empty, ErrorBox, Spinner } from '../../components/ui';
import { useAction } from './action';

const TYPES = ['text', 'number', 'date', 'select', 'multi_select', 'boolean', 'url'];
const hasOptions = (t: string) => t === 'select' || t === 'multi_select';
const splitOptions = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

export function Fields({ project }: { project: string }) {
  const fields = useCustomFields(project);
  const { busy, error, run } = useAction(project);
  const [f, setF] = useState({ field_key: '', display_name: '', field_type: 'text', options: '' });
  const [editing, setEditing] = useState<string | null>(null);
  return (
    <section className="card-section">
      <h2>Custom fields</h2>
      {fields.isPending && <Spinner />}
      <ErrorBox error={fields.error} onRetry={() => fields.refetch()} />
      {fields.isSuccess && fields.data.length === 0 && <Empty title="No custom fields" />}
      <table className="grid" data-testid="custom-fields">
        <tbody>
          {fields.data?.map((c) =>
            editing === c.id ? (
              <FieldEditor key={c.id} project={project} field={c} onDone={() => setEditing(null)} />
            ) : (
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
                  <button className="btn small ghost" onClick={() => setEditing(c.id)} aria-label={`Edit field ${c.display_name}`}>
                    Edit
                  </button>
                  <button className="btn small ghost" onClick={() => run('delete', () => api.del(`/projects/${project}/custom-fields/${c.id}`))}>
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
          run('add', () =>
            api.post(`/projects/${project}/custom-fields`, {
              field_key: f.field_key,
              display_name: f.display_name,
              field_type: f.field_type,
              options: splitOptions(f.options),
            }),
          ).then((ok) => ok && setF({ field_key: '', display_name: '', field_type: 'text', options: '' }));
        }}
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
        <Busy busy={busy === 'add'} className="btn" type="submit">
          Add field
        </Busy>
      </form>
      <ErrorBox error={error} />
    </section>
  );
}

function FieldEditor({ project, field, onDone }: { project: string; field: CustomField; onDone: () => void }) {
  const { busy, error, run } = useAction(project);
  const [name, setName] = useState(field.display_name);
  const [required, setRequired] = useState(field.is_required);
  const [options, setOptions] = useState(field.options.join(', '));
  const dropped = field.options.filter((o) => !splitOptions(options).includes(o));
  return (
    <tr data-testid="field-editor">
      <td colSpan={3}>
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            const body: Record<string, unknown> = { display_name: name, is_required: required };
            if (hasOptions(field.field_type)) body.options = splitOptions(options);
            run('save', () => api.patch(`/projects/${project}/custom-fields/${field.id}`, body)).then((ok) => ok && onDone());
          }}
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
          <Busy busy={busy === 'save'} className="btn small primary" type="submit">
            Save
          </Busy>
          <button type="button" className="btn small" onClick={onDone}>
            Cancel
          </button>
        </form>
        {dropped.length > 0 && (
          <div className="notice small">Tasks lose their value for removed options: {dropped.join(', ')}.</div>
        )}
        <ErrorBox error={error} />
      </td>
    </tr>
  );
}
