// Task and position events applied to the one task (or the few positions) they change, in the
// cached board, instead of reading every task again. An event that carries the task's JSON
// (`payload.task`) is applied as it is; one that names the task only (an activity payload) has
// that one task read (`GET …/tasks/{id}`, reads of one task coalesced). Deletions carry the id.

import type { QueryClient } from '@tanstack/react-query';
import { ApiError, api } from '../api/client';
import { applyPlaces, cachedTask, putTask, removeTask } from '../api/board';
import { keys } from '../api/queries';
import type { Task } from '../api/types';
import type { ProjectEvent } from './socket';

/** Event types whose change to a task is applied here. */
const TASK_CHANGES = new Set(['task.created', 'task.updated', 'workflow.assigned']);

/** The task's JSON when the event carries it whole. */
export function taskIn(payload: Record<string, any> | undefined): Task | null {
  const t = payload?.task;
  if (t && typeof t === 'object' && typeof t.id === 'string' && typeof t.version === 'number' && Array.isArray(t.assignee_ids)) {
    return t as Task;
  }
  return null;
}

export function taskIdOf(e: ProjectEvent): string | undefined {
  return e.payload?.task_id ?? taskIn(e.payload)?.id ?? (e.type.startsWith('task.') ? e.payload?.id : undefined);
}

export class TaskEvents {
  /** `project/task` → waiting to be read. */
  private queued = new Set<string>();
  private reading = new Set<string>();
  private readAgain = new Set<string>();
  private scheduled = false;

  constructor(private queries: QueryClient) {}

  /** Applies a task or position event; false when the event is not one of those. */
  apply(project: string, e: ProjectEvent): boolean {
    if (TASK_CHANGES.has(e.type)) {
      const task = taskIn(e.payload);
      if (task) {
        putTask(this.queries, { ...task, project_id: task.project_id ?? project });
        return true;
      }
      const id = taskIdOf(e);
      if (!id) return false;
      // This client may hold that version already (its own write's answer came first).
      const have = cachedTask(this.queries, project, id);
      const version = e.payload?.version;
      if (have && typeof version === 'number' && have.version >= version) return true;
      this.read(project, id);
      return true;
    }
    if (e.type === 'task.deleted') {
      const id = taskIdOf(e);
      if (!id) return false;
      removeTask(this.queries, project, id);
      return true;
    }
    if (e.type === 'view.task_positions.updated') {
      const view: string | undefined = e.payload?.view_id;
      if (!view) return false;
      const places = e.payload?.positions;
      if (Array.isArray(places)) {
        applyPlaces(this.queries, project, view, places);
      } else if (this.queries.getQueryData(keys.positions(project, view)) !== undefined) {
        // The event names the tasks, not their places: read the view's positions (one small
        // list of numbers, not the tasks).
        this.queries.invalidateQueries({ queryKey: keys.positions(project, view) });
      }
      return true;
    }
    return false;
  }

  private read(project: string, id: string) {
    const key = `${project}/${id}`;
    if (this.reading.has(key)) {
      // A read under way may have started before this change: read once more after it.
      this.readAgain.add(key);
      return;
    }
    this.queued.add(key);
    if (!this.scheduled) {
      // Reads the events of one socket frame named are coalesced, without waiting a timer.
      this.scheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  private flush() {
    this.scheduled = false;
    const waiting = [...this.queued];
    this.queued.clear();
    for (const key of waiting) this.readOne(key);
  }

  private async readOne(key: string) {
    const [project, id] = key.split('/');
    this.reading.add(key);
    try {
      const task = await api.get<Task>(`/projects/${project}/tasks/${id}`);
      putTask(this.queries, task);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) removeTask(this.queries, project, id);
      else this.queries.invalidateQueries({ queryKey: keys.board(project) });
    } finally {
      this.reading.delete(key);
      if (this.readAgain.delete(key)) this.read(project, id);
    }
  }
}
