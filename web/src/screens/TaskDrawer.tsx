// Task detail in a drawer (a dialog): every field saved on its own as it changes (text after a
// pause or on leaving the field), BlockNote description, comments with @mentions, the activity
// feed, presence (who looks, who edits) and version conflicts. Closing saves what is pending
// first; a conflict or a failed save keeps the drawer open.

import { lazy, Suspense, useEffect, useMemo, useRef, useState, type FormEvent, type MutableRefObject } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { api, errorText } from '../api/client';
import {
  keys,
  useActivities,
  useAgents,
  useAgentsAtWork,
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
import { MentionInput } from '../components/MentionInput';
import { useRun } from '../components/run';
import { Busy, ErrorBox, Options, Spinner, fmtBytes, fmtDate, fmtTime } from '../components/ui';
import { usePresence, useRealtime } from '../realtime/context';
import { PROJECT_KEYS, useProjectGrants } from '../permissions';
import { useChangeSearchParams } from './searchParams';
import { Attachments } from './task/Attachments';
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
  const changeParams = useChangeSearchParams();
  const task = useTask(pid, taskId);
  const rt = useRealtime();
  const flush = useRef<(() => Promise<boolean>) | null>(null);
  const aside = useRef<HTMLElement>(null);
  // From the address as it is when the save ends, which may have changed while it ran.
  const closeNow = () => changeParams((next) => next.delete('task'));
  // Closing never loses an edit: what is pending is saved first (a conflict keeps it open).
  const close = async () => {
    if (flush.current && !(await flush.current())) return;
    closeNow();
  };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented) return;
      const target = e.target as HTMLElement | null;
      if (target?.closest?.('.rich-text, .modal, .palette')) return;
      // An unsent comment is not thrown away by Escape: the first one leaves the box.
      if (target instanceof HTMLTextAreaElement && target.closest('.comment-form') && target.value.trim()) {
        target.blur();
        return;
      }
      void close();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });
  // A dialog: focus moves in when it opens and back to what opened it when it closes.
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    aside.current?.focus();
    return () => {
      if (opener && opener !== document.body && document.contains(opener)) opener.focus();
    };
  }, []);
  useEffect(() => {
    rt?.setPresence(pid, taskId, false);
    return () => rt?.setPresence(pid, null, false);
  }, [rt, pid, taskId]);

  const key = `${project.task_id_prefix}-${task.data?.task_number ?? '…'}`;
  return (
    <>
      <div className="drawer-backdrop" onClick={() => void close()} />
      <aside
        className="drawer"
        role="dialog"
        aria-modal="true"
        aria-label={`Task ${key}`}
        data-testid="task-drawer"
        tabIndex={-1}
        ref={aside}
      >
        <div className="drawer-head">
          <span className="key">{key}</span>
          <button className="btn ghost close-button" aria-label="Close" onClick={() => void close()}>
            ×
          </button>
        </div>
        {task.isPending && <Spinner />}
        <ErrorBox error={task.error} onRetry={() => task.refetch()} />
        {task.data && <TaskEditor key={task.data.id} project={project} task={task.data} onDeleted={closeNow} flushRef={flush} />}
      </aside>
    </>
  );
}

/** Fields saved after a pause in typing (or on leaving the field); the others save at once. */
const TYPED_FIELDS = new Set(['title', 'tags', 'description', 'importance', 'story_points', 'custom_fields']);
const TYPING_PAUSE_MS = 700;

function TaskEditor({
  project,
  task,
  onDeleted,
  flushRef,
}: {
  project: Project;
  task: Task;
  onDeleted: () => void;
  flushRef: MutableRefObject<(() => Promise<boolean>) | null>;
}) {
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
  const grantsHere = useProjectGrants(pid);
  const atWork = useAgentsAtWork(pid).get(task.id);
  const readOnly = grantsHere.loaded && !grantsHere.can(PROJECT_KEYS.tasksWrite);

  // The version the draft was started from; stays put while there are unsaved changes. The refs
  // mirror the state for the saver, which runs outside React's render (timers, closing).
  const [base, setBaseState] = useState<Task>(task);
  const [draft, setDraftState] = useState<Draft>({});
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [conflict, setConflictState] = useState<Task | null>(null);
  const [saved, setSaved] = useState(false);
  const baseRef = useRef(base);
  const draftRef = useRef(draft);
  const conflictRef = useRef(conflict);
  const inFlight = useRef<Promise<void> | null>(null);
  const setBase = (t: Task) => {
    baseRef.current = t;
    setBaseState(t);
  };
  const setDraft = (fn: (d: Draft) => Draft) => {
    draftRef.current = fn(draftRef.current);
    setDraftState(draftRef.current);
  };
  const setConflict = (t: Task | null) => {
    conflictRef.current = t;
    setConflictState(t);
  };
  const dirty = Object.keys(draft).length > 0;

  // Follow the saved task while nothing is pending; never step back to an older version (a
  // late read must not make the next save look stale).
  useEffect(() => {
    if (!dirty && task.version >= baseRef.current.version) setBase(task);
  }, [task, dirty]); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => {
    rt?.setPresence(pid, task.id, dirty);
  }, [rt, pid, task.id, dirty]);

  const value = <K extends keyof Task>(k: K): Task[K] => (k in draft ? (draft[k] as Task[K]) : base[k]);
  const set = (k: keyof Task, v: unknown) => {
    setSaved(false);
    setError(null);
    setDraft((d) => ({ ...d, [k]: v }));
  };
  const changedElsewhere = dirty && task.version !== base.version;

  /** Saves the pending changes (after the one in flight); `version` null overwrites. */
  function save(version: number | null = baseRef.current.version): Promise<void> {
    if (inFlight.current) return inFlight.current.then(() => (conflictRef.current ? undefined : save()));
    const sent = draftRef.current;
    if (Object.keys(sent).length === 0) return Promise.resolve();
    const body: Draft = { ...sent };
    if (Array.isArray(body.tags)) body.tags = (body.tags as string[]).filter(Boolean);
    const run = (async () => {
      setSaving(true);
      setError(null);
      try {
        const updated = await patchTask(pid, task.id, body as TaskChanges, version);
        putTask(queries, updated);
        // Keep what changed again while this save was on its way.
        setDraft((d) => {
          const next = { ...d };
          for (const k of Object.keys(sent) as (keyof Task)[]) if (next[k] === sent[k]) delete next[k];
          return next;
        });
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
        inFlight.current = null;
        setSaving(false);
      }
    })();
    inFlight.current = run;
    return run;
  }

  /** Saves what is pending now; whether nothing is left unsaved. */
  async function flush(): Promise<boolean> {
    if (inFlight.current) await inFlight.current;
    if (conflictRef.current) return false;
    if (Object.keys(draftRef.current).length > 0) await save();
    return !conflictRef.current && Object.keys(draftRef.current).length === 0;
  }
  flushRef.current = flush;

  // Autosave: a chosen value at once, typing after a pause; a conflict or an error waits for the
  // person (the conflict view, or the next edit).
  useEffect(() => {
    if (!dirty || conflict || saving || error) return;
    const typing = Object.keys(draft).some((k) => TYPED_FIELDS.has(k));
    const timer = setTimeout(() => void save(), typing ? TYPING_PAUSE_MS : 0);
    return () => clearTimeout(timer);
  }, [draft, conflict, saving, error]); // eslint-disable-line react-hooks/exhaustive-deps
  // Leaving the drawer another way (another task, another screen): send what is pending.
  useEffect(
    () => () => {
      flushRef.current = null;
      if (!conflictRef.current && !inFlight.current && Object.keys(draftRef.current).length > 0) {
        patchTask(pid, task.id, draftRef.current as TaskChanges, baseRef.current.version).then(
          (updated) => putTask(queries, updated),
          () => undefined,
        );
      }
    },
    [], // eslint-disable-line react-hooks/exhaustive-deps
  );
  const saveNow = () => {
    if (!conflictRef.current && Object.keys(draftRef.current).length > 0) void save();
  };

  function discard() {
    setDraft(() => ({}));
    setConflict(null);
    setError(null);
    setBase(task);
  }

  async function remove() {
    if (!confirm('Delete this task?')) return;
    try {
      await api.del(`/projects/${pid}/tasks/${task.id}`, { headers: { 'If-Match': String(base.version) } });
      removeTask(queries, pid, task.id);
      setDraft(() => ({}));
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
      {atWork && (
        <div className="working-banner" role="status" data-testid="drawer-agent-working">
          <span className="working-dot" aria-hidden />
          <span>
            <span className="bot">AI</span> {atWork.agentName} {atWork.status === 'running' ? 'is working on this task' : 'is queued to work on this task'}.
          </span>
          <Link to={`/projects/${pid}/agents/conversations/${atWork.conversationId}`}>Follow the conversation</Link>
        </div>
      )}
      {changedElsewhere && !conflict && (
        <div className="notice" role="status">
          Someone else saved this task while you were editing. Your next save will show what changed.
        </div>
      )}
      {conflict && (
        <div className="conflict" role="alert" data-testid="conflict">
          <strong>This task was changed by someone else while you were editing.</strong>
          <p className="muted">Your changes are not saved yet. Compare and choose:</p>
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

      {readOnly && (
        <div className="notice" role="status">
          You can read this task; changing it needs a role that may edit tasks.
        </div>
      )}
      <fieldset className="plain task-fields" disabled={readOnly}>
      <input
        className="title-input"
        aria-label="Title"
        value={value('title')}
        onChange={(e) => set('title', e.target.value)}
        onBlur={saveNow}
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
          <input type="number" min={0} aria-label="Importance" value={value('importance') ?? 0} onChange={(e) => set('importance', Number(e.target.value) || 0)} onBlur={saveNow} />
        </label>
        <label>
          Story points
          <input
            type="number"
            min={0}
            aria-label="Story points"
            value={value('story_points') ?? ''}
            onChange={(e) => set('story_points', e.target.value === '' ? null : Number(e.target.value))}
            onBlur={saveNow}
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
            onBlur={() => {
              if ('tags' in draftRef.current) set('tags', ((draftRef.current.tags as string[]) ?? []).filter(Boolean));
              setTimeout(saveNow, 0);
            }}
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
            <RichTextEditor value={value('description')} onChange={(doc) => set('description', doc)} />
          </Suspense>
        </ErrorBoundary>
      </div>

      <ErrorBox error={error} />
      <div className="actions sticky">
        <span className="save-state muted small" role="status" data-testid="save-state">
          {saving ? 'Saving…' : conflict ? 'Not saved: see above' : error ? 'Not saved' : dirty ? 'Editing…' : saved ? 'Saved' : 'Changes save automatically'}
        </span>
        {error ? (
          <button className="btn small" onClick={saveNow}>
            Try again
          </button>
        ) : null}
        <span className="spacer" />
        {!readOnly && (
          <button className="btn ghost danger-text" onClick={remove}>
            Delete
          </button>
        )}
      </div>
      </fieldset>

      <TaskLinks project={pid} prefix={project.task_id_prefix} task={task} tasks={allTasks.tasks} />

      <Attachments project={pid} task={task.id} members={memberList} canWrite={grantsHere.can(PROJECT_KEYS.tasksWrite)} />

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

  function submit(e?: FormEvent) {
    e?.preventDefault();
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
        <MentionInput
          label="Comment"
          placeholder="Write a comment… use @ to mention someone"
          value={text}
          onChange={setText}
          people={people}
          onSubmit={() => submit()}
        />
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
  const sprints = useSprints(project);
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
    const sprintName = (id: unknown) => (id ? sprints.data?.find((s) => s.id === id)?.name ?? 'a deleted sprint' : 'the backlog');
    body = <div className="muted">{describe(a, name, taskKey, sprintName)}</div>;
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

function describe(a: Activity, name: (id: unknown) => string, taskKey: (id: unknown) => string, sprintName: (id: unknown) => string): string {
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
          if (ch.field === 'sprint') return `moved it from ${sprintName(ch.old)} to ${sprintName(ch.new)}`;
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
    case 'task.attachment.added':
      return `attached ${fileText(c)}`;
    case 'task.attachment.removed':
      return `removed the attachment ${fileText(c)}`;
    case 'agent.session.started':
      return 'started an agent session';
    default:
      return a.activity_type.replace(/[._]/g, ' ');
  }
}

/** "report.pdf (1.2 MB)" from an attachment activity's content. */
function fileText(c: any): string {
  const name = typeof c?.file_name === 'string' && c.file_name ? c.file_name : 'a file';
  return typeof c?.file_size === 'number' ? `${name} (${fmtBytes(c.file_size)})` : name;
}

function safeParse(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}
