// Project roles: their permission maps edited as a matrix of domains × read / write / all,
// new roles, renames and deletion (refused by the server while members hold the role).

import { useState } from 'react';
import { api } from '../../api/client';
import { useRoles } from '../../api/queries';
import type { ProjectRole } from '../../api/types';
import { AddForm, FormActions } from '../../components/forms';
import { DeleteButton, ErrorBox } from '../../components/ui';
import { useAction } from './action';
import { EditButton, SettingsTable } from './parts';

/** The project-scoped permission domains (Paca's keys), each with `.read`, `.write` and `.*`. */
export const DOMAINS: { key: string; label: string }[] = [
  { key: 'projects', label: 'Project' },
  { key: 'project.members', label: 'Members' },
  { key: 'project.roles', label: 'Roles' },
  { key: 'tasks', label: 'Tasks (types, statuses, fields, comments, links)' },
  { key: 'sprints', label: 'Sprints and views' },
  { key: 'docs', label: 'Docs' },
  { key: 'agents', label: 'Agents and conversations' },
  { key: 'workflows', label: 'Workflows' },
];
const LEVELS = ['read', 'write', '*'] as const;
const KNOWN = new Set(DOMAINS.flatMap((d) => LEVELS.map((l) => `${d.key}.${l}`)));

/** A short summary: "tasks: all", "docs: read", … */
function summary(perms: Record<string, boolean>): string {
  if (perms['*']) return 'everything';
  const parts = DOMAINS.map((d) => {
    if (perms[`${d.key}.*`]) return `${d.label.split(' ')[0].toLowerCase()}: all`;
    const got = ['read', 'write'].filter((l) => perms[`${d.key}.${l}`]);
    return got.length ? `${d.label.split(' ')[0].toLowerCase()}: ${got.join('+')}` : '';
  }).filter(Boolean);
  const other = Object.keys(perms).filter((k) => perms[k] && !KNOWN.has(k));
  return [...parts, ...other].join(', ') || 'nothing';
}

export function Roles({ project }: { project: string }) {
  const roles = useRoles(project);
  const { busy, error, run } = useAction(project);
  const [name, setName] = useState('');
  return (
    <>
      <h3>Roles</h3>
      <SettingsTable
        query={roles}
        empty="No roles"
        testId="roles"
        items={roles.data}
        editor={(r, done) => (
          <tr key={r.id}>
            <td colSpan={3}>
              <RoleEditor project={project} role={r} onDone={done} />
            </td>
          </tr>
        )}
        row={(r, edit) => (
          <tr key={r.id}>
            <td>{r.role_name}</td>
            <td className="muted small">{summary(r.permissions)}</td>
            <td className="num">
              <EditButton label={`Edit role ${r.role_name}`} onClick={edit} />
              <DeleteButton confirmText={`Delete the role ${r.role_name}?`} onDelete={() => run('delete', () => api.del(`/projects/${project}/roles/${r.id}`))} />
            </td>
          </tr>
        )}
      />
      <AddForm
        busy={busy === 'add'}
        submitLabel="Add role"
        onSubmit={() =>
          run('add', () => api.post(`/projects/${project}/roles`, { role_name: name, permissions: { 'projects.read': true, 'tasks.read': true } })).then(
            (ok) => ok && setName(''),
          )
        }
      >
        <input aria-label="New role name" placeholder="New role" value={name} onChange={(e) => setName(e.target.value)} required />
      </AddForm>
      <ErrorBox error={error} />
    </>
  );
}

function RoleEditor({ project, role, onDone }: { project: string; role: ProjectRole; onDone: () => void }) {
  const { busy, error, run } = useAction(project);
  const [name, setName] = useState(role.role_name);
  const [perms, setPerms] = useState<Record<string, boolean>>(() =>
    Object.fromEntries(Object.entries(role.permissions).filter(([, v]) => v)),
  );
  const all = !!perms['*'];
  const toggle = (key: string, on: boolean) =>
    setPerms((p) => {
      const next = { ...p };
      if (on) next[key] = true;
      else delete next[key];
      return next;
    });
  const other = Object.keys(perms).filter((k) => k !== '*' && !KNOWN.has(k));
  return (
    <form
      className="form role-editor"
      data-testid="role-editor"
      onSubmit={(e) => {
        e.preventDefault();
        run('save', () => api.patch(`/projects/${project}/roles/${role.id}`, { role_name: name, permissions: perms })).then((ok) => ok && onDone());
      }}
    >
      <label>
        Role name
        <input aria-label="Role name" value={name} onChange={(e) => setName(e.target.value)} required />
      </label>
      {all && <div className="notice">This role holds every permission (*).</div>}
      <table className="grid permissions">
        <thead>
          <tr>
            <th>Permission</th>
            <th>Read</th>
            <th>Write</th>
            <th>All</th>
          </tr>
        </thead>
        <tbody>
          {DOMAINS.map((d) => {
            const star = all || !!perms[`${d.key}.*`];
            return (
              <tr key={d.key}>
                <td>
                  {d.label} <code className="small">{d.key}</code>
                </td>
                {LEVELS.map((l) => {
                  const key = `${d.key}.${l}`;
                  const implied = l !== '*' && star;
                  return (
                    <td key={l}>
                      <input
                        type="checkbox"
                        aria-label={key}
                        checked={implied || (l === '*' && all) || !!perms[key]}
                        disabled={all || implied}
                        onChange={(e) => toggle(key, e.target.checked)}
                      />
                    </td>
                  );
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
      {other.length > 0 && <div className="muted small">Also granted (kept as they are): {other.join(', ')}</div>}
      <ErrorBox error={error} />
      <FormActions busy={busy === 'save'} submitLabel="Save role" onCancel={onDone} />
    </form>
  );
}
