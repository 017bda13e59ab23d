// The project list, with creation (task-id prefix suggested from the name).

import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from 'react-router-dom';
import { api } from '../api/client';
import { keys, useProjects } from '../api/queries';
import type { Project } from '../api/types';
import { ModalForm } from '../components/forms';
import { useRun } from '../components/run';
import { Empty, ErrorBox, Spinner } from '../components/ui';
import { grants, useSession } from '../session';

/** Paca's rule: first four letters of a one-word name, else initials of up to four words. */
export function suggestPrefix(name: string): string {
  const cleaned = [...name].filter((c) => /[\p{L}\p{N}\s]/u.test(c)).join('');
  const words = cleaned.split(/\s+/).filter(Boolean);
  if (words.length === 0) return 'PROJ';
  if (words.length === 1) return [...words[0]].slice(0, 4).join('').toUpperCase();
  return words
    .slice(0, 4)
    .map((w) => [...w][0])
    .join('')
    .toUpperCase();
}

export function ProjectsScreen() {
  const projects = useProjects();
  const { permissions } = useSession();
  const [creating, setCreating] = useState(false);
  const canCreate = grants(permissions, 'projects.create');
  const list = projects.data?.items ?? [];
  return (
    <div className="page">
      <div className="page-head">
        <h1>Projects</h1>
        {canCreate && (
          <button className="btn primary" onClick={() => setCreating(true)}>
            New project
          </button>
        )}
      </div>
      {projects.isPending && <Spinner />}
      <ErrorBox error={projects.error} onRetry={() => projects.refetch()} />
      {projects.isSuccess && list.length === 0 && (
        <Empty title="No projects yet">{canCreate ? 'Create the first one to start planning.' : 'Ask an administrator to add you to a project.'}</Empty>
      )}
      <div className="project-grid">
        {list.map((p) => (
          <Link key={p.id} to={`/projects/${p.id}/board`} className="project-card" data-testid="project-card">
            <span className="prefix">{p.task_id_prefix}</span>
            <strong>{p.name}</strong>
            {p.description && <span className="muted">{p.description}</span>}
          </Link>
        ))}
      </div>
      {creating && <CreateProject onClose={() => setCreating(false)} />}
    </div>
  );
}

function CreateProject({ onClose }: { onClose: () => void }) {
  const queries = useQueryClient();
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [prefix, setPrefix] = useState('');
  const [prefixTouched, setPrefixTouched] = useState(false);
  const { busy, error, run } = useRun();
  const shownPrefix = prefixTouched ? prefix : name.trim() ? suggestPrefix(name) : '';

  function submit() {
    run('create', async () => {
      const p = await api.post<Project>('/projects', {
        name: name.trim(),
        description,
        task_id_prefix: shownPrefix || undefined,
      });
      await queries.invalidateQueries({ queryKey: keys.projects });
      navigate(`/projects/${p.id}/board`);
    });
  }

  return (
    <ModalForm title="New project" onClose={onClose} onSubmit={submit} busy={busy !== null} error={error} submitLabel="Create project">
      <label>
        Name
        <input name="name" value={name} onChange={(e) => setName(e.target.value)} required autoFocus />
      </label>
      <label>
        Task ID prefix
        <input
          name="task_id_prefix"
          value={shownPrefix}
          maxLength={10}
          onChange={(e) => {
            setPrefixTouched(true);
            setPrefix(e.target.value.toUpperCase());
          }}
          placeholder="Suggested from the name"
        />
        <small className="muted">1–10 letters or digits; tasks are numbered {shownPrefix || 'PROJ'}-1, {shownPrefix || 'PROJ'}-2…</small>
      </label>
      <label>
        Description
        <textarea name="description" value={description} onChange={(e) => setDescription(e.target.value)} rows={3} />
      </label>
    </ModalForm>
  );
}
