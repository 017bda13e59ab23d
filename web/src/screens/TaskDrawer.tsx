// Task detail in a drawer: every field, BlockNote description, comments with @mentions,
// the activity feed, presence (who looks, who edits) and version conflicts.

import { lazy, Suspense, useEffect, useMemo, useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useSearchParams } from 'react-router-dom';
import { api, errorText } from '../api/client';
import {
  keys,
  useActivities,
  useAgents,
  useCustomFields,
  useMembers,
  useSprints,
  useStatuses,
  useTask,
  useTaskTypes,
} from '../api/queries';
import { putTask, removeTask, useBoardTasks } from '../api/board';
import { isConflict, patchTask, type TaskChanges } from '../api/tasks';
import type { Activity, CustomField, Member, Project, Task } from '../api/types';
import { commentDoc, docText, type Mentionable } from '../components/blocks';
import { BlockView } from '../components/BlockView';
import { ErrorBoundary } from '../components/ErrorBoundary';
import { useRun } from '../components/run';
import { Busy, ErrorBox, Options, Spinner, fmtDate, fmtTime } from '../components/ui';
import { usePresence, useRealtime } from '../realtime/context';
import { ParentField, isEpic } from './task/ParentField';
import { LINK_LABELS, TaskLinks } from './task/TaskLinks';
import { WriteWithAi } from './task/WriteWithAi';

const RichTextEditor = lazy(() => import('../components/RichText'));

type Draft = Partial<Record<keyof Task, unknown>>;

const FIELD_LABELS: Record<string, string> = {
  title: 'Title',
  task_type_id: 'Type',
  status_id: 'Status',
  description: 'Description',
  importance: 'Importance',
  story_points: 'Story points',
  assignee_ids: 'Assignees',
  reporter_id: 'Reporter',
  tags: 'Tags',
  start_date: 'Start date',
  due_date: 'Due date',
  parent_task_id: 'Parent',
  sprint_id: 'Sprint',
  custom_fields: 'Custom fields',
};

export default function TaskDrawer({ project, taskId }: { project: Project; taskId: string }) {
  const pid = project.id;
  const [params, setParams] = useSearchParams();
  const task = useTask(pid, taskId);
  const rt = useRealtime();
  const close = () => {
    const next = new URLSearchParams(params);
    next.delete('task');
    setParams(next);
  };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && !(e.target as HTMLElement)?.closest?.('.rich-text') && close();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });
  useEffect(() => {
    rt?.setPresence(pid, taskId, false);
    return () => rt?.setPresence(pid, null, false);
  }, [rt, pid, taskId]);

  return (
    <>
      <div className="drawer-backdrop" onClick={close} />
      <aside className="drawer" aria-label="Task detail" data-testid="task-drawer">
        <div className="drawer-head">
          <span className="key">
            {project.task_id_prefix}-{task.data?.task_number ?? '…'}
          </span>
          <button className="btn ghost" aria-label="Close" onClick={close}>
            ×
          </button>
        </div>
        {task.isPending && <Spinner />}
        <ErrorBox error={task.error} onRetry={() => task.refetch()} />
        {task.data && <TaskEditor key={task.data.id} project={project} task={task.data} onDeleted={close} />}
      </aside>
    </>
  );
}

function TaskEditor({ project, task, onDeleted }: { project: Project; task: Task; onDeleted: () => void }) {
  const pid = project.id;
  const queries = useQueryClient();
  const rt = useRealtime();
  const statuses = useStatuses(pid);
  const types = useTaskTypes(pid);
  const members = useMembers(pid);
  const sprints = useSprints(pid);
  const fields = useCustomFields(pid);
  const allTasks = useBoardTasks(pid);
  const presence = usePresence(pid).filter((p) => p.task_id === task.id);

  // The version the draft was started from; stays put while there are unsaved changes.
  const [base, setBase] = useState<Task>(task);
  const [draft, setDraft] = useState<Draft>({});
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [conflict, setConflict] = useState<Task | null>(null);
  const [saved, setSaved] = useState(false);
  const dirty = Object.keys(draft).length > 0;

  useEffect(() => {
    if (!dirty) setBase(task);
  }, [task, dirty]);
  useEffect(() => {
    rt?.setPresence(pid, task.id, dirty);
  }, [rt, pid, task.id, dirty]);

  const value = <K extends keyof Task>(k: K): Task[K] => (k in draft ? (draft[k] as Task[K]) : base[k]);
  const set = (k: keyof Task, v: unknown) => {
    setSaved(false);
    setDraft((d) => ({ ...d, [k]: v }));
  };
  const changedElsewhere = dirty && task.version !== base.version;

  async function save(version: number | null) {
    setSaving(true);
    setError(null);
    try {
      const updated = await patchTask(pid, task.id, draft as TaskChanges, version);
      putTask(queries, updated);
      setDraft({});
      setBase(updated);
      setConflict(null);
      setSaved(true);
      queries.invalidateQueries({ queryKey: keys.activities(pid, task.id) });
    } catch (err) {
      if (isConflict(err)) {
        setConflict(err.current);
        putTask(queries, err.current);
      } else {
        setError(err);
      }
    } finally {
      setSaving(false);
    }
  }

  function discard() {
    setDraft({});
    setConflict(null);
    setBase(task);
  }

  async function remove() {
    if (!confirm('Delete this task?')) return;
    try {
      await api.del(`/projects/${pid}/tasks/${task.id}`, { headers: { 'If-Match': String(base.version) } });
      removeTask(queries, pid, task.id);
      onDeleted();
    } catch (err) {
      setError(err);
    }
  }

  const memberList = members.data ?? [];
  const memberName = (id?: string | null) => {
    const m = memberList.find((x) => x.id === id);
    return m ? m.full_name || m.username : id ? '(unknown)' : '—';
  };
  const assignees = (value('assignee_ids') as string[]) ?? [];
  const taskKey = (id: unknown) => {
    const t = allTasks.tasks.find((x) => x.id === id);
    return t ? `${project.task_id_prefix}-${t.task_number} ${t.title}` : 'a task';
  };
  const showValue = (k: string, t: Task): string => {
    const v = (t as any)[k];
    if (k === 'status_id') return statuses.data?.find((s) => s.id === v)?.name ?? '—';
    if (k === 'task_type_id') return types.data?.find((s) => s.id === v)?.name ?? '—';
    if (k === 'assignee_ids') return (v as string[]).map(memberName).join(', ') || '—';
    if (k === 'reporter_id') return memberName(v);
    if (k === 'sprint_id') return sprints.data?.find((s) => s.id === v)?.name ?? 'Backlog';
    if (k === 'description') return docText(v).slice(0, 200) || '—';
    if (k === 'tags') return (v as string[]).join(', ') || '—';
    if (k === 'start_date' || k === 'due_date') return fmtDate(v) || '—';
    if (k === 'custom_fields') return JSON.stringify(v);
    return v == null || v === '' ? '—' : String(v);
  };

  return (
    <div className="task-editor">
      {presence.length > 0 && (
        <div className="presence-note" data-testid="task-presence">
          {presence.map((p) => (
            <span key={p.socket_id} className={`presence${p.editing ? ' editing' : ''}`}>
              {p.editing ? `${p.username} is editing` : `${p.username} is looking`}
            </span>
          ))}
        </div>
      )}
      {changedElsewhere && !conflict && (
        <div className="notice" role="status">
          Someone else saved this task while you were editing. Saving will show what changed.
        </div>
      )}
      {conflict && (
        <div className="conflict" role="alert" data-testid="conflict">
          <strong>This task was changed by someone else (version {conflict.version}).</strong>
          <p className="muted">Your changes were not saved. Compare and choose:</p>
          <table className="diff">
            <thead>
              <tr>
                <th>Field</th>
                <th>Their saved value</th>
                <th>Your change</th>
              </tr>
            </thead>
            <tbody>
              {Object.keys(FIELD_LABELS)
                .filter((k) => k in draft || JSON.stringify((conflict as any)[k]) !== JSON.stringify((base as any)[k]))
                .map((k) => (
                  <tr key={k}>
                    <td>{FIELD_LABELS[k]}</td>
                    <td data-testid={`theirs-${k}`}>{showValue(k, conflict)}</td>
                    <td>{k in draft ? showValue(k, { ...base, ...draft } as Task) : <span className="muted">unchanged</span>}</td>
                  </tr>
                ))}
            </tbody>
          </table>
          <div className="actions">
            <Busy busy={saving} className="btn danger" onClick={() => save(conflict.version)}>
              Overwrite with mine
            </Busy>
            <button
              className="btn"
              onClick={() => {
                setBase(conflict);
                setConflict(null);
              }}
            >
              Keep editing on their version
            </button>
            <button className="btn ghost" onClick={discard}>
              Discard mine
            </button>
          </div>
        </div>
      )}

      <input
        className="title-input"
        aria-label="Title"
        value={value('title')}
        onChange={(e) => set('title', e.target.value)}
      />

      <div className="field-grid">
        <label>
          Type
          <select
            aria-label="Type"
            value={value('task_type_id') ?? ''}
            onChange={(e) => {
              const next = e.target.value || null;
              set('task_type_id', next);
              // The server refuses an epic with a parent: clear it with the change.
              if (isEpic(types.data, next) && value('parent_task_id')) set('parent_task_id', null);
            }}
          >
            <option value="">—</option>
            <Options items={types.data} label={(t) => t.name} />
          </select>
        </label>
        <label>
          Status
          <select aria-label="Status" value={value('status_id') ?? ''} onChange={(e) => set('status_id', e.target.value || null)}>
            <Options items={statuses.data} label={(s) => s.name} />
          </select>
        </label>
        <label>
          Importance
          <input type="number" min={0} aria-label="Importance" value={value('importance') ?? 0} onChange={(e) => set('importance', Number(e.target.value) || 0)} />
        </label>
        <label>
          Story points
          <input
            type="number"
            min={0}
            aria-label="Story points"
            value={value('story_points') ?? ''}
            onChange={(e) => set('story_points', e.target.value === '' ? null : Number(e.target.value))}
          />
        </label>
        <label>
          Sprint
          <select aria-label="Sprint" value={value('sprint_id') ?? ''} onChange={(e) => set('sprint_id', e.target.value || null)}>
            <option value="">Backlog</option>
            <Options items={sprints.data?.filter((s) => s.status !== 'completed' || s.id === base.sprint_id)} label={(s) => s.name} />
          </select>
        </label>
        <label>
          Reporter
          <select aria-label="Reporter" value={value('reporter_id') ?? ''} onChange={(e) => set('reporter_id', e.target.value || null)}>
            <option value="">—</option>
            <Options items={memberList} label={(m) => m.full_name || m.username} />
          </select>
        </label>
        <label>
          Start date
          <input type="date" aria-label="Start date" value={fmtDate(value('start_date'))} onChange={(e) => set('start_date', e.target.value || null)} />
        </label>
        <label>
          Due date
          <input type="date" aria-label="Due date" value={fmtDate(value('due_date'))} onChange={(e) => set('due_date', e.target.value || null)} />
        </label>
        <ParentField
          prefix={project.task_id_prefix}
          task={task}
          value={value('parent_task_id')}
          typeId={value('task_type_id')}
          types={types.data}
          tasks={allTasks.tasks}
          onChange={(v) => set('parent_task_id', v)}
        />
        <label>
          Tags
          <input
            aria-label="Tags"
            placeholder="comma, separated"
            value={((value('tags') as string[]) ?? []).join(', ')}
            onChange={(e) =>
              set(
                'tags',
                e.target.value
                  .split(',')
                  .map((s) => s.trim())
                  .filter((s, i, a) => s || i === a.length - 1),
              )
            }
            onBlur={() => dirty && 'tags' in draft && set('tags', ((draft.tags as string[]) ?? []).filter(Boolean))}
          />
        </label>
      </div>

      {'parent_task_id' in draft && draft.parent_task_id === null && base.parent_task_id && isEpic(types.data, value('task_type_id')) && (
        <div className="notice" role="status" data-testid="parent-cleared">
          The parent will be removed: an epic cannot have a parent.
        </div>
      )}

      <Assignees members={memberList} value={assignees} onChange={(ids) => set('assignee_ids', ids)} />

      {fields.data && fields.data.length > 0 && (
        <CustomFields
          defs={fields.data}
          value={(value('custom_fields') as Record<string, unknown>) ?? {}}
          onChange={(v) => set('custom_fields', v)}
        />
      )}

      <div className="section">
        <div className="section-head">
          <h3>Description</h3>
          <WriteWithAi project={pid} task={task.id} />
        </div>
        <ErrorBoundary fallback={() => <div className="muted">{docText(value('description')) || 'The description cannot be shown.'}</div>}>
          <Suspense fallback={<Spinner label="Loading the editor…" />}>
            <RichTextEditor value={base.description} onChange={(doc) => set('description', doc)} />
          </Suspense>
        </ErrorBoundary>
      </div>

      <ErrorBox error={error} />
      <div className="actions sticky">
        <Busy busy={saving} className="btn primary" disabled={!dirty} onClick={() => save(base.version)}>
          Save
        </Busy>
        <button className="btn" disabled={!dirty} onClick={discard}>
          Discard
        </button>
        {saved && !dirty && <span className="muted">Saved</span>}
        {!dirty && <span className="muted small">version {base.version}</span>}
        <span className="spacer" />
        <button className="btn ghost danger-text" onClick={remove}>
          Delete
        </button>
      </div>

      <TaskLinks project={pid} prefix={project.task_id_prefix} task={task} tasks={allTasks.tasks} />

      <Comments project={pid} task={task} members={memberList} taskKey={taskKey} />
    </div>
  );
}

function Assignees({ members, value, onChange }: { members: Member[]; value: string[]; onChange: (ids: string[]) => void }) {
  const [open, setOpen] = useState(false);
  const chosen = members.filter((m) => value.includes(m.id));
  return (
    <div className="section">
      <h3>Assignees</h3>
      <div className="chips" data-testid="assignees">
        {chosen.map((m) => (
          <span key={m.id} className={`chip${m.member_type === 'agent' ? ' agent' : ''}`}>
            {m.member_type === 'agent' ? <span className="bot">AI</span> : null}
            {m.full_name || m.username}
            <button aria-label={`Remove ${m.full_name || m.username}`} onClick={() => onChange(value.filter((v) => v !== m.id))}>
              ×
            </button>
          </span>
        ))}
        {chosen.length === 0 && <span className="muted">Nobody</span>}
        <button className="btn small" onClick={() => setOpen((o) => !o)}>
          {open ? 'Done' : 'Assign…'}
        </button>
      </div>
      {open && (
        <div className="pick-list" role="listbox" aria-label="Members">
          {members.map((m) => (
            <label key={m.id} className="check">
              <input
                type="checkbox"
                checked={value.includes(m.id)}
                onChange={(e) => onChange(e.target.checked ? [...value, m.id] : value.filter((v) => v !== m.id))}
              />
              {m.member_type === 'agent' ? <span className="bot">AI</span> : null}
              {m.full_name || m.username} <span className="muted">({m.member_type === 'agent' ? 'agent' : m.username})</span>
            </label>
          ))}
        </div>
      )}
    </div>
  );
}

function CustomFields({
  defs,
  value,
  onChange,
}: {
  defs: CustomField[];
  value: Record<string, unknown>;
  onChange: (v: Record<string, unknown>) => void;
}) {
  const put = (k: string, v: unknown) => {
    const next = { ...value };
    if (v === '' || v == null || (Array.isArray(v) && v.length === 0)) delete next[k];
    else next[k] = v;
    onChange(next);
  };
  return (
    <div className="section">
      <h3>Custom fields</h3>
      <div className="field-grid">
        {defs.map((f) => {
          const v = value[f.field_key];
          let input;
          switch (f.field_type) {
            case 'number':
              input = <input type="number" value={(v as number) ?? ''} onChange={(e) => put(f.field_key, e.target.value === '' ? null : Number(e.target.value))} />;
              break;
            case 'boolean':
              input = <input type="checkbox" checked={!!v} onChange={(e) => put(f.field_key, e.target.checked)} />;
              break;
            case 'date':
              input = <input type="date" value={fmtDate(v as string)} onChange={(e) => put(f.field_key, e.target.value)} />;
              break;
            case 'select':
              input = (
                <select value={(v as string) ?? ''} onChange={(e) => put(f.field_key, e.target.value)}>
                  <option value="">—</option>
                  {f.options.map((o) => (
                    <option key={o}>{o}</option>
                  ))}
                </select>
              );
              break;
            case 'multi_select':
              input = (
                <select
                  multiple
                  value={(v as string[]) ?? []}
                  onChange={(e) => put(f.field_key, [...e.target.selectedOptions].map((o) => o.value))}
                >
                  {f.options.map((o) => (
                    <option key={o}>{o}</option>
                  ))}
                </select>
              );
              break;
            default:
              input = <input type={f.field_type === 'url' ? 'url' : 'text'} value={(v as string) ?? ''} onChange={(e) => put(f.field_key, e.target.value)} />;
          }
          return (
            <label key={f.id}>
              {f.display_name}
              {f.is_required ? ' *' : ''}
              {input}
            </label>
          );
        })}
      </div>
    </div>
  );
}

function Comments({
  project,
  task,
  members,
  taskKey,
}: {
  project: string;
  task: Task;
  members: Member[];
  taskKey: (id: unknown) => string;
}) {
  const queries = useQueryClient();
  const activities = useActivities(project, task.id);
  const agents = useAgents(project);
  const [text, setText] = useState('');
  const { busy, error, run } = useRun();

  const people: Mentionable[] = useMemo(() => {
    const list: Mentionable[] = [];
    for (const m of members) {
      if (m.member_type === 'human') list.push({ id: m.user_id, name: m.username, label: m.full_name || m.username, agent: false });
    }
    for (const a of agents.data ?? []) list.push({ id: a.id, name: a.handle, label: a.name, agent: true });
    return list;
  }, [members, agents.data]);

  const query = /@([A-Za-z0-9._-]*)$/.exec(text)?.[1];
  const suggestions = query !== undefined ? people.filter((p) => p.name.toLowerCase().startsWith(query.toLowerCase())).slice(0, 6) : [];

  function submit(e: FormEvent) {
    e.preventDefault();
    if (!text.trim()) return;
    run('comment', async () => {
      await api.post(`/projects/${project}/tasks/${task.id}/activities/comments`, { content: commentDoc(text.trim(), people) });
      setText('');
      queries.invalidateQueries({ queryKey: keys.activities(project, task.id) });
    });
  }

  const memberById = new Map(members.map((m) => [m.id, m]));
  const items = [...(activities.data ?? [])].sort((a, b) => a.created_at.localeCompare(b.created_at));
  return (
    <div className="section">
      <h3>Activity</h3>
      {activities.isPending && <Spinner />}
      <ErrorBox error={activities.error} />
      {activities.isSuccess && items.length === 0 && <div className="muted">No activity yet.</div>}
      <ol className="feed" data-testid="activity-feed">
        {items.map((a) => (
          <ActivityItem key={a.id} a={a} memberById={memberById} project={project} task={task} taskKey={taskKey} />
        ))}
      </ol>
      <form onSubmit={submit} className="comment-form">
        <textarea
          aria-label="Comment"
          placeholder="Write a comment… use @ to mention someone"
          value={text}
          rows={3}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.metaKey || e.ctrlKey)) submit(e as unknown as FormEvent);
          }}
        />
        {suggestions.length > 0 && (
          <div className="suggestions" role="listbox" aria-label="Mention">
            {suggestions.map((p) => (
              <button
                type="button"
                key={p.id}
                onClick={() => setText(text.replace(/@([A-Za-z0-9._-]*)$/, `@${p.name} `))}
              >
                {p.agent ? <span className="bot">AI</span> : null}
                {p.label} <span className="muted">@{p.name}</span>
              </button>
            ))}
          </div>
        )}
        <ErrorBox error={error} />
        <Busy busy={busy !== null} className="btn primary" type="submit" disabled={!text.trim()}>
          Comment
        </Busy>
      </form>
    </div>
  );
}

function ActivityItem({
  a,
  memberById,
  project,
  task,
  taskKey,
}: {
  a: Activity;
  memberById: Map<string, Member>;
  project: string;
  task: Task;
  taskKey: (id: unknown) => string;
}) {
  const queries = useQueryClient();
  const actor = a.actor_name || a.actor_username || (a.actor_id ? memberById.get(a.actor_id)?.full_name : '') || 'System';
  const isAgent = a.actor_id ? memberById.get(a.actor_id)?.member_type === 'agent' : false;
  let body: React.ReactNode;
  if (a.activity_type === 'comment') {
    body = <BlockView doc={a.content} className="comment" testId="comment" />;
  } else {
    const name = (id: unknown) => {
      const m = memberById.get(String(id));
      return m ? m.full_name || m.username : 'someone';
    };
    body = <div className="muted">{describe(a, name, taskKey)}</div>;
  }
  async function remove() {
    try {
      await api.del(`/projects/${project}/tasks/${task.id}/activities/comments/${a.id}`);
      queries.invalidateQueries({ queryKey: keys.activities(project, task.id) });
    } catch (err) {
      alert(errorText(err));
    }
  }
  return (
    <li className={`feed-item ${a.activity_type === 'comment' ? 'is-comment' : ''}`} data-activity-type={a.activity_type}>
      <div className="feed-head">
        <strong>
          {isAgent ? <span className="bot">AI</span> : null}
          {actor}
        </strong>
        <span className="muted small">{fmtTime(a.created_at)}</span>
        {a.activity_type === 'comment' && (
          <button className="btn ghost small" onClick={remove} aria-label="Delete comment">
            ×
          </button>
        )}
      </div>
      {body}
    </li>
  );
}

function describe(a: Activity, name: (id: unknown) => string, taskKey: (id: unknown) => string): string {
  const c = (typeof a.content === 'string' ? safeParse(a.content) : a.content) as any;
  switch (a.activity_type) {
    case 'task.created':
      return 'created the task';
    case 'task.deleted':
      return 'deleted the task';
    case 'task.updated': {
      const changes: any[] = Array.isArray(c?.changes) ? c.changes : [];
      if (changes.length === 0) return 'updated the task';
      return changes
        .map((ch) => {
          const f = String(ch.field).replace(/_/g, ' ');
          const simple = (v: unknown) => (v == null ? 'none' : typeof v === 'object' ? (Array.isArray(v) ? `${v.length} item(s)` : '…') : String(v));
          if (ch.field === 'description') return 'changed the description';
          if (ch.field === 'assignee') {
            const list = (v: unknown) => (Array.isArray(v) && v.length ? v.map(name).join(', ') : 'nobody');
            return `changed assignees from ${list(ch.old)} to ${list(ch.new)}`;
          }
          if (ch.field === 'reporter') return `changed the reporter to ${ch.new ? name(ch.new) : 'nobody'}`;
          if (ch.field === 'parent_task') return ch.new ? `set the parent to ${taskKey(ch.new)}` : 'removed the parent';
          return `changed ${f} from ${simple(ch.old)} to ${simple(ch.new)}`;
        })
        .join('; ');
    }
    case 'task.link.added': {
      const kind = LINK_LABELS[c?.link_type as keyof typeof LINK_LABELS]?.toLowerCase() ?? 'links to';
      return `linked: ${kind} ${taskKey(c?.target_task_id)}`;
    }
    case 'task.link.removed':
      return 'removed a link';
    case 'agent.session.started':
      return 'started an agent session';
    default:
      return a.activity_type.replace(/[._]/g, ' ');
  }
}

function safeParse(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}
