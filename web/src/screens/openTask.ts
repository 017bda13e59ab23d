// The task drawer follows the URL (`?task=<id>`, read by ProjectLayout): opening a task keeps
// the other search parameters (filters, the board's sprint).

import { useSearchParams } from 'react-router-dom';

/** A function that opens the drawer on a task. */
export function useOpenTask() {
  const [params, setParams] = useSearchParams();
  return (id: string) => {
    const next = new URLSearchParams(params);
    next.set('task', id);
    setParams(next);
  };
}
