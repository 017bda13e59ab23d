// Task writes: version-checked PATCH (If-Match). Their answers go into the cache with
// `putTask` (board.ts).

import { ApiError, api } from './client';
import type { Task } from './types';

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
