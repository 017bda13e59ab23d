// The task list's filters and sorts (the same rules as the server's `GET …/tasks`), applied to
// the cached board, so filtering and sorting a table of 10,000 tasks needs no request.

import type { Task } from './types';

export interface TaskFilter {
  /** A sprint id, or 'null' for the backlog only. */
  sprint_id?: string;
  status_id?: string;
  /** A member id, or 'null' for unassigned. */
  assignee_id?: string;
  task_type_id?: string;
  /** The title (case-insensitive) or `#<number>`. */
  search?: string;
  /** A tag (label) the task carries. */
  tag?: string;
}

export type TaskSort = 'created' | 'title' | 'importance' | 'story_points' | 'start_date' | 'due_date';

function refMatches(want: string | undefined, value: string | undefined): boolean {
  if (!want) return true;
  if (want === 'null') return !value;
  return value === want;
}

export function matches(t: Task, f: TaskFilter): boolean {
  if (!refMatches(f.sprint_id, t.sprint_id)) return false;
  if (!refMatches(f.status_id, t.status_id)) return false;
  if (!refMatches(f.task_type_id, t.task_type_id)) return false;
  if (f.assignee_id) {
    if (f.assignee_id === 'null' ? t.assignee_ids.length > 0 : !t.assignee_ids.includes(f.assignee_id)) return false;
  }
  if (f.tag && !t.tags?.includes(f.tag)) return false;
  const q = f.search?.trim().toLowerCase();
  if (q && !t.title.toLowerCase().includes(q) && !`#${t.task_number}`.includes(q)) return false;
  return true;
}

type Key = number | string | null;

function keyOf(t: Task, sort: TaskSort): Key {
  switch (sort) {
    case 'title':
      return t.title.toLowerCase();
    case 'importance':
      return t.importance;
    case 'story_points':
      return t.story_points ?? null;
    case 'start_date':
      return t.start_date ?? null;
    case 'due_date':
      return t.due_date ?? null;
    default:
      return null;
  }
}

/** Sorted as the server sorts: empty values last, importance and points descending, then creation. */
export function sortTasks(tasks: Task[], sort: TaskSort): Task[] {
  const descending = sort === 'importance' || sort === 'story_points';
  const keyed = tasks.map((t) => ({ t, k: keyOf(t, sort) }));
  keyed.sort((a, b) => {
    if (a.k !== b.k) {
      if (a.k === null) return 1;
      if (b.k === null) return -1;
      const c = a.k < b.k ? -1 : 1;
      return descending ? -c : c;
    }
    return a.t.created_at < b.t.created_at ? -1 : a.t.created_at > b.t.created_at ? 1 : a.t.id < b.t.id ? -1 : a.t.id > b.t.id ? 1 : 0;
  });
  return keyed.map((x) => x.t);
}
