// The board: one column per status (in status order), cards in the view's manual order,
// drag and drop between and within columns (the target column makes room while dragging; mouse,
// touch and keyboard), live updates and presence on cards. Columns are virtualized
// (Column.tsx); drops are saved in order (moves.ts) and each ends in a note with an undo.

import { useCallback, useDeferredValue, useEffect, useMemo, useRef, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useLocation, useParams, useSearchParams } from 'react-router-dom';
import {
  DndContext,
  DragOverlay,
  KeyboardSensor,
  MouseSensor,
  TouchSensor,
  closestCorners,
  pointerWithin,
  useSensor,
  useSensors,
  type CollisionDetection,
  type DragEndEvent,
  type DragOverEvent,
  type DragStartEvent,
} from '@dnd-kit/core';
import { arrayMove, sortableKeyboardCoordinates } from '@dnd-kit/sortable';
import { ApiError, api, errorText } from '../../api/client';
import { useBoard, useViewPlaces, type Place, type Places } from '../../api/board';
import { keys, useAgentsAtWork, useMembers, useReporterId, useSprints, useStatuses, useTaskTypes, useViews, useProject } from '../../api/queries';
import { matches, type TaskFilter } from '../../api/taskFilter';
import type { Task, TaskStatus, View } from '../../api/types';
import { ErrorBox, Options, Spinner } from '../../components/ui';
import { usePresence } from '../../realtime/context';
import type { PresenceEntry } from '../../realtime/socket';
import { useOpenTask } from '../openTask';
import { useChangeSearchParams } from '../searchParams';
import { CardBody, CardContext, Column, type CardShared } from './Column';
import { MoveQueue, type Move, type MoveResult } from './moves';
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
        if (stale) return;
        // A viewer may not create the board's view: say what is missing rather than "no permission".
        setError(
          e instanceof ApiError && e.status === 403
            ? new Error('This board has not been set up yet: it is set up the first time someone who may edit tasks opens it.')
            : e,
        );
      });
    return () => {
      stale = true;
    };
  }, [views.isSuccess, board, sprint, project, context, queries]);
  return { view: board, error: views.error ?? error, loading: views.isPending || (!board && !error) };
}

/** A task with its place in the view, the same object as long as neither changes. */
const placedCache = new WeakMap<Task, { place: Place | undefined; task: Task }>();
function withPlace(t: Task, p: Place | undefined): Task {
  const hit = placedCache.get(t);
  if (hit && hit.place === p) return hit.task;
  const task = p ? { ...t, view_position: p.position, view_group_key: p.group_key } : { ...t, view_position: undefined, view_group_key: undefined };
  placedCache.set(t, { place: p, task });
  return task;
}

/** The board's scope and quick filters, as kept in the address (absent: ''). */
const TOOLBAR_KEYS = ['sprint', 'q', 'mine', 'assignee', 'type', 'label'] as const;
type ToolbarKey = (typeof TOOLBAR_KEYS)[number];
type Toolbar = Record<ToolbarKey, string>;
const FILTER_KEYS = ['q', 'mine', 'assignee', 'type', 'label'] as const;

function toolbarOf(params: URLSearchParams): Toolbar {
  return Object.fromEntries(TOOLBAR_KEYS.map((k) => [k, params.get(k) ?? ''])) as Toolbar;
}

/**
 * The board's scope and quick filters: the address is their source (on load, back and forward),
 * but the controls show and apply a change at once from their own state. The router shows a new
 * address in a transition, so a control bound to it would be put back to its old value until
 * that render commits (a checkbox clicked would still read unchecked). Each change is written
 * into the address as it is now, so two changes in a row both stay.
 */
function useToolbar() {
  const [params] = useSearchParams();
  const { search } = useLocation();
  const changeParams = useChangeSearchParams();
  const [toolbar, setToolbar] = useState(() => toolbarOf(params));
  // Follow the address when it changes from elsewhere (back, forward, a link), once the router
  // has caught up with it: while a newer write of ours is pending, this render's address is
  // older than what the controls already show.
  useEffect(() => {
    if (new URLSearchParams(search).toString() !== new URLSearchParams(window.location.search).toString()) return;
    const next = toolbarOf(params);
    setToolbar((cur) => (TOOLBAR_KEYS.every((k) => cur[k] === next[k]) ? cur : next));
  }, [search, params]);
  const set = (changes: Partial<Toolbar>, options?: { replace?: boolean }) => {
    setToolbar((cur) => ({ ...cur, ...changes }));
    changeParams((next) => {
      for (const [k, v] of Object.entries(changes)) {
        if (v) next.set(k, v);
        else next.delete(k);
      }
    }, options);
  };
  return [toolbar, set] as const;
}

export function BoardScreen() {
  const { pid = '' } = useParams();
  const [toolbar, setToolbar] = useToolbar();
  const sprints = useSprints(pid);
  const sprint = toolbar.sprint || undefined;
  const { view, error: viewError, loading: viewLoading } = useBoardView(pid, sprint);
  const statuses = useStatuses(pid);
  const board = useBoard(pid);
  const places = useViewPlaces(pid, view?.id);
  // Quick filters, kept in the address (a filtered board can be shared or reloaded).
  const me = useReporterId(pid);
  const members = useMembers(pid);
  const types = useTaskTypes(pid);
  const query = useDeferredValue(toolbar.q);
  const { mine, assignee, type, label } = toolbar;
  const filter: TaskFilter = useMemo(
    () => ({
      search: query.trim() || undefined,
      assignee_id: mine ? me ?? 'nobody' : assignee || undefined,
      task_type_id: type || undefined,
      tag: label || undefined,
    }),
    [query, mine, assignee, type, label, me],
  );
  const filtering = !!(filter.search || filter.assignee_id || filter.task_type_id || filter.tag);
  const setFilter = (key: (typeof FILTER_KEYS)[number], value: string) => setToolbar({ [key]: value }, { replace: true });
  const labels = useMemo(() => [...new Set((board.data?.tasks ?? []).flatMap((t) => t.tags ?? []))].sort(), [board.data]);
  const tasks = useMemo(() => {
    if (!board.data || !places.data) return undefined;
    let all = sprint ? board.data.tasks.filter((t) => t.sprint_id === sprint) : board.data.tasks;
    if (filtering) all = all.filter((t) => matches(t, filter));
    const at: Places = places.data;
    return all.map((t) => withPlace(t, at.get(t.id)));
  }, [board.data, places.data, sprint, filtering, filter]);
  const openSprints = (sprints.data ?? []).filter((s) => s.status !== 'completed');
  const error = viewError ?? statuses.error ?? board.error ?? places.error;

  return (
    <div className="board-page">
      <div className="toolbar">
        <label className="inline">
          Board of{' '}
          <select
            aria-label="Board scope"
            value={toolbar.sprint}
            onChange={(e) => setToolbar({ sprint: e.target.value })}
          >
            <option value="">All tasks</option>
            <Options items={openSprints} label={(s) => `${s.name} (${s.status})`} />
          </select>
        </label>
        <input data-search aria-label="Filter cards" placeholder="Filter cards…" value={toolbar.q} onChange={(e) => setFilter('q', e.target.value)} />
        <label className="check">
          <input type="checkbox" checked={!!mine} onChange={(e) => setFilter('mine', e.target.checked ? '1' : '')} />
          Only mine
        </label>
        {!mine && (
          <select aria-label="Assignee filter" value={assignee} onChange={(e) => setFilter('assignee', e.target.value)}>
            <option value="">Anyone</option>
            <option value="null">Unassigned</option>
            <Options items={members.data} label={(m) => m.full_name || m.username} />
          </select>
        )}
        <select aria-label="Type filter" value={type} onChange={(e) => setFilter('type', e.target.value)}>
          <option value="">All types</option>
          <Options items={types.data} label={(t) => t.name} />
        </select>
        {labels.length > 0 && (
          <select aria-label="Label filter" value={label} onChange={(e) => setFilter('label', e.target.value)}>
            <option value="">All labels</option>
            {labels.map((l) => (
              <option key={l}>{l}</option>
            ))}
          </select>
        )}
        {filtering && (
          <button
            className="btn small ghost"
            onClick={() => setToolbar(Object.fromEntries(FILTER_KEYS.map((k) => [k, ''])), { replace: true })}
          >
            Clear filters
          </button>
        )}
        {(board.isFetching || places.isFetching) && <span className="muted small">Updating…</span>}
      </div>
      <ErrorBox error={error} onRetry={() => (board.refetch(), places.refetch())} />
      {(viewLoading || statuses.isPending || !tasks) && !error && <Spinner label="Loading the board…" />}
      {view && statuses.data && tasks && <BoardColumns project={pid} view={view} statuses={statuses.data} tasks={tasks} sprint={sprint} />}
    </div>
  );
}

/** A note about one saved or failed move. */
interface Note {
  id: number;
  text: string;
  failed: boolean;
  undo?: () => void;
  retry?: () => void;
}

const NO_PRESENCE_MAP = new Map<string, PresenceEntry[]>();

/** The notes kept when another comes: every failure (until dismissed), and the last two others. */
function keepFailed(notes: Note[]): Note[] {
  const saved = notes.filter((n) => !n.failed).slice(-2);
  return notes.filter((n) => n.failed || saved.includes(n));
}
let noteIds = 0;

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
  const sensors = useSensors(
    useSensor(MouseSensor, { activationConstraint: { distance: 5 } }),
    // A short press picks a card up on touch screens; a swipe still scrolls.
    useSensor(TouchSensor, { activationConstraint: { delay: 180, tolerance: 8 } }),
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
  /** Which column each card is in (as saved, not as dragged). */
  const columnOfTask = useMemo(() => {
    const m = new Map<string, string>();
    for (const [s, list] of columns) for (const t of list) m.set(t.id, s);
    return m;
  }, [columns]);
  const latest = useRef({ columns, columnOfTask });
  latest.current = { columns, columnOfTask };

  // While a card is dragged, the columns as shown: the card sits where it would land, so the
  // target column makes room for it (dnd-kit's multi-container sortable pattern). Kept in a ref
  // as well: a drop that follows the last move at once must see it.
  interface Drag {
    active: Task;
    columns: Map<string, Task[]>;
    /** The column the card sits in now. */
    at: string;
  }
  const [drag, setDragState] = useState<Drag | null>(null);
  const dragRef = useRef<Drag | null>(null);
  const setDrag = (d: Drag | null) => {
    dragRef.current = d;
    setDragState(d);
  };
  const shown = drag?.columns ?? columns;
  useColumnAutoScroll(drag != null);

  const queue = useMemo(() => new MoveQueue(queries, project, view.id), [queries, project, view.id]);
  const [notes, setNotes] = useState<Note[]>([]);
  const dismiss = useCallback((id: number) => setNotes((n) => n.filter((x) => x.id !== id)), []);
  const statusName = (id: string) => statuses.find((s) => s.id === id)?.name ?? 'another column';
  const prefix = proj.data?.task_id_prefix ?? '';

  /** Where a card was and where it was sent: what an undo and a retry go back to. */
  interface Spot {
    status: string;
    index: number;
  }

  /** Saves a move and leaves a note: saved, with an undo; or failed, with a retry and an undo. */
  const submit = (move: Move, back: Spot, target: Spot) => {
    queue.submit(move).then((result: MoveResult) => {
      const key = `${prefix}-${move.task.task_number}`;
      const id = ++noteIds;
      const undo = () => {
        dismiss(id);
        moveTo(move.task.id, back, back);
      };
      if (result.ok) {
        const where = move.from === move.to ? `within ${statusName(move.to)}` : `to ${statusName(move.to)}`;
        setNotes((n) => [...keepFailed(n), { id, text: `Moved ${key} ${where}`, failed: false, undo }]);
        setTimeout(() => dismiss(id), 6000);
      } else {
        const retry = () => {
          dismiss(id);
          moveTo(move.task.id, target, back);
        };
        setNotes((n) => [...keepFailed(n), { id, text: `Could not move ${key}: ${errorText(result.error)}`, failed: true, undo, retry }]);
      }
    });
  };

  /** Moves a card to a spot of the board as it is now (undo, retry); `back` is where an undo of this goes. */
  const moveTo = (taskId: string, spot: Spot, back: Spot) => {
    const { columns: cols, columnOfTask: where } = latest.current;
    const from = where.get(taskId);
    const task = from ? cols.get(from)?.find((t) => t.id === taskId) : undefined;
    if (!from || !task) return;
    const others = (cols.get(spot.status) ?? []).filter((t) => t.id !== taskId);
    const at = Math.max(0, Math.min(spot.index, others.length));
    const here = (cols.get(from) ?? []).findIndex((t) => t.id === taskId);
    // Undoing an undo goes back to where this move started.
    const undoTo = back.status === spot.status && back.index === spot.index ? { status: from, index: here } : back;
    submit({ task, from, to: spot.status, placements: place(others, task, at, spot.status) }, undoTo, { status: spot.status, index: at });
  };

  function onDragStart(e: DragStartEvent) {
    const { columns, columnOfTask } = latest.current;
    const id = String(e.active.id);
    const at = columnOfTask.get(id);
    const active = at ? columns.get(at)?.find((t) => t.id === id) : undefined;
    if (!at || !active) return;
    setDrag({ active, columns: new Map(columns), at });
  }

  function onDragCancel() {
    setDrag(null);
  }

  /** The drag with the card moved into the column it is over, before or after the card under the pointer. */
  function carried(d: Drag, e: DragOverEvent | DragEndEvent): Drag {
    const { active, over } = e;
    if (!over) return d;
    const { columnOfTask } = latest.current;
    const activeId = String(active.id);
    const overId = String(over.id);
    const to = overId.startsWith('col:') ? overId.slice(4) : overId === activeId ? d.at : columnOfTask.get(overId);
    if (!to || to === d.at || !d.columns.has(to)) return d;
    const source = d.columns.get(d.at)!;
    const target = d.columns.get(to)!;
    let index = target.length;
    const overIndex = overId.startsWith('col:') ? -1 : target.findIndex((t) => t.id === overId);
    if (overIndex >= 0) {
      const dragged = active.rect.current.translated;
      const below = !!dragged && dragged.top > over.rect.top + over.rect.height / 2;
      index = overIndex + (below ? 1 : 0);
    }
    const next = new Map(d.columns);
    next.set(
      d.at,
      source.filter((t) => t.id !== activeId),
    );
    next.set(to, [...target.slice(0, index), d.active, ...target.slice(index)]);
    return { ...d, columns: next, at: to };
  }

  function onDragOver(e: DragOverEvent) {
    const d = dragRef.current;
    if (!d) return;
    const next = carried(d, e);
    if (next !== d) setDrag(next);
  }

  function onDragEnd(e: DragEndEvent) {
    const current = dragRef.current;
    setDrag(null);
    if (!current || !e.over) return;
    // A drop right after the pointer reached another column can come before dnd-kit reported
    // that column (onDragOver): carry the card there first, or the drop would be lost.
    const d = carried(current, e);
    const { columns, columnOfTask } = latest.current;
    const moved = d.active;
    const overId = String(e.over.id);
    const from = columnOfTask.get(moved.id);
    const to = d.at;
    if (!from) return;
    // Within the column it now sits in: before the card dropped on, or last on the column.
    let finalOrder = d.columns.get(to)!;
    const oldIndex = finalOrder.findIndex((t) => t.id === moved.id);
    const newIndex = overId.startsWith('col:')
      ? from === to
        ? finalOrder.length - 1
        : oldIndex
      : finalOrder.findIndex((t) => t.id === overId);
    if (newIndex >= 0 && newIndex !== oldIndex) finalOrder = arrayMove(finalOrder, oldIndex, newIndex);
    const index = finalOrder.findIndex((t) => t.id === moved.id);
    const before = columns.get(from)!;
    if (from === to && finalOrder.length === before.length && finalOrder.every((t, i) => t.id === before[i].id)) return;
    const others = finalOrder.filter((t) => t.id !== moved.id);
    submit(
      { task: moved, from, to, placements: place(others, moved, index, to) },
      { status: from, index: before.findIndex((t) => t.id === moved.id) },
      { status: to, index },
    );
  }

  const memberMap = useMemo(() => new Map((members.data ?? []).map((m) => [m.id, m])), [members.data]);
  const typeMap = useMemo(() => new Map((types.data ?? []).map((t) => [t.id, t.name])), [types.data]);
  const presenceMap = useMemo(() => {
    if (presence.length === 0) return NO_PRESENCE_MAP;
    const m = new Map<string, PresenceEntry[]>();
    for (const p of presence) if (p.task_id) m.set(p.task_id, [...(m.get(p.task_id) ?? []), p]);
    return m;
  }, [presence]);
  const working = useAgentsAtWork(project);
  const openRef = useRef(openTask);
  openRef.current = openTask;
  const shared: CardShared = useMemo(
    () => ({ prefix, members: memberMap, types: typeMap, presence: presenceMap, working, openTask: (id: string) => openRef.current(id) }),
    [prefix, memberMap, typeMap, presenceMap, working],
  );

  return (
    <CardContext.Provider value={shared}>
      <DndContext
        sensors={sensors}
        collisionDetection={collide}
        onDragStart={onDragStart}
        onDragOver={onDragOver}
        onDragCancel={onDragCancel}
        onDragEnd={onDragEnd}
        accessibility={{ announcements: announcements(latest, prefix) }}
        // dnd-kit scrolls the board and the page; the columns scroll with useColumnAutoScroll
        // (dnd-kit only scrolls the boxes around the card it is over, which misses a column
        // entered near its edge). Sideways only close to the board's edge: on a phone a column
        // is most of the width, and a drop on the next column must not carry the board past it.
        autoScroll={{ threshold: { x: 0.1, y: 0.2 }, canScroll: (el) => !el.matches('[data-testid="column-cards"]') }}
      >
        <div className="board" data-testid="board">
          {statuses.map((s) => (
            <Column
              key={s.id}
              project={project}
              status={s}
              tasks={shown.get(s.id) ?? NO_TASKS}
              sprint={sprint}
              activeId={drag && drag.at === s.id ? drag.active.id : null}
            />
          ))}
        </div>
        <DragOverlay>
          {drag ? (
            <div className="drag-overlay">
              <CardBody task={drag.active} />
            </div>
          ) : null}
        </DragOverlay>
      </DndContext>
      <div className="move-notes" data-testid="move-notes">
        {notes.map((n) => (
          <div key={n.id} className={`move-note${n.failed ? ' failed' : ''}`} role={n.failed ? 'alert' : 'status'} data-testid="move-note">
            <span>{n.text}</span>
            {n.retry && (
              <button className="btn small" onClick={n.retry}>
                Retry
              </button>
            )}
            {n.undo && (
              <button className="btn small" onClick={n.undo}>
                Undo
              </button>
            )}
            <button className="btn small ghost" aria-label="Dismiss" onClick={() => dismiss(n.id)}>
              ×
            </button>
          </div>
        ))}
      </div>
    </CardContext.Provider>
  );
}

const NO_TASKS: Task[] = [];

/** How close to a column's top or bottom (px) a dragged card scrolls it, and how fast at most (px per frame). */
const EDGE = 72;
const SPEED = 24;

/**
 * While a card is dragged, scrolls the column under the pointer (or finger) when it is near the
 * column's top or bottom, faster the closer it is: any column, not only the one the card came
 * from.
 */
function useColumnAutoScroll(dragging: boolean) {
  useEffect(() => {
    if (!dragging) return;
    let x = -1;
    let y = -1;
    const track = (e: MouseEvent | TouchEvent) => {
      const p = 'touches' in e ? e.touches[0] : e;
      if (p) {
        x = p.clientX;
        y = p.clientY;
      }
    };
    let frame = requestAnimationFrame(function tick() {
      frame = requestAnimationFrame(tick);
      if (x < 0) return;
      for (const box of document.querySelectorAll<HTMLElement>('[data-testid="column-cards"]')) {
        const r = box.getBoundingClientRect();
        if (x < r.left || x > r.right) continue;
        const edge = Math.min(EDGE, r.height / 3);
        if (y > r.bottom - edge && y < r.bottom + edge) {
          box.scrollTop += Math.ceil(SPEED * Math.min(1, (y - (r.bottom - edge)) / edge));
        } else if (y < r.top + edge && y > r.top - edge) {
          box.scrollTop -= Math.ceil(SPEED * Math.min(1, (r.top + edge - y) / edge));
        }
      }
    });
    window.addEventListener('mousemove', track, true);
    window.addEventListener('touchmove', track, { capture: true, passive: true });
    return () => {
      cancelAnimationFrame(frame);
      window.removeEventListener('mousemove', track, true);
      window.removeEventListener('touchmove', track, true);
    };
  }, [dragging]);
}

/**
 * What the card is over: the card under the pointer (or finger), else the column under it,
 * else the nearest by corners (between columns). The pointer decides, not the dragged card's
 * rectangle, which on a narrow screen overlaps the next column.
 */
const collide: CollisionDetection = (args) => {
  const within = pointerWithin(args);
  if (within.length === 0) return closestCorners(args);
  const card = within.find((c) => !String(c.id).startsWith('col:'));
  return card ? [card] : within;
};

/** Screen-reader announcements that name cards by key and title, not by id. */
function announcements(latest: { current: { columns: Map<string, Task[]>; columnOfTask: Map<string, string> } }, prefix: string) {
  const label = (id: string | number) => {
    const s = latest.current.columnOfTask.get(String(id));
    const t = s ? latest.current.columns.get(s)?.find((x) => x.id === String(id)) : undefined;
    return t ? `${prefix}-${t.task_number} ${t.title}` : 'the card';
  };
  const target = (id: string | number) => (String(id).startsWith('col:') ? 'the column' : label(id));
  return {
    onDragStart: ({ active }: { active: { id: string | number } }) => `Picked up ${label(active.id)}.`,
    onDragOver: ({ active, over }: { active: { id: string | number }; over: { id: string | number } | null }) =>
      over ? `${label(active.id)} is over ${target(over.id)}.` : `${label(active.id)} is no longer over a drop area.`,
    onDragEnd: ({ active, over }: { active: { id: string | number }; over: { id: string | number } | null }) =>
      over ? `${label(active.id)} was dropped over ${target(over.id)}.` : `${label(active.id)} was dropped.`,
    onDragCancel: ({ active }: { active: { id: string | number } }) => `Moving ${label(active.id)} was cancelled.`,
  };
}
