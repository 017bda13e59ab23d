// Writes to the address's search parameters that start from the address as it is now.

import { useCallback } from 'react';
import { useSearchParams, type NavigateOptions } from 'react-router-dom';

/**
 * A function that changes the search parameters, starting from the browser's current URL rather
 * than from the parameters of the last render. The router shows a new address in a transition:
 * until that render commits, the rendered parameters are the old ones, and a write built from
 * them (a second filter picked at once, a task opened right after) would undo the first.
 */
export function useChangeSearchParams() {
  const [, setParams] = useSearchParams();
  return useCallback(
    (change: (next: URLSearchParams) => void, options?: NavigateOptions) => {
      const next = new URLSearchParams(window.location.search);
      change(next);
      setParams(next, options);
    },
    [setParams],
  );
}
