// One settings action at a time: its progress, the server's error, and fresh caches after.

import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { keys } from '../../api/queries';

/** Runs an action with progress and error state; refreshes the project's caches after. */
export function useAction(project: string) {
  const queries = useQueryClient();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  async function run(name: string, fn: () => Promise<unknown>) {
    setBusy(name);
    setError(null);
    try {
      await fn();
      await queries.invalidateQueries({ queryKey: keys.project(project) });
      return true;
    } catch (err) {
      setError(err);
      return false;
    } finally {
      setBusy(null);
    }
  }
  return { busy, error, run };
}
