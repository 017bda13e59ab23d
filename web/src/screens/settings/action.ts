// One settings action at a time: its progress, the server's error, and fresh caches after.

import { useQueryClient } from '@tanstack/react-query';
import { keys } from '../../api/queries';
import { useRun } from '../../components/run';

/** Runs an action with progress and error state; refreshes the project's caches after. */
export function useAction(project: string) {
  const queries = useQueryClient();
  const { busy, error, run } = useRun(() => queries.invalidateQueries({ queryKey: keys.project(project) }));
  return { busy, error, run };
}
