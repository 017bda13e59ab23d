// One action at a time: which one is running (by name) and the error the last one ended with.

import { useState } from 'react';

/**
 * Runs actions with progress and error state. `run` resolves to whether the action succeeded;
 * `after` (say, refreshing caches) runs inside the same action once `fn` has succeeded.
 */
export function useRun(after?: () => Promise<unknown>) {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  async function run(name: string, fn: () => Promise<unknown>): Promise<boolean> {
    setBusy(name);
    setError(null);
    try {
      await fn();
      if (after) await after();
      return true;
    } catch (err) {
      setError(err);
      return false;
    } finally {
      setBusy(null);
    }
  }
  return { busy, error, setError, run };
}
