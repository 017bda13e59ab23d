// Administration: users (create, role, disable, reset password, delete) and global roles.

import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import { keys, listOf, useAdminUsers, useGlobalRoles } from '../api/queries';
import { AddForm } from '../components/forms';
import { useRun } from '../components/run';
import { DeleteButton, Empty, ErrorBox, Options, Spinner, fmtTime } from '../components/ui';
import { grants, useSession } from '../session';

function tempPassword(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(9));
  return btoa(String.fromCharCode(...bytes)).replace(/[+/=]/g, 'x');
}

export function AdminScreen() {
  const { permissions } = useSession();
  const may = (key: string) => grants(permissions, key);
  const canWrite = may('users.write');
  const canDelete = may('users.delete');
  const canAssign = may('global_roles.assign');
  if (!['users.write', 'users.delete', 'global_roles.write', 'global_roles.assign', 'system.read'].some(may)) {
    return (
      <div className="page">
        <div className="page-head">
          <h1>Administration</h1>
        </div>
        <Empty title="Administration is for administrators">Your account cannot manage users or roles. Ask an administrator if you need a change.</Empty>
      </div>
    );
  }
  return <Administration canWrite={canWrite} canDelete={canDelete} canAssign={canAssign} canRoles={may('global_roles.write')} />;
}

function Administration({ canWrite, canDelete, canAssign, canRoles }: { canWrite: boolean; canDelete: boolean; canAssign: boolean; canRoles: boolean }) {
  const users = useAdminUsers();
  const roles = useGlobalRoles();
  const queries = useQueryClient();
  const { busy, error, run } = useRun(() => queries.invalidateQueries({ queryKey: ['admin'] }));
  const [info, setInfo] = useState<string | null>(null);
  const [form, setForm] = useState({ username: '', full_name: '', password: tempPassword(), role: 'USER' });
  const roleList = listOf(roles.data);

  function create() {
    run('create', async () => {
      await api.post('/admin/users', form);
      setInfo(`Created ${form.username} with temporary password ${form.password} (to be changed at first sign-in).`);
      setForm({ username: '', full_name: '', password: tempPassword(), role: 'USER' });
    });
  }

  return (
    <div className="page">
      <div className="page-head">
        <h1>Administration</h1>
      </div>
      <section className="card-section">
        <h2>Users</h2>
        {canWrite && <AddForm busy={busy === 'create'} submitLabel="Create user" buttonClassName="btn primary" onSubmit={create}>
          <input aria-label="Username" placeholder="username" value={form.username} onChange={(e) => setForm({ ...form, username: e.target.value })} required />
          <input aria-label="Full name" placeholder="Full name" value={form.full_name} onChange={(e) => setForm({ ...form, full_name: e.target.value })} />
          <input aria-label="Temporary password" value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} required minLength={8} />
          <select aria-label="Global role" value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value })}>
            {(roleList.length ? roleList.map((r) => r.name) : ['USER', 'ADMIN', 'SUPER_ADMIN']).map((n) => (
              <option key={n}>{n}</option>
            ))}
          </select>
        </AddForm>}
        {info && <div className="notice">{info}</div>}
        <ErrorBox error={error ?? users.error} />
        {users.isPending && <Spinner />}
        {users.isSuccess && users.data.items.length === 0 && <Empty title="No users" />}
        <table className="grid" data-testid="admin-users">
          <thead>
            <tr>
              <th>User</th>
              <th>Role</th>
              <th>State</th>
              <th>Created</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {users.data?.items.map((u) => (
              <tr key={u.id}>
                <td>
                  {u.full_name || u.username} <span className="muted">@{u.username}</span>
                </td>
                <td>
                  <select
                    disabled={!canAssign}
                    aria-label={`Role of ${u.username}`}
                    value={roleList.find((r) => r.name === u.role)?.id ?? ''}
                    onChange={(e) => run('role', () => api.put(`/admin/users/${u.id}/global-roles`, { role_ids: [e.target.value] }))}
                  >
                    {!roleList.some((r) => r.name === u.role) && <option value="">{u.role}</option>}
                    <Options items={roleList} label={(r) => r.name} />
                  </select>
                </td>
                <td>
                  {u.is_active ? 'active' : <span className="pill failed">disabled</span>}
                  {u.must_change_password && <span className="muted small"> · must change password</span>}
                </td>
                <td>{fmtTime(u.created_at)}</td>
                <td className="num">
                  {canWrite && <>
                  <button className="btn small ghost" onClick={() => run('active', () => api.patch(`/admin/users/${u.id}`, { is_active: !u.is_active }))}>
                    {u.is_active ? 'Disable' : 'Enable'}
                  </button>
                  <button
                    className="btn small ghost"
                    onClick={() => {
                      const pw = tempPassword();
                      run('reset', async () => {
                        await api.patch(`/admin/users/${u.id}/password`, { new_password: pw });
                        setInfo(`Temporary password for ${u.username}: ${pw}`);
                      });
                    }}
                  >
                    Reset password
                  </button>
                  </>}
                  {canDelete && <DeleteButton confirmText={`Delete ${u.username}?`} onDelete={() => run('delete', () => api.del(`/admin/users/${u.id}`))} />}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <GlobalRoles canEdit={canRoles} />
    </div>
  );
}

function GlobalRoles({ canEdit }: { canEdit: boolean }) {
  const roles = useGlobalRoles();
  const queries = useQueryClient();
  const [name, setName] = useState('');
  const [perms, setPerms] = useState('projects.read');
  const { busy, error, setError, run } = useRun(() => queries.invalidateQueries({ queryKey: keys.globalRoles }));
  const list = listOf(roles.data);
  const toMap = (s: string) => Object.fromEntries(s.split(/[\s,]+/).filter(Boolean).map((k) => [k, true]));
  function create() {
    run('add', async () => {
      await api.post('/admin/global-roles', { name, permissions: toMap(perms) });
      setName('');
    });
  }
  async function remove(id: string) {
    try {
      await api.del(`/admin/global-roles/${id}`);
      await queries.invalidateQueries({ queryKey: keys.globalRoles });
    } catch (err) {
      setError(err);
    }
  }
  return (
    <section className="card-section">
      <h2>Global roles</h2>
      {roles.isPending && <Spinner />}
      <table className="grid">
        <tbody>
          {list.map((r) => (
            <tr key={r.id}>
              <td>
                {r.name} {r.is_system && <span className="pill">system</span>}
              </td>
              <td className="muted small">{Object.keys(r.permissions).filter((k) => r.permissions[k]).join(', ')}</td>
              <td className="num">
                {canEdit && !r.is_system && <DeleteButton onDelete={() => remove(r.id)} />}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {canEdit && <AddForm busy={busy === 'add'} submitLabel="Add role" onSubmit={create}>
        <input aria-label="Role name" placeholder="Role name" value={name} onChange={(e) => setName(e.target.value)} required />
        <input aria-label="Permissions" placeholder="permissions, e.g. projects.read users.read" value={perms} onChange={(e) => setPerms(e.target.value)} />
      </AddForm>}
      <ErrorBox error={error} />
    </section>
  );
}
