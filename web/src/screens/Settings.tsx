// Project settings: details, members and roles, task types, statuses, custom fields.

import { useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate, useParams } from 'react-router-dom';
import { api } from '../api/client';
import { keys, useAdminUsers, useCustomFields, useMembers, useProject, useRoles, useStatuses, useTaskTypes } from '../api/queries';
import { Busy, Empty, ErrorBox, Spinner } from '../components/ui';

/** Runs an action with progress and error state; refreshes the project's caches after. */
function useAction(project: string) {
  const queries = useQueryClient();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  async function run(name: string, fn: () => Promise<unknown>) {
    setBusy(name);
    setError(null);
    try {
      await fn();
      await queries.invalidateQueries({ queryKey: keys.project(project) });
      return true;
    } catch (err) {
      setError(err);
      return false;
    } finally {
      setBusy(null);
    }
  }
  return { busy, error, run };
}

export function SettingsScreen() {
  const { pid = '' } = useParams();
  return (
    <div className="settings-page">
      <Details project={pid} />
      <Members project={pid} />
      <Statuses project={pid} />
      <Types project={pid} />
      <Fields project={pid} />
    </div>
  );
}

function Details({ project }: { project: string }) {
  const p = useProject(project);
  const navigate = useNavigate();
  const queries = useQueryClient();
  const { busy, error, run } = useAction(project);
  const [name, setName] = useState<string | null>(null);
  const [description, setDescription] = useState<string | null>(null);
  if (!p.data) return null;
  return (
    <section className="card-section">
      <h2>Project</h2>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          run('save', () => api.patch(`/projects/${project}`, { name: name ?? p.data.name, description: description ?? p.data.description })).then(() =>
            queries.invalidateQueries({ queryKey: keys.projects }),
          );
        }}
      >
        <div className="row">
          <label>
            Name
            <input value={name ?? p.data.name} onChange={(e) => setName(e.target.value)} />
          </label>
          <label>
            Task ID prefix
            <input value={p.data.task_id_prefix} disabled />
          </label>
        </div>
        <label>
          Description
          <textarea rows={2} value={description ?? p.data.description} onChange={(e) => setDescription(e.target.value)} />
        </label>
        <ErrorBox error={error} />
        <div className="actions">
          <Busy busy={busy === 'save'} className="btn primary" type="submit">
            Save
          </Busy>
          <span className="spacer" />
          <button
            type="button"
            className="btn danger"
            onClick={() => {
              if (confirm(`Delete project ${p.data.name}?`))
                run('delete', () => api.del(`/projects/${project}`)).then((ok) => {
                  if (ok) {
                    queries.invalidateQueries({ queryKey: keys.projects });
                    navigate('/');
                  }
                });
            }}
          >
            Delete project
          </button>
        </div>
      </form>
    </section>
  );
}

function Members({ project }: { project: string }) {
  const members = useMembers(project);
  const roles = useRoles(project);
  const users = useAdminUsers();
  const { busy, error, run } = useAction(project);
  const [userId, setUserId] = useState('');
  const [roleId, setRoleId] = useState('');
  const memberUserIds = new Set((members.data ?? []).map((m) => m.user_id));
  const candidates = (users.data?.items ?? []).filter((u) => !memberUserIds.has(u.id));
  return (
    <section className="card-section">
      <h2>Members</h2>
      {members.isPending && <Spinner />}
      {members.isSuccess && members.data.length === 0 && <Empty title="No members" />}
      <table className="grid">
        <tbody>
          {members.data?.map((m) => (
            <tr key={m.id}>
              <td>
                {m.member_type === 'agent' ? <span className="bot">AI</span> : null}
                {m.full_name || m.username} <span className="muted">{m.member_type === 'human' ? `@${m.username}` : 'agent'}</span>
              </td>
              <td>
                <select
                  aria-label={`Role of ${m.username}`}
                  value={m.project_role_id}
                  onChange={(e) => run('role', () => api.patch(`/projects/${project}/members/${m.id}`, { project_role_id: e.target.value }))}
                >
                  {roles.data?.map((r) => (
                    <option key={r.id} value={r.id}>
                      {r.role_name}
                    </option>
                  ))}
                </select>
              </td>
              <td className="num">
                {m.member_type === 'human' && (
                  <button className="btn small ghost" onClick={() => run('remove', () => api.del(`/projects/${project}/members/${m.id}`))}>
                    Remove
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {users.isSuccess && (
        <form
          className="inline-form"
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            run('add', () => api.post(`/projects/${project}/members`, { user_id: userId, project_role_id: roleId || roles.data?.find((r) => r.role_name === 'Editor')?.id }));
          }}
        >
          <select aria-label="User to add" value={userId} onChange={(e) => setUserId(e.target.value)} required>
            <option value="">Add a user…</option>
            {candidates.map((u) => (
              <option key={u.id} value={u.id}>
                {u.full_name || u.username} (@{u.username})
              </option>
            ))}
          </select>
          <select aria-label="Role for the new member" value={roleId} onChange={(e) => setRoleId(e.target.value)}>
            <option value="">Editor</option>
            {roles.data?.map((r) => (
              <option key={r.id} value={r.id}>
                {r.role_name}
              </option>
            ))}
          </select>
          <Busy busy={busy === 'add'} className="btn" type="submit">
            Add member
          </Busy>
        </form>
      )}
      <ErrorBox error={error} />
      <h3>Roles</h3>
      <table className="grid">
        <tbody>
          {roles.data?.map((r) => (
            <tr key={r.id}>
              <td>{r.role_name}</td>
              <td className="muted small">{Object.keys(r.permissions).filter((k) => r.permissions[k]).join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Statuses({ project }: { project: string }) {
  const statuses = useStatuses(project);
  const { busy, error, run } = useAction(project);
  const [name, setName] = useState('');
  const [category, setCategory] = useState('todo');
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
      <table className="grid">
        <tbody>
          {list.map((s, i) => (
            <tr key={s.id}>
              <td>{s.name}</td>
              <td className="muted">{s.category}</td>
              <td>{s.is_default ? <span className="pill">default</span> : <button className="btn small ghost" onClick={() => run('default', () => api.put(`/projects/${project}/task-statuses/${s.id}/set-default`))}>Make default</button>}</td>
              <td className="num">
                <button className="btn small ghost" disabled={i === 0} onClick={() => move(i, -1)} aria-label={`Move ${s.name} up`}>
                  ↑
                </button>
                <button className="btn small ghost" disabled={i === list.length - 1} onClick={() => move(i, 1)} aria-label={`Move ${s.name} down`}>
                  ↓
                </button>
                <button className="btn small ghost" onClick={() => run('delete', () => api.del(`/projects/${project}/task-statuses/${s.id}`))}>
                  Delete
                </button>
              </td>
            </tr>
          ))}
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
          {['backlog', 'refinement', 'ready', 'todo', 'inprogress', 'done'].map((c) => (
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

function Types({ project }: { project: string }) {
  const types = useTaskTypes(project);
  const { busy, error, run } = useAction(project);
  const [name, setName] = useState('');
  return (
    <section className="card-section">
      <h2>Task types</h2>
      <table className="grid">
        <tbody>
          {types.data?.map((t) => (
            <tr key={t.id}>
              <td>{t.name}</td>
              <td>{t.is_system && <span className="pill">system</span>} {t.is_default && <span className="pill">default</span>}</td>
              <td className="num">
                {!t.is_default && (
                  <button className="btn small ghost" onClick={() => run('default', () => api.put(`/projects/${project}/task-types/${t.id}/set-default`))}>
                    Make default
                  </button>
                )}
                {!t.is_system && (
                  <button className="btn small ghost" onClick={() => run('delete', () => api.del(`/projects/${project}/task-types/${t.id}`))}>
                    Delete
                  </button>
                )}
              </td>
            </tr>
          ))}
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

function Fields({ project }: { project: string }) {
  const fields = useCustomFields(project);
  const { busy, error, run } = useAction(project);
  const [f, setF] = useState({ field_key: '', display_name: '', field_type: 'text', options: '' });
  return (
    <section className="card-section">
      <h2>Custom fields</h2>
      {fields.isSuccess && fields.data.length === 0 && <Empty title="No custom fields" />}
      <table className="grid">
        <tbody>
          {fields.data?.map((c) => (
            <tr key={c.id}>
              <td>{c.display_name}</td>
              <td className="muted">
                {c.field_key} · {c.field_type}
                {c.options.length ? ` (${c.options.join(', ')})` : ''}
              </td>
              <td className="num">
                <button className="btn small ghost" onClick={() => run('delete', () => api.del(`/projects/${project}/custom-fields/${c.id}`))}>
                  Delete
                </button>
              </td>
            </tr>
          ))}
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
              options: f.options
                .split(',')
                .map((s) => s.trim())
                .filter(Boolean),
            }),
          ).then((ok) => ok && setF({ field_key: '', display_name: '', field_type: 'text', options: '' }));
        }}
      >
        <input aria-label="Field name" placeholder="Display name" value={f.display_name} onChange={(e) => setF({ ...f, display_name: e.target.value })} required />
        <input aria-label="Field key" placeholder="key" value={f.field_key} onChange={(e) => setF({ ...f, field_key: e.target.value })} required />
        <select aria-label="Field type" value={f.field_type} onChange={(e) => setF({ ...f, field_type: e.target.value })}>
          {['text', 'number', 'date', 'select', 'multi_select', 'boolean', 'url'].map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
        {(f.field_type === 'select' || f.field_type === 'multi_select') && (
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
