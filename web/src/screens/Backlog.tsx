// Backlog and sprints: create, start and complete sprints (choosing where unfinished tasks
// go), and move tasks between the backlog and sprints (a row's select, or dragging the row by
// its key onto another list). Each list shows only the rows in view (virtualized), so a backlog
// of 10,000 tasks stays light.

import { useMemo, useRef, useState, type FormEvent } from 'react';
import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import {
  DndContext,
  DragOverlay,
  KeyboardSensor,
  PointerSensor,
  TouchSensor,
  useDraggable,
  useDroppable,
  useSensor,
  useSensors,
  type DragEndEvent,
} from '@dnd-kit/core';
import { useParams } from 'react-router-dom';
import { useVirtualizer } from '@tanstack/react-virtual';
import { api, errorText } from '../api/client';
import { changeLocally, putTask, useBoardTasks } from '../api/board';
import { keys, useProject, useReporterId, useSprints, useStatuses } from '../api/queries';
import { isConflict, patchTask } from '../api/tasks';
import type { Sprint, Task, TaskStatus } from '../api/types';
import { ModalForm } from '../components/forms';
import { useRun } from '../components/run';
import { Busy, DeleteButton, Empty, ErrorBox, Options, Spinner, fmtDate } from '../components/ui';
import { useOpenTask } from './openTask';
import { PROJECT_KEYS, useProjectGrants } from '../permissions';

export function BacklogScreen() {
  const { pid = '' } = useParams();
  const sprints = useSprints(pid);
  const tasks = useBoardTasks(pid);
  const statuses = useStatuses(pid);
  const [creating, setCreating] = useState(false);
  const canSprints = useProjectGrants(pid).can(PROJECT_KEYS.sprintsWrite);
  const [showDone, setShowDone] = useState(false);
  const all = tasks.tasks;
  const list = sprints.data ?? [];
  const open = list
    .filter((s) => s.status !== 'completed')
    .sort((a, b) => (a.status === b.status ? a.created_at.localeCompare(b.created_at) : a.status === 'active' ? -1 : 1));
  const done = list.filter((s) => s.status === 'completed');
  // Each sprint's tasks and the backlog's, in one pass over every task.
  const bySprint = useMemo(() => {
    const m = new Map<string, Task[]>();
    for (const t of all) {
      const k = t.sprint_id ?? '';
      let list = m.get(k);
      if (!list) m.set(k, (list = []));
      list.push(t);
    }
    return m;
  }, [all]);
  const backlog = bySprint.get('') ?? NONE;

  // Dragging a row (by its key) onto a sprint or the backlog moves the task there.
  const queries = useQueryClient();
  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 6 } }),
    useSensor(TouchSensor, { activationConstraint: { delay: 200, tolerance: 8 } }),
    useSensor(KeyboardSensor),
  );
  const [dragged, setDragged] = useState<Task | null>(null);
  const [dropError, setDropError] = useState<string | null>(null);
  const onDragEnd = async (e: DragEndEvent) => {
    setDragged(null);
    const task = all.find((t) => t.id === e.active.id);
    if (!task || !e.over) return;
    const to = e.over.id === BACKLOG_DROP ? null : String(e.over.id);
    if ((task.sprint_id ?? null) === to) return;
    setDropError(await moveTask(queries, pid, task, to));
  };
  const prefix = useProject(pid).data?.task_id_prefix ?? '';
  const titleOf = (id: string | number) => {
    const t = all.find((x) => x.id === id);
    return t ? `${prefix}-${t.task_number} ${t.title}` : 'the task';
  };

  return (
    <DndContext
      sensors={sensors}
      onDragStart={(e) => setDragged(all.find((t) => t.id === e.active.id) ?? null)}
      onDragCancel={() => setDragged(null)}
      onDragEnd={onDragEnd}
      accessibility={{
        announcements: {
          onDragStart: ({ active }) => `Picked up ${titleOf(active.id)}.`,
          onDragOver: ({ active, over }) => (over ? `${titleOf(active.id)} is over ${over.data.current?.name ?? 'a list'}.` : `${titleOf(active.id)} is not over a list.`),
          onDragEnd: ({ active, over }) => (over ? `${titleOf(active.id)} was dropped on ${over.data.current?.name ?? 'a list'}.` : `${titleOf(active.id)} was put back.`),
          onDragCancel: ({ active }) => `${titleOf(active.id)} was put back.`,
        },
      }}
    >
    <div className="backlog-page">
      {dropError && (
        <div className="error-box" role="alert">
          <span>The task could not be moved: {dropError}</span>
          <button className="btn small" onClick={() => setDropError(null)}>
            Dismiss
          </button>
        </div>
      )}
      <div className="toolbar">
        {canSprints && (
          <button className="btn primary" onClick={() => setCreating(true)}>
            New sprint
          </button>
        )}
        {(tasks.isFetching || sprints.isFetching) && <span className="muted small">Updating…</span>}
      </div>
      <ErrorBox error={sprints.error ?? tasks.error ?? statuses.error} onRetry={() => (sprints.refetch(), tasks.refetch())} />
      {(sprints.isPending || tasks.isPending) && <Spinner />}
      {sprints.isSuccess && tasks.isSuccess && (
        <>
          {open.length === 0 && <Empty title="No open sprints">Create a sprint, then move tasks into it from the backlog.</Empty>}
          {open.map((s) => (
            <SprintBlock key={s.id} project={pid} sprint={s} tasks={bySprint.get(s.id) ?? NONE} sprints={open} statuses={statuses.data ?? []} />
          ))}
          <TaskBlock dropId={BACKLOG_DROP} title="Backlog" testid="backlog" project={pid} tasks={backlog} sprints={open} statuses={statuses.data ?? []}>
            <QuickAddBacklog project={pid} />
          </TaskBlock>
          {done.length > 0 && (
            <div className="section">
              <button className="btn ghost" onClick={() => setShowDone((v) => !v)}>
                {showDone ? '▾' : '▸'} Completed sprints ({done.length})
              </button>
              {showDone &&
                done.map((s) => (
                  <div key={s.id} className="sprint done" data-testid="completed-sprint">
                    <strong>{s.name}</strong> <span className="pill done">completed</span>{' '}
                    <span className="muted">
                      {fmtDate(s.start_date)} – {fmtDate(s.end_date)} · {(bySprint.get(s.id) ?? NONE).length} tasks
                    </span>
                  </div>
                ))}
            </div>
          )}
        </>
      )}
      {creating && <CreateSprint project={pid} onClose={() => setCreating(false)} />}
    </div>
    <DragOverlay dropAnimation={null}>
      {dragged ? (
        <div className="drag-row">
          <span className="key">
            {prefix}-{dragged.task_number}
          </span>{' '}
          {dragged.title}
        </div>
      ) : null}
    </DragOverlay>
    </DndContext>
  );
}

/** The drop target id of the backlog (sprints use their ids). */
const BACKLOG_DROP = 'backlog';

/** A task's row; its key cell is the handle that drags it to another sprint or the backlog. */
function DragRow({ task, keyLabel, children }: { task: Task; keyLabel: string; children: React.ReactNode }) {
  const { attributes, listeners, setNodeRef, isDragging } = useDraggable({ id: task.id });
  return (
    <tr ref={setNodeRef} data-testid="task-row" data-title={task.title} style={{ height: ROW, opacity: isDragging ? 0.4 : 1 }}>
      <td className="key drag-handle" {...attributes} {...listeners} aria-label={`Drag ${keyLabel} ${task.title}`} title="Drag to a sprint or the backlog">
        <span aria-hidden>⠿ </span>
        {keyLabel}
      </td>
      {children}
    </tr>
  );
}

const NONE: Task[] = [];
/** Height of one backlog row (a line with a select). */
const ROW = 45;

function points(tasks: Task[]): number {
  return tasks.reduce((n, t) => n + (t.story_points ?? 0), 0);
}

function SprintBlock({
  project,
  sprint,
  tasks,
  sprints,
  statuses,
}: {
  project: string;
  sprint: Sprint;
  tasks: Task[];
  sprints: Sprint[];
  statuses: TaskStatus[];
}) {
  const queries = useQueryClient();
  const { busy, error, setError, run } = useRun();
  const [completing, setCompleting] = useState(false);

  function start() {
    run('start', async () => {
      await api.patch(`/projects/${project}/sprints/${sprint.id}`, { status: 'active' });
      await queries.invalidateQueries({ queryKey: keys.sprints(project) });
    });
  }
  async function remove() {
    try {
      await api.del(`/projects/${project}/sprints/${sprint.id}`);
      await queries.invalidateQueries({ queryKey: ['project', project] });
    } catch (err) {
      setError(err);
    }
  }
  return (
    <TaskBlock
      dropId={sprint.id}
      title={sprint.name}
      testid="sprint"
      project={project}
      tasks={tasks}
      sprints={sprints}
      statuses={statuses}
      head={
        <>
          <span className={`pill ${sprint.status}`} data-testid="sprint-status">
            {sprint.status}
          </span>
          <span className="muted small">
            {fmtDate(sprint.start_date)}
            {sprint.end_date ? ` – ${fmtDate(sprint.end_date)}` : ''}
            {sprint.goal ? ` · ${sprint.goal}` : ''}
          </span>
          <span className="spacer" />
          {sprint.status === 'planned' && (
            <Busy busy={busy === 'start'} className="btn small primary" onClick={start}>
              Start sprint
            </Busy>
          )}
          {sprint.status === 'active' && (
            <button className="btn small primary" onClick={() => setCompleting(true)}>
              Complete sprint
            </button>
          )}
          <DeleteButton confirmText={`Delete ${sprint.name}? Its tasks go back to the backlog.`} onDelete={remove} />
        </>
      }
    >
      <ErrorBox error={error} />
      {completing && (
        <CompleteSprint
          project={project}
          sprint={sprint}
          unfinished={tasks.filter((t) => statuses.find((s) => s.id === t.status_id)?.category !== 'done')}
          targets={sprints.filter((s) => s.id !== sprint.id)}
          onClose={() => setCompleting(false)}
        />
      )}
    </TaskBlock>
  );
}

function TaskBlock({
  dropId,
  title,
  testid,
  project,
  tasks,
  sprints,
  statuses,
  head,
  children,
}: {
  dropId: string;
  title: string;
  testid: string;
  project: string;
  tasks: Task[];
  sprints: Sprint[];
  statuses: TaskStatus[];
  head?: React.ReactNode;
  children?: React.ReactNode;
}) {
  const proj = useProject(project);
  const openTask = useOpenTask();
  const sorted = useMemo(() => [...tasks].sort((a, b) => a.task_number - b.task_number), [tasks]);
  const statusName = useMemo(() => new Map(statuses.map((s) => [s.id, s.name])), [statuses]);
  const scroller = useRef<HTMLDivElement>(null);
  const rows = useVirtualizer({ count: sorted.length, getScrollElement: () => scroller.current, estimateSize: () => ROW, overscan: 8 });
  const shown = rows.getVirtualItems();
  const padTop = shown[0]?.start ?? 0;
  const padBottom = rows.getTotalSize() - (shown[shown.length - 1]?.end ?? 0);
  const drop = useDroppable({ id: dropId, data: { name: title } });
  return (
    <section className={`sprint${drop.isOver ? ' over' : ''}`} ref={drop.setNodeRef} data-testid={testid} data-name={title}>
      <header>
        <h3>{title}</h3>
        <span className="muted small">
          {tasks.length} tasks · {points(tasks)} points
        </span>
        {head}
      </header>
      {children}
      {sorted.length === 0 ? (
        <div className="muted empty-row">No tasks</div>
      ) : (
        <div className="task-scroll" ref={scroller} data-testid="task-scroll">
          <table className="tasks fixed">
            <colgroup>
              <col style={{ width: 90 }} />
              <col />
              <col style={{ width: 120 }} />
              <col style={{ width: 50 }} />
              <col style={{ width: 170 }} />
            </colgroup>
            <tbody>
              {padTop > 0 && <tr aria-hidden style={{ height: padTop }} />}
              {shown.map((row) => {
                const t = sorted[row.index];
                return (
                  <DragRow key={t.id} task={t} keyLabel={`${proj.data?.task_id_prefix ?? ''}-${t.task_number}`}>
                    <td>
                      <a
                        href="#"
                        onClick={(e) => {
                          e.preventDefault();
                          openTask(t.id);
                        }}
                      >
                        {t.title}
                      </a>
                    </td>
                    <td className="muted">{t.status_id ? statusName.get(t.status_id) : ''}</td>
                    <td className="num">{t.story_points ?? ''}</td>
                    <td>
                      <MoveTo project={project} task={t} sprints={sprints} />
                    </td>
                  </DragRow>
                );
              })}
              {padBottom > 0 && <tr aria-hidden style={{ height: padBottom }} />}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/**
 * Moves a task into a sprint (or the backlog, `null`): the row moves at once, the answer (or a
 * failure) settles it. Only the sprint is written, so a newer version elsewhere is not a
 * conflict worth showing: it is retried on that version. The failure's text, or null.
 */
async function moveTask(queries: QueryClient, project: string, task: Task, sprint_id: string | null): Promise<string | null> {
  const settle = changeLocally(queries, project, task.id, (t) => ({ ...t, sprint_id: sprint_id ?? undefined }));
  try {
    let updated: Task;
    try {
      updated = await patchTask(project, task.id, { sprint_id }, task.version);
    } catch (err) {
      if (!isConflict(err)) throw err;
      updated = await patchTask(project, task.id, { sprint_id }, err.current.version);
    }
    settle(updated);
    return null;
  } catch (err) {
    settle();
    return errorText(err);
  }
}

function MoveTo({ project, task, sprints }: { project: string; task: Task; sprints: Sprint[] }) {
  const queries = useQueryClient();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function move(to: string) {
    setBusy(true);
    setError(null);
    setError(await moveTask(queries, project, task, to || null));
    setBusy(false);
  }
  return (
    <span className="move-to">
      <select aria-label={`Move ${task.title}`} value={task.sprint_id ?? ''} disabled={busy} onChange={(e) => move(e.target.value)}>
        <option value="">Backlog</option>
        <Options items={sprints} label={(s) => s.name} />
      </select>
      {error && <span className="error-text">{error}</span>}
    </span>
  );
}

function QuickAddBacklog({ project }: { project: string }) {
  const queries = useQueryClient();
  const [title, setTitle] = useState('');
  const { busy, error, run } = useRun();
  const reporter = useReporterId(project);
  function submit(e: FormEvent) {
    e.preventDefault();
    if (!title.trim()) return;
    run('add', async () => {
      putTask(queries, await api.post<Task>(`/projects/${project}/tasks`, { title: title.trim(), reporter_id: reporter }));
      setTitle('');
    });
  }
  return (
    <form className="inline-form" onSubmit={submit}>
      <input aria-label="New backlog task" placeholder="Add a task to the backlog" value={title} onChange={(e) => setTitle(e.target.value)} disabled={busy !== null} />
      <Busy busy={busy !== null} className="btn small" type="submit">
        Add
      </Busy>
      <ErrorBox error={error} />
    </form>
  );
}

function CreateSprint({ project, onClose }: { project: string; onClose: () => void }) {
  const queries = useQueryClient();
  const today = new Date().toISOString().slice(0, 10);
  const inTwoWeeks = new Date(Date.now() + 14 * 864e5).toISOString().slice(0, 10);
  const [name, setName] = useState('');
  const [goal, setGoal] = useState('');
  const [start, setStart] = useState(today);
  const [end, setEnd] = useState(inTwoWeeks);
  const { busy, error, run } = useRun();
  function submit() {
    run('create', async () => {
      await api.post(`/projects/${project}/sprints`, {
        name: name.trim(),
        goal: goal || undefined,
        start_date: start || undefined,
        end_date: end || undefined,
      });
      await queries.invalidateQueries({ queryKey: keys.sprints(project) });
      onClose();
    });
  }
  return (
    <ModalForm title="New sprint" onClose={onClose} onSubmit={submit} busy={busy !== null} error={error} submitLabel="Create sprint">
      <label>
        Name
        <input name="sprint_name" value={name} onChange={(e) => setName(e.target.value)} required autoFocus />
      </label>
      <label>
        Goal
        <input name="goal" value={goal} onChange={(e) => setGoal(e.target.value)} />
      </label>
      <div className="row">
        <label>
          Start
          <input type="date" name="start_date" value={start} onChange={(e) => setStart(e.target.value)} />
        </label>
        <label>
          End
          <input type="date" name="end_date" value={end} onChange={(e) => setEnd(e.target.value)} />
        </label>
      </div>
    </ModalForm>
  );
}

function CompleteSprint({
  project,
  sprint,
  unfinished,
  targets,
  onClose,
}: {
  project: string;
  sprint: Sprint;
  unfinished: Task[];
  targets: Sprint[];
  onClose: () => void;
}) {
  const queries = useQueryClient();
  const [to, setTo] = useState('');
  const { busy, error, run } = useRun();
  function submit() {
    run('complete', async () => {
      await api.post(`/projects/${project}/sprints/${sprint.id}/complete`, to ? { move_to_sprint_id: to } : {});
      await queries.invalidateQueries({ queryKey: ['project', project] });
      onClose();
    });
  }
  return (
    <ModalForm title={`Complete ${sprint.name}`} onClose={onClose} onSubmit={submit} busy={busy !== null} error={error} submitLabel="Complete sprint">
      <p>
        {unfinished.length === 0
          ? 'Every task of this sprint is done.'
          : `${unfinished.length} unfinished task${unfinished.length === 1 ? '' : 's'} (${points(unfinished)} points) will move to:`}
      </p>
      {unfinished.length > 0 && (
        <label>
          Move unfinished tasks to
          <select aria-label="Move unfinished tasks to" value={to} onChange={(e) => setTo(e.target.value)}>
            <option value="">The backlog</option>
            <Options items={targets} label={(s) => `${s.name} (${s.status})`} />
          </select>
        </label>
      )}
    </ModalForm>
  );
}
