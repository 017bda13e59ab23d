// The task drawer follows the URL (`?task=<id>`, read by ProjectLayout): opening a task keeps
// the other search parameters (filters, the board's sprint).

import { useChangeSearchParams } from './searchParams';

/** A function that opens the drawer on a task. */
export function useOpenTask() {
  const changeParams = useChangeSearchParams();
  return (id: string) => changeParams((next) => next.set('task', id));
}
