// The command palette (Cmd/Ctrl+K) and the keyboard shortcuts: `c` creates a task in the
// project on screen, `/` focuses the screen's search (or opens the palette), `?` lists the
// shortcuts. Single-key shortcuts never fire while typing in a field or with a dialog open.
// The palette searches the tasks already in the cache (the project's board read) by key or
// title, and jumps to screens and projects.

import { useEffect, useMemo, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useLocation, useNavigate } from 'react-router-dom';
import { api } from '../api/client';
import { putTask, useBoardTasks } from '../api/board';
import { useProject, useProjects, useReporterId } from '../api/queries';
import type { Task } from '../api/types';
import { ModalForm } from './forms';
import { Modal } from './ui';

interface Entry {
  id: string;
  label: string;
  hint: string;
  go: () => void;
}

const SCREENS: [string, string][] = [
  ['board', 'Board'],
  ['backlog', 'Backlog & sprints'],
  ['table', 'Table'],
  ['timeline', 'Timeline'],
  ['agents', 'Agents'],
  ['settings', 'Settings'],
];

/** Whether a key press is aimed at a field (or a dialog), where single-key shortcuts must not fire. */
function typing(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  if (!t) return false;
  if (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName)) return true;
  return !!t.closest?.('[contenteditable="true"], .modal, .palette');
}

export function Shortcuts() {
  const location = useLocation();
  const project = /^\/projects\/([^/]+)/.exec(location.pathname)?.[1];
  const [open, setOpen] = useState<'palette' | 'help' | 'create' | null>(null);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.metaKey || e.ctrlKey) && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        setOpen((o) => (o === 'palette' ? null : 'palette'));
        return;
      }
      if (e.metaKey || e.ctrlKey || e.altKey || open || typing(e)) return;
      if (e.key === '?') {
        e.preventDefault();
        setOpen('help');
      } else if (e.key === '/') {
        e.preventDefault();
        const search = document.querySelector<HTMLInputElement>('[data-search]');
        if (search) search.focus();
        else setOpen('palette');
      } else if (e.key === 'c' && project) {
        e.preventDefault();
        setOpen('create');
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [open, project]);

  const close = () => setOpen(null);
  if (open === 'palette') return <Palette project={project} onClose={close} />;
  if (open === 'help') return <Help onClose={close} />;
  if (open === 'create' && project) return <CreateTask project={project} onClose={close} />;
  return null;
}

function Palette({ project, onClose }: { project?: string; onClose: () => void }) {
  const navigate = useNavigate();
  const projects = useProjects();
  const current = useProject(project ?? '');
  const tasks = useBoardTasks(project ?? '', !!project);
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const prefix = current.data?.task_id_prefix ?? '';

  const entries = useMemo(() => {
    const q = query.trim().toLowerCase();
    const out: Entry[] = [];
    const match = (s: string) => !q || s.toLowerCase().includes(q);
    if (project && q) {
      // Tasks: a key ("AL-4", "al-4", "4") first, then titles.
      const number = /^(?:[a-z]+-)?(\d+)$/i.exec(q)?.[1];
      const found: Task[] = [];
      for (const t of tasks.tasks) {
        const key = `${prefix}-${t.task_number}`.toLowerCase();
        if (key === q || (number && String(t.task_number) === number)) found.unshift(t);
        else if (t.title.toLowerCase().includes(q) || key.startsWith(q)) found.push(t);
        if (found.length >= 50) break;
      }
      for (const t of found.slice(0, 8)) {
        out.push({
          id: `task-${t.id}`,
          label: `${prefix}-${t.task_number} ${t.title}`,
          hint: 'Task',
          go: () => navigate(`/projects/${project}/board?task=${t.id}`),
        });
      }
    }
    if (project) {
      for (const [path, label] of SCREENS) {
        if (match(label) || match(`go to ${label}`)) out.push({ id: `screen-${path}`, label, hint: current.data?.name ?? 'Screen', go: () => navigate(`/projects/${project}/${path}`) });
      }
    }
    for (const [path, label] of [
      ['/', 'Projects'],
      ['/notifications', 'Notifications'],
      ['/api-keys', 'API keys'],
    ] as const) {
      if (match(label)) out.push({ id: `page-${path}`, label, hint: 'Page', go: () => navigate(path) });
    }
    for (const p of projects.data?.items ?? []) {
      if (match(p.name) || match(p.task_id_prefix)) out.push({ id: `project-${p.id}`, label: p.name, hint: `Project ${p.task_id_prefix}`, go: () => navigate(`/projects/${p.id}/board`) });
    }
    return out.slice(0, 20);
  }, [query, project, tasks.tasks, prefix, projects.data, current.data, navigate]);

  useEffect(() => setActive(0), [query]);
  const choose = (e: Entry | undefined) => {
    if (!e) return;
    onClose();
    e.go();
  };

  return (
    <div className="modal-backdrop palette-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="modal palette" role="dialog" aria-label="Command palette">
        <input
          autoFocus
          role="combobox"
          aria-expanded="true"
          aria-controls="palette-results"
          aria-activedescendant={entries[active] ? `palette-${entries[active].id}` : undefined}
          aria-label="Search tasks, screens and projects"
          placeholder={project ? 'Search tasks by key or title, or jump to…' : 'Jump to a project or page…'}
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown') {
              e.preventDefault();
              setActive((a) => Math.min(a + 1, entries.length - 1));
            } else if (e.key === 'ArrowUp') {
              e.preventDefault();
              setActive((a) => Math.max(a - 1, 0));
            } else if (e.key === 'Enter') {
              e.preventDefault();
              choose(entries[active]);
            } else if (e.key === 'Escape') {
              e.preventDefault();
              onClose();
            }
          }}
        />
        <ul id="palette-results" role="listbox" aria-label="Results" className="palette-results">
          {entries.map((e, i) => (
            <li
              key={e.id}
              id={`palette-${e.id}`}
              role="option"
              aria-selected={i === active}
              className={i === active ? 'active' : ''}
              onMouseEnter={() => setActive(i)}
              onMouseDown={(ev) => {
                ev.preventDefault();
                choose(e);
              }}
            >
              <span>{e.label}</span>
              <span className="muted small">{e.hint}</span>
            </li>
          ))}
          {entries.length === 0 && <li className="muted">Nothing matches.</li>}
        </ul>
      </div>
    </div>
  );
}

function Help({ onClose }: { onClose: () => void }) {
  const rows: [string, string][] = [
    ['Ctrl K / ⌘ K', 'Search tasks, jump to a screen or project'],
    ['c', 'Create a task in this project'],
    ['/', 'Focus the search of this screen'],
    ['?', 'Show these shortcuts'],
    ['Esc', 'Close a dialog or the task (edits are saved first)'],
  ];
  return (
    <Modal title="Keyboard shortcuts" onClose={onClose}>
      <table className="grid" data-testid="shortcuts">
        <tbody>
          {rows.map(([k, what]) => (
            <tr key={k}>
              <td>
                <kbd>{k}</kbd>
              </td>
              <td>{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Modal>
  );
}

function CreateTask({ project, onClose }: { project: string; onClose: () => void }) {
  const queries = useQueryClient();
  const navigate = useNavigate();
  const location = useLocation();
  const reporter = useReporterId(project);
  const [title, setTitle] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function submit() {
    if (!title.trim()) return;
    setBusy(true);
    try {
      const task = await api.post<Task>(`/projects/${project}/tasks`, { title: title.trim(), reporter_id: reporter });
      putTask(queries, task);
      onClose();
      const onTaskScreen = /\/(board|backlog|table|timeline)$/.test(location.pathname);
      navigate(`${onTaskScreen ? location.pathname : `/projects/${project}/board`}?task=${task.id}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }
  return (
    <ModalForm title="New task" onClose={onClose} onSubmit={submit} busy={busy} error={error} submitLabel="Create task">
      <label>
        Title
        <input autoFocus value={title} onChange={(e) => setTitle(e.target.value)} required />
      </label>
    </ModalForm>
  );
}
