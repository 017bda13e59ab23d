// The board: one column per status (in status order), cards in the view's manual order,
// drag and drop between and within columns (the target column makes room while dragging),
// live updates and presence on cards.

import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useParams, useSearchParams } from 'react-router-dom';
import {
  DndContext,
  DragOverlay,
  PointerSensor,
  KeyboardSensor,
  closestCorners,
  useDroppable,
  useSensor,
  useSensors,
  type DragEndEvent,
  type DragOverEvent,
  type DragStartEvent,
} from '@dnd-kit/core';
import { SortableContext, arrayMove, sortableKeyboardCoordinates, useSortable, verticalListSortingStrategy } from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import { api, errorText } from '../../api/client';
import { keys, useMembers, useSprints, useStatuses, useTaskTypes, useTasks, useViews, useProject } from '../../api/queries';
import { isConflict, patchCached, patchTask } from '../../api/tasks';
import type { Member, Task, TaskStatus, View } from '../../api/types';
import { useRun } from '../../components/run';
import { ErrorBox, Options, Spinner } from '../../components/ui';
import { usePresence } from '../../realtime/context';
import type { PresenceEntry } from '../../realtime/socket';
import { useOpenTask } from '../openTask';
import { initials } from '../ProjectLayout';
import { ordered, place } from './placement';

/** The board view: the sprint's own, or the project-wide one kept in the backlog context. */
function useBoardView(project: string, sprint: string | undefined) {
  const context = sprint ? 'sprint' : 'backlog';
  const views = useViews(project, context, sprint);
  const queries = useQueryClient();
  const board = views.data?.find((v) => v.view_type === 'board');
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (!views.isSuccess || board || sprint) return;
    let stale = false;
    api
      .post<View>(`/projects/${project}/views?context=backlog`, {
        name: 'Board',
        view_type: 'board',
        config: { column_by: 'status' },
      })
      .then(() => {
        if (!stale) queries.invalidateQueries({ queryKey: keys.views(project, context, sprint) });
      })
      .catch((e) => {
        if (!stale) setError(e);
      });
    return () => {
      stale = true;
    };
  }, [views.isSuccess, board, sprint, project, context, queries]);
  return { view: board, error: views.error ?? error, loading: views.isPending || (!board && !error) };
}

export function BoardScreen() {
  const { pid = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const sprints = useSprints(pid);
  const sprint = params.get('sprint') ?? undefined;
  const { view, error: viewError, loading: viewLoading } = useBoardView(pid, sprint);
  const statuses = useStatuses(pid);
  const filter = useMemo(() => ({ view_id: view?.id, sprint_id: sprint }), [view?.id, sprint]);
  const tasks = useTasks(pid, filter, !!view);
  const openSprints = (sprints.data ?? []).filter((s) => s.status !== 'completed');

  return (
    <div className="board-page">
      <div className="toolbar">
        <label className="inline">
          Board of{' '}
          <select
            aria-label="Board scope"
            value={sprint ?? ''}
            onChange={(e) => {
              const next = new URLSearchParams(params);
              if (e.target.value) next.set('sprint', e.target.value);
              else next.delete('sprint');
              setParams(next);
            }}
          >
            <option value="">All tasks</option>
            <Options items={openSprints} label={(s) => `${s.name} (${s.status})`} />
          </select>
        </label>
        {tasks.isFetching && <span className="muted small">Updating…</span>}
      </div>
      <ErrorBox error={viewError ?? statuses.error ?? tasks.error} onRetry={() => tasks.refetch()} />
      {(viewLoading || statuses.isPending || (view && tasks.isPending)) && !viewError && <Spinner label="Loading the board…" />}
      {view && statuses.data && tasks.data && (
        <BoardColumns project={pid} view={view} statuses={statuses.data} tasks={tasks.data.items} sprint={sprint} />
      )}
    </div>
  );
}

function BoardColumns({
  project,
  view,
  statuses,
  tasks,
  sprint,
}: {
  project: string;
  view: View;
  statuses: TaskStatus[];
  tasks: Task[];
  sprint?: string;
}) {
  const queries = useQueryClient();
  const openTask = useOpenTask();
  const members = useMembers(project);
  const types = useTaskTypes(project);
  const proj = useProject(project);
  const presence = usePresence(project);
  const [dragging, setDragging] = useState<Task | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 5 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  );

  const columns = useMemo(() => {
    const by = new Map<string, Task[]>();
    for (const s of statuses) by.set(s.id, []);
    const fallback = statuses.find((s) => s.is_default)?.id ?? statuses[0]?.id;
    for (const t of tasks) {
      const key = t.status_id && by.has(t.status_id) ? t.status_id : fallback;
      if (key) by.get(key)!.push(t);
    }
    for (const [k, v] of by) by.set(k, ordered(v));
    return by;
  }, [statuses, tasks]);

  // While a card is dragged, the columns as shown: the card sits where it would land, so the
  // target column makes room for it (dnd-kit's multi-container sortable pattern).
  const [dragColumns, setDragColumns] = useState<Map<string, Task[]> | null>(null);
  const shown = dragColumns ?? columns;

  const columnOf = (cols: Map<string, Task[]>, id: string) => {
    if (id.startsWith('col:')) return cols.has(id.slice(4)) ? id.slice(4) : undefined;
    for (const [s, list] of cols) if (list.some((t) => t.id === id)) return s;
    return undefined;
  };


  function onDragStart(e: DragStartEvent) {
    setDragging(tasks.find((t) => t.id === e.active.id) ?? null);
    setDragColumns(new Map([...columns].map(([k, v]) => [k, [...v]])));
  }

  function onDragCancel() {
    setDragging(null);
    setDragColumns(null);
  }

  /** Moves the card into the column it is over, before or after the card under the pointer. */
  function onDragOver(e: DragOverEvent) {
    const { active, over } = e;
    if (!over) return;
    const activeId = String(active.id);
    const overId = String(over.id);
    setDragColumns((prev) => {
      if (!prev) return prev;
      const from = columnOf(prev, activeId);
      const to = columnOf(prev, overId);
      if (!from || !to || from === to) return prev;
      const source = prev.get(from)!;
      const target = prev.get(to)!;
      const card = source.find((t) => t.id === activeId);
      if (!card) return prev;
      let index = target.length;
      const overIndex = target.findIndex((t) => t.id === overId);
      if (overIndex >= 0) {
        const dragged = active.rect.current.translated;
        const below = !!dragged && dragged.top > over.rect.top + over.rect.height / 2;
        index = overIndex + (below ? 1 : 0);
      }
      const next = new Map(prev);
      next.set(
        from,
        source.filter((t) => t.id !== activeId),
      );
      next.set(to, [...target.slice(0, index), card, ...target.slice(index)]);
      return next;
    });
  }

  async function onDragEnd(e: DragEndEvent) {
    const layout = dragColumns;
    setDragging(null);
    setDragColumns(null);
    const moved = tasks.find((t) => t.id === e.active.id);
    if (!moved || !e.over || !layout) return;
    const overId = String(e.over.id);
    const from = columnOf(columns, moved.id);
    const to = columnOf(layout, moved.id);
    if (!from || !to) return;
    // Within the column it now sits in: before the card dropped on, or last on the column.
    let finalOrder = layout.get(to)!;
    const oldIndex = finalOrder.findIndex((t) => t.id === moved.id);
    const newIndex = overId.startsWith('col:')
      ? from === to
        ? finalOrder.length - 1
        : oldIndex
      : finalOrder.findIndex((t) => t.id === overId);
    if (newIndex >= 0 && newIndex !== oldIndex) finalOrder = arrayMove(finalOrder, oldIndex, newIndex);
    const index = finalOrder.findIndex((t) => t.id === moved.id);
    if (from === to && finalOrder.every((t, i) => t.id === columns.get(from)![i]?.id)) return;
    const others = finalOrder.filter((t) => t.id !== moved.id);
    const placements = place(others, moved, index, to);

    // Show the move at once; the server's answer and the live events settle it.
    for (const p of placements) {
      patchCached(queries, project, p.task_id, (t) => ({
        ...t,
        view_position: p.position,
        view_group_key: p.group_key,
        ...(t.id === moved.id ? { status_id: to } : {}),
      }));
    }
    setSaving(true);
    setError(null);
    try {
      if (from !== to) {
        try {
          await patchTask(project, moved.id, { status_id: to }, moved.version);
        } catch (err) {
          // Someone else changed the card meanwhile: a move only sets its status, so apply it
          // on top of their change.
          if (!isConflict(err)) throw err;
          await patchTask(project, moved.id, { status_id: to }, err.current.version);
        }
      }
      if (placements.length === 1) {
        const p = placements[0];
        await api.put(`/projects/${project}/views/${view.id}/task-positions/${p.task_id}`, {
          position: p.position,
          group_key: p.group_key,
        });
      } else {
        await api.put(`/projects/${project}/views/${view.id}/task-positions`, { items: placements });
      }
    } catch (err) {
      setError(err);
    } finally {
      setSaving(false);
      queries.invalidateQueries({ queryKey: ['project', project, 'tasks'] });
    }
  }

  const prefix = proj.data?.task_id_prefix ?? '';
  const memberMap = new Map((members.data ?? []).map((m) => [m.id, m]));
  const typeMap = new Map((types.data ?? []).map((t) => [t.id, t]));

  return (
    <>
      {saving && <div className="progress-line" aria-label="Saving" />}
      {error != null && <ErrorBox error={error} />}
      <DndContext
        sensors={sensors}
        collisionDetection={closestCorners}
        onDragStart={onDragStart}
        onDragOver={onDragOver}
        onDragCancel={onDragCancel}
        onDragEnd={onDragEnd}
      >
        <div className="board" data-testid="board">
          {statuses.map((s) => (
            <Column
              key={s.id}
              project={project}
              status={s}
              tasks={shown.get(s.id) ?? []}
              sprint={sprint}
              render={(t) => (
                <SortableCard
                  key={t.id}
                  task={t}
                  prefix={prefix}
                  members={memberMap}
                  typeName={t.task_type_id ? typeMap.get(t.task_type_id)?.name : undefined}
                  presence={presence.filter((p) => p.task_id === t.id)}
                  onOpen={() => openTask(t.id)}
                />
              )}
            />
          ))}
        </div>
        <DragOverlay>
          {dragging ? (
            <div className="drag-overlay">
              <CardBody
                task={dragging}
                prefix={prefix}
                members={memberMap}
                presence={[]}
                typeName={dragging.task_type_id ? typeMap.get(dragging.task_type_id)?.name : undefined}
              />
            </div>
          ) : null}
        </DragOverlay>
      </DndContext>
    </>
  );
}

function Column({
  project,
  status,
  tasks,
  sprint,
  render,
}: {
  project: string;
  status: TaskStatus;
  tasks: Task[];
  sprint?: string;
  render: (t: Task) => React.ReactNode;
}) {
  const { setNodeRef, isOver } = useDroppable({ id: `col:${status.id}` });
  return (
    <section
      ref={setNodeRef}
      className={`column${isOver ? ' over' : ''}`}
      data-testid="column"
      data-status={status.name}
      aria-label={status.name}
    >
      <header>
        <span className="status-dot" style={{ background: status.color || statusColor(status.category) }} />
        <h3>{status.name}</h3>
        <span className="count">{tasks.length}</span>
      </header>
      <SortableContext items={tasks.map((t) => t.id)} strategy={verticalListSortingStrategy}>
        <div className="cards">
          {tasks.map(render)}
          {tasks.length === 0 && <div className="column-empty muted">No tasks</div>}
        </div>
      </SortableContext>
      <QuickAdd project={project} status={status} sprint={sprint} />
    </section>
  );
}

export function statusColor(c: string): string {
  return (
    { backlog: '#94a3b8', refinement: '#a78bfa', ready: '#60a5fa', todo: '#38bdf8', inprogress: '#f59e0b', done: '#22c55e' } as Record<
      string,
      string
    >
  )[c] ?? '#94a3b8';
}

function QuickAdd({ project, status, sprint }: { project: string; status: TaskStatus; sprint?: string }) {
  const queries = useQueryClient();
  const [open, setOpen] = useState(false);
  const [title, setTitle] = useState('');
  const { busy: running, error, run } = useRun();
  const busy = running !== null;
  function submit(e: FormEvent) {
    e.preventDefault();
    if (!title.trim()) return;
    run('add', async () => {
      await api.post(`/projects/${project}/tasks`, { title: title.trim(), status_id: status.id, sprint_id: sprint });
      setTitle('');
      await queries.invalidateQueries({ queryKey: ['project', project, 'tasks'] });
    });
  }
  if (!open) {
    return (
      <button className="btn ghost add-card" onClick={() => setOpen(true)}>
        + Add task
      </button>
    );
  }
  return (
    <form onSubmit={submit} className="quick-add">
      <input
        aria-label={`New task in ${status.name}`}
        placeholder="Task title"
        value={title}
        autoFocus
        disabled={busy}
        onChange={(e) => setTitle(e.target.value)}
        onKeyDown={(e) => e.key === 'Escape' && setOpen(false)}
      />
      {error != null && <div className="error-text">{errorText(error)}</div>}
      <div className="actions">
        <button className="btn small primary" type="submit" disabled={busy}>
          {busy ? 'Adding…' : 'Add'}
        </button>
        <button className="btn small ghost" type="button" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

interface CardProps {
  task: Task;
  prefix: string;
  members: Map<string, Member>;
  presence: PresenceEntry[];
  typeName?: string;
}

function SortableCard(props: CardProps & { onOpen: () => void }) {
  const { attributes, listeners, setNodeRef, transform, transition, isDragging } = useSortable({ id: props.task.id });
  return (
    <div
      ref={setNodeRef}
      className={`sortable-card${isDragging ? ' placeholder' : ''}`}
      style={{ transform: CSS.Translate.toString(transform), transition }}
      {...attributes}
      {...listeners}
      onClick={props.onOpen}
      onKeyDown={(e) => {
        listeners?.onKeyDown?.(e);
        if (e.key === 'Enter') props.onOpen();
      }}
    >
      <CardBody {...props} />
    </div>
  );
}

function CardBody({ task, prefix, members, presence, typeName }: CardProps) {
  const editing = presence.filter((p) => p.editing);
  const viewing = presence.filter((p) => !p.editing);
  return (
    <article className="card" data-testid="card" data-task-id={task.id} data-title={task.title}>
      <div className="card-top">
        <span className="key">
          {prefix}-{task.task_number}
        </span>
        {typeName && <span className="tag">{typeName}</span>}
        {task.story_points != null && <span className="points" title="Story points">{task.story_points}</span>}
      </div>
      <div className="card-title">{task.title}</div>
      <div className="card-foot">
        <div className="assignees">
          {task.assignee_ids.map((id) => {
            const m = members.get(id);
            const name = m ? (m.member_type === 'agent' ? m.username || m.full_name : m.full_name || m.username) : '?';
            return (
              <span key={id} className={`avatar small${m?.member_type === 'agent' ? ' agent' : ''}`} title={name}>
                {initials(name)}
              </span>
            );
          })}
        </div>
        {(viewing.length > 0 || editing.length > 0) && (
          <div className="card-presence" data-testid="card-presence">
            {editing.map((p) => (
              <span key={p.socket_id} className="presence editing" title={`${p.username} is editing`}>
                {p.username} editing
              </span>
            ))}
            {viewing.map((p) => (
              <span key={p.socket_id} className="presence" title={`${p.username} is looking`}>
                {p.username} looking
              </span>
            ))}
          </div>
        )}
      </div>
    </article>
  );
}
