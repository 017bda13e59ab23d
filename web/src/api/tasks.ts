// Task writes: version-checked PATCH (If-Match), and the cache updates that go with them.

import type { QueryClient } from '@tanstack/react-query';
import { ApiError, api } from './client';
import { keys } from './queries';
import type { Task, TaskList } from './types';

/** Fields to change (PATCH is tri-state: absent keeps, null clears). */
export type TaskChanges = Record<string, unknown>;

/** PATCH the task, refusing to overwrite a newer version unless `version` is null. */
export async function patchTask(project: string, id: string, changes: TaskChanges, version: number | null): Promise<Task> {
  const headers: Record<string, string> = {};
  if (version != null) headers['If-Match'] = String(version);
  return api.patch<Task>(`/projects/${project}/tasks/${id}`, changes, { headers });
}

export function isConflict(err: unknown): err is ApiError & { current: Task } {
  return err instanceof ApiError && err.code === 'TASK_VERSION_CONFLICT' && !!err.current;
}

/** Puts a task's new state into every cached list and its own entry. */
export function storeTask(queries: QueryClient, task: Task) {
  queries.setQueryData(keys.task(task.project_id, task.id), task);
  queries.setQueriesData<TaskList>({ queryKey: ['project', task.project_id, 'tasks'] }, (old) => {
    if (!old) return old;
    return {
      ...old,
      items: old.items.map((t) =>
        t.id === task.id ? { ...task, view_position: t.view_position, view_group_key: t.view_group_key } : t,
      ),
    };
  });
}

/** Changes cached copies of one task in place (optimistic updates). */
export function patchCached(queries: QueryClient, project: string, id: string, fn: (t: Task) => Task) {
  queries.setQueriesData<TaskList>({ queryKey: ['project', project, 'tasks'] }, (old) =>
    old ? { ...old, items: old.items.map((t) => (t.id === id ? fn(t) : t)) } : old,
  );
}
