// Manual order in a view: fractional positions between neighbours (Paca's midpoint scheme).
// The server renumbers a group when neighbours get too close, so midpoints are always safe.
// Tasks never placed in the view come after the placed ones, by number: a drop among them
// places only the unplaced tasks above the drop (not the whole column).

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
 * Where `moved` goes when it lands at `index` of `column` (in display order, without it):
 * one placement between placed neighbours; below the last placed card, the unplaced cards
 * above the drop are placed too; the placed cards are renumbered only when no room is left.
 */
export function place(column: Task[], moved: Task, index: number, group: string): Placement[] {
  const placedCount = column.findIndex((t) => t.view_position == null);
  const placed = placedCount < 0 ? column.length : placedCount;
  const at = Math.max(0, Math.min(index, column.length));
  if (at > placed) {
    // Among the unplaced: place those above the drop, in their order, then the card.
    const base = placed > 0 ? (column[placed - 1].view_position as number) : 0;
    const out: Placement[] = column
      .slice(placed, at)
      .map((t, i) => ({ task_id: t.id, position: base + STEP * (i + 1), group_key: group }));
    out.push({ task_id: moved.id, position: base + STEP * (at - placed + 1), group_key: group });
    return out;
  }
  const prev = at > 0 ? column[at - 1] : undefined;
  const next = at < placed ? column[at] : undefined;
  let position: number;
  if (!prev && !next) position = STEP;
  else if (!prev) position = (next!.view_position as number) / 2;
  else if (!next) position = (prev.view_position as number) + STEP;
  else position = ((prev.view_position as number) + (next.view_position as number)) / 2;
  const tooClose =
    (prev && position <= (prev.view_position as number)) || (next && position >= (next.view_position as number));
  if (!tooClose && position > 0) return [{ task_id: moved.id, position, group_key: group }];
  // No room left: renumber the placed cards with the moved one among them.
  const final = [...column.slice(0, at), moved, ...column.slice(at, placed)];
  return final.map((t, i) => ({ task_id: t.id, position: STEP * (i + 1), group_key: group }));
}
