// Manual order in a view: fractional positions between neighbours (Paca's midpoint scheme).
// The server renumbers a group when neighbours get too close, so midpoints are always safe.

import type { Task } from '../../api/types';

export const STEP = 1024;

/** Cards of one column in display order: placed ones by position, then the rest by number. */
export function ordered(tasks: Task[]): Task[] {
  return [...tasks].sort((a, b) => {
    const pa = a.view_position;
    const pb = b.view_position;
    if (pa != null && pb != null && pa !== pb) return pa - pb;
    if (pa != null && pb == null) return -1;
    if (pa == null && pb != null) return 1;
    return a.task_number - b.task_number;
  });
}

export interface Placement {
  task_id: string;
  position: number;
  group_key: string;
}

/**
 * Where `moved` goes when it lands at `index` of `column` (which does not contain it): one
 * placement when both neighbours are placed, else the whole column renumbered.
 */
export function place(column: Task[], moved: Task, index: number, group: string): Placement[] {
  const final = [...column.slice(0, index), moved, ...column.slice(index)];
  const prev = column[index - 1];
  const next = column[index];
  const placed = (t?: Task) => !t || t.view_position != null;
  if (placed(prev) && placed(next)) {
    let position: number;
    if (!prev && !next) position = STEP;
    else if (!prev) position = (next!.view_position as number) / 2;
    else if (!next) position = (prev.view_position as number) + STEP;
    else position = ((prev.view_position as number) + (next.view_position as number)) / 2;
    const tooClose =
      (prev && position <= (prev.view_position as number)) || (next && position >= (next.view_position as number));
    if (!tooClose && position > 0) return [{ task_id: moved.id, position, group_key: group }];
  }
  return final.map((t, i) => ({ task_id: t.id, position: STEP * (i + 1), group_key: group }));
}
