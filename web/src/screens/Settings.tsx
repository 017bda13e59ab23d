// Project settings: details and members here; roles, statuses, task types and custom fields
// in settings/.

import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate, useParams } from 'react-router-dom';
import { api } from '../api/client';
import { keys, useAdminUsers, useMembers, useProject, useRoles } from '../api/queries';
import { AddForm } from '../components/forms';
import { Busy, ErrorBox, Options } from '../components/ui';
import { PROJECT_KEYS, useProjectGrants } from '../permissions';
import { useAction } from './settings/action';
import { Fields } from './settings/Fields';
import { SettingsTable } from './settings/parts';
import { Roles } from './settings/Roles';
import { Statuses } from './settings/Statuses';
import { Types } from './settings/Types';

export function SettingsScreen() {
  const { pid = '' } = useParams();
  const { can, loaded } = useProjectGrants(pid);
  const readOnly = loaded && !can(PROJECT_KEYS.write) && !can(PROJECT_KEYS.tasksWrite) && !can(PROJECT_KEYS.membersWrite);
  // Each part is disabled (shown, not editable) without the permission its changes need.
  return (
    <div className="settings-page">
      {readOnly && (
        <div className="notice" role="status" data-testid="settings-read-only">
          You can see this project's settings; changing them needs a role with more permissions.
        </div>
      )}
      <Details project={pid} canEdit={can(PROJECT_KEYS.write)} canDelete={can(PROJECT_KEYS.delete)} />
      <Members project={pid} canEdit={can(PROJECT_KEYS.membersWrite)} canEditRoles={can(PROJECT_KEYS.rolesWrite)} />
      <fieldset className="plain" disabled={!can(PROJECT_KEYS.tasksWrite)}>
        <Statuses project={pid} />
        <Types project={pid} />
        <Fields project={pid} />
      </fieldset>
    </div>
  );
}

function Details({ project, canEdit, canDelete }: { project: string; canEdit: boolean; canDelete: boolean }) {
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
      <fieldset className="plain" disabled={!canEdit}>
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
          {canDelete && (
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
          )}
        </div>
      </form>
      </fieldset>
    </section>
  );
}

function Members({ project, canEdit, canEditRoles }: { project: string; canEdit: boolean; canEditRoles: boolean }) {
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
      <fieldset className="plain" disabled={!canEdit}>
      <SettingsTable
        query={members}
        empty="No members"
        items={members.data}
        row={(m) => (
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
                <Options items={roles.data} label={(r) => r.role_name} />
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
        )}
      />
      {users.isSuccess && canEdit && (
        <AddForm
          busy={busy === 'add'}
          submitLabel="Add member"
          onSubmit={() =>
            run('add', () => api.post(`/projects/${project}/members`, { user_id: userId, project_role_id: roleId || roles.data?.find((r) => r.role_name === 'Editor')?.id }))
          }
        >
          <select aria-label="User to add" value={userId} onChange={(e) => setUserId(e.target.value)} required>
            <option value="">Add a user…</option>
            <Options items={candidates} label={(u) => `${u.full_name || u.username} (@${u.username})`} />
          </select>
          <select aria-label="Role for the new member" value={roleId} onChange={(e) => setRoleId(e.target.value)}>
            <option value="">Editor</option>
            <Options items={roles.data} label={(r) => r.role_name} />
          </select>
        </AddForm>
      )}
      <ErrorBox error={error} />
      </fieldset>
      <fieldset className="plain" disabled={!canEditRoles}>
        <Roles project={project} />
      </fieldset>
    </section>
  );
}
