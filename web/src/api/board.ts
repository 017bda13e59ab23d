// Every live task of a project, held once in the cache: read in one request
// (`GET /projects/{id}/board`), then kept current task by task from live events and from the
// answers to this client's own writes. Screens that show tasks (board, backlog, table, timeline,
// the drawer's pickers) derive what they show from it; a board view's manual order is a
// separate, small query of positions.

import { useQuery, type QueryClient } from '@tanstack/react-query';
import { api } from './client';
import { keys } from './queries';
import type { Member, Project, Task, TaskStatus, TaskType } from './types';

export interface BoardData {
  project: Project;
  statuses: TaskStatus[];
  task_types: TaskType[];
  members: Member[];
  /** Every live task, in creation order. */
  tasks: Task[];
  /** The project's event sequence the board is as new as. */
  seq: number;
}

/** A task's place in one view (its manual order). */
export interface Place {
  position: number;
  group_key?: string;
}

/** Positions of one view, by task id. */
export type Places = Map<string, Place>;

type BoardListener = (project: string, seq: number) => void;
const boardListeners = new Set<BoardListener>();

/** Called each time a board read arrives (the realtime layer catches it up from `seq`). */
export function onBoardLoaded(fn: BoardListener): () => void {
  boardListeners.add(fn);
  return () => boardListeners.delete(fn);
}

/** When each project's last board read was answered (reads stored since are as new as its `seq`). */
const readAt = new Map<string, number>();

export function boardReadAt(project: string): number | undefined {
  return readAt.get(project);
}

/** The board read index.html started before the app loaded, if it is for this project. */
async function earlyRead(project: string): Promise<BoardData | null> {
  const w = window as { __corralBoard?: { project: string; answer: Promise<Response> } };
  const early = w.__corralBoard;
  if (!early) return null;
  // Only for the page's first read of that project: later, the answer may be old.
  delete w.__corralBoard;
  if (early.project !== project || performance.now() > 15_000) return null;
  try {
    const res = await early.answer;
    if (!res.ok) return null;
    const body = await res.json();
    return (body?.data ?? null) as BoardData | null;
  } catch {
    return null;
  }
}

export async function fetchBoard(queries: QueryClient, project: string): Promise<BoardData> {
  // Anything but a good early answer (signed out, an error) is asked again the usual way.
  const board = (await earlyRead(project)) ?? (await api.get<BoardData>(`/projects/${project}/board`));
  // The same read answers the column and type lists: spare their own requests on a cold start.
  readAt.set(project, Date.now());
  if (queries.getQueryData(keys.statuses(project)) === undefined) {
    queries.setQueryData(keys.statuses(project), [...board.statuses].sort((a, b) => a.position - b.position));
  }
  if (queries.getQueryData(keys.types(project)) === undefined) {
    queries.setQueryData(keys.types(project), board.task_types);
  }
  // Tasks written by this client while the read was under way stay as this client knows them.
  const tasks = board.tasks.map((t) => {
    const mine = optimistic.get(t.id);
    return mine && mine.version >= t.version ? mine : t;
  });
  setTimeout(() => boardListeners.forEach((fn) => fn(project, board.seq)), 0);
  return { ...board, tasks };
}

/**
 * The whole board. Live events keep it current (and a join catches it up from its `seq`), so
 * it is never stale by age; `structuralSharing` is off because a diff of 10,000 tasks costs
 * more than it saves.
 */
export function useBoard(project: string, enabled = true) {
  return useQuery({
    queryKey: keys.board(project),
    queryFn: ({ client }) => fetchBoard(client, project),
    structuralSharing: false,
    staleTime: Infinity,
    enabled,
  });
}

const NO_TASKS: Task[] = [];

/** Every live task of the project (empty while loading). */
export function useBoardTasks(project: string, enabled = true) {
  const board = useBoard(project, enabled);
  return { ...board, tasks: board.data?.tasks ?? NO_TASKS };
}

// ---- Positions of a view ----

interface PendingPlace extends Place {
  /** When the write was acknowledged; null while it is under way. */
  done: number | null;
}
/** Positions this client is writing, laid over what the server last said until it says them. */
const pendingPlaces = new Map<string, Map<string, PendingPlace>>();

async function fetchPlaces(project: string, view: string): Promise<Places> {
  const started = Date.now();
  const res = await api.get<{ items: { task_id: string; position: number; group_key?: string }[] }>(
    `/projects/${project}/views/${view}/task-positions`,
  );
  const out: Places = new Map();
  for (const p of res.items ?? []) out.set(p.task_id, { position: p.position, group_key: p.group_key });
  const pending = pendingPlaces.get(view);
  if (pending) {
    for (const [id, p] of pending) {
      // Acknowledged before this read started: the read has it.
      if (p.done != null && p.done < started) pending.delete(id);
      else out.set(id, { position: p.position, group_key: p.group_key });
    }
  }
  return out;
}

export function useViewPlaces(project: string, view: string | undefined) {
  return useQuery({
    queryKey: keys.positions(project, view ?? ''),
    queryFn: () => fetchPlaces(project, view!),
    structuralSharing: false,
    // Kept current by position events, and read again when the project is joined.
    staleTime: Infinity,
    enabled: !!view,
  });
}

/** Shows positions at once (a drop); `settle` says when the server has acknowledged them. */
export function placeLocally(queries: QueryClient, project: string, view: string, places: { task_id: string; position: number; group_key?: string }[]) {
  let pending = pendingPlaces.get(view);
  if (!pending) pendingPlaces.set(view, (pending = new Map()));
  for (const p of places) pending.set(p.task_id, { position: p.position, group_key: p.group_key, done: null });
  queries.setQueryData<Places>(keys.positions(project, view), (old) => {
    const next: Places = new Map(old ?? []);
    for (const p of places) next.set(p.task_id, { position: p.position, group_key: p.group_key });
    return next;
  });
  return () => {
    const now = Date.now();
    for (const p of places) {
      const cur = pending!.get(p.task_id);
      if (cur && cur.position === p.position) cur.done = now;
    }
  };
}

/** Forgets positions whose write failed (the next read shows the server's). */
export function dropLocalPlaces(view: string, ids: string[]) {
  const pending = pendingPlaces.get(view);
  for (const id of ids) pending?.delete(id);
}

/** Applies positions the server announced (a live event that carries them). */
export function applyPlaces(queries: QueryClient, project: string, view: string, places: { task_id: string; position: number; group_key?: string | null }[]) {
  const pending = pendingPlaces.get(view);
  queries.setQueryData<Places>(keys.positions(project, view), (old) => {
    if (!old) return old;
    const next: Places = new Map(old);
    for (const p of places) {
      if (pending?.get(p.task_id)?.done === null) continue;
      next.set(p.task_id, { position: p.position, group_key: p.group_key ?? undefined });
    }
    return next;
  });
}

// ---- One task at a time ----

/** Tasks changed here and not yet acknowledged: what this client shows until the answer. */
const optimistic = new Map<string, Task>();

function replaceIn(board: BoardData, task: Task): BoardData {
  const i = board.tasks.findIndex((t) => t.id === task.id);
  if (i < 0) return { ...board, tasks: [...board.tasks, task] };
  const tasks = board.tasks.slice();
  tasks[i] = task;
  return { ...board, tasks };
}

/**
 * Puts a task's state, as the server wrote it, into the board and the task's own entry. An
 * older version never replaces a newer one, and while this client's own change to the task is
 * under way, only a newer version than the one it changed replaces it.
 */
export function putTask(queries: QueryClient, task: Task) {
  const p = task.project_id;
  const mine = optimistic.get(task.id);
  const accept = (old: Task | undefined) => !old || (mine ? task.version > old.version : task.version >= old.version);
  queries.setQueryData<BoardData>(keys.board(p), (board) => {
    if (!board) return board;
    const old = board.tasks.find((t) => t.id === task.id);
    return accept(old) ? replaceIn(board, task) : board;
  });
  if (queries.getQueryData(keys.task(p, task.id)) !== undefined) {
    queries.setQueryData<Task>(keys.task(p, task.id), (old) => (accept(old) ? task : old));
  }
}

/** Removes a deleted task from the board; its own entry is read again (and answers 404). */
export function removeTask(queries: QueryClient, project: string, id: string) {
  optimistic.delete(id);
  queries.setQueryData<BoardData>(keys.board(project), (board) =>
    board && board.tasks.some((t) => t.id === id) ? { ...board, tasks: board.tasks.filter((t) => t.id !== id) } : board,
  );
  if (queries.getQueryData(keys.task(project, id)) !== undefined) {
    queries.invalidateQueries({ queryKey: keys.task(project, id) });
  }
}

/**
 * Shows a change to a task at once, before the server has it. Returns the settle function:
 * call it with the server's answer (or nothing, after a failure, to show the server's state
 * again from `fallback`).
 */
export function changeLocally(queries: QueryClient, project: string, id: string, fn: (t: Task) => Task) {
  const board = queries.getQueryData<BoardData>(keys.board(project));
  const before = board?.tasks.find((t) => t.id === id);
  if (!before) return (answer?: Task) => answer && putTask(queries, answer);
  const changed = fn(before);
  optimistic.set(id, changed);
  queries.setQueryData<BoardData>(keys.board(project), (b) => (b ? replaceIn(b, changed) : b));
  return (answer?: Task) => {
    if (optimistic.get(id) === changed) optimistic.delete(id);
    if (answer) {
      putTask(queries, answer);
      return;
    }
    // Failed: unless something newer arrived meanwhile, show the task as it was.
    queries.setQueryData<BoardData>(keys.board(project), (b) => {
      const cur = b?.tasks.find((t) => t.id === id);
      return b && cur === changed ? replaceIn(b, before) : b;
    });
  };
}

/** The cached copy of a task. */
export function cachedTask(queries: QueryClient, project: string, id: string): Task | undefined {
  return queries.getQueryData<BoardData>(keys.board(project))?.tasks.find((t) => t.id === id) ?? queries.getQueryData<Task>(keys.task(project, id));
}
