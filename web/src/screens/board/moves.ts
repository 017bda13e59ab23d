// Saving board moves: each drop is shown at once (the card's status and the view's positions in
// the cache), then saved in the order the drops were made, one after the other, so a drag made
// right after the previous drop lands on top of it instead of racing it. Each move ends in a
// result the board shows: saved (with an undo) or failed (with a retry and an undo).

import type { QueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { cachedTask, changeLocally, dropLocalPlaces, placeLocally } from '../../api/board';
import { keys } from '../../api/queries';
import { isConflict, patchTask } from '../../api/tasks';
import type { Task } from '../../api/types';
import type { Placement } from './placement';

/** Most positions one request may set (the server's bulk limit). */
const BULK_MAX = 1000;
/** Most positions a request may carry and still outlive the page (keepalive bodies are capped at 64 KB). */
const KEEPALIVE_MAX = 200;

export interface Move {
  task: Task;
  /** The status it leaves and the one it goes to (the same for a reorder). */
  from: string;
  to: string;
  placements: Placement[];
}

export type MoveResult = { move: Move; ok: true } | { move: Move; ok: false; error: unknown };

export class MoveQueue {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private queries: QueryClient,
    private project: string,
    private view: string,
  ) {}

  private waiting = 0;

  /**
   * Saves the move after the moves before it, and shows it at once. With nothing ahead of it,
   * its writes are on their way before the board re-renders with it.
   */
  submit(move: Move): Promise<MoveResult> {
    const { queries, project, view } = this;
    const moves = move.from !== move.to;
    let settleTask: ((answer?: Task) => void) | null = null;
    let settlePlaces = () => {};
    const run = async (): Promise<MoveResult> => {
      try {
        // The place and the status are written together; the place survives a reload or a
        // closed tab right after the drop (keepalive, when the request is small enough).
        const place = async () => {
          for (let i = 0; i < move.placements.length; i += BULK_MAX) {
            const chunk = move.placements.slice(i, i + BULK_MAX);
            const keepalive = chunk.length <= KEEPALIVE_MAX;
            if (chunk.length === 1) {
              const p = chunk[0];
              await api.put(
                `/projects/${project}/views/${view}/task-positions/${p.task_id}`,
                { position: p.position, group_key: p.group_key },
                { keepalive },
              );
            } else {
              await api.put(`/projects/${project}/views/${view}/task-positions`, { items: chunk }, { keepalive });
            }
          }
          settlePlaces();
        };
        const status = async () => {
          if (!moves) return;
          // The version as this client knows it now (an earlier move may have changed it).
          const known = cachedTask(queries, project, move.task.id)?.version ?? move.task.version;
          let saved: Task;
          try {
            saved = await patchTask(project, move.task.id, { status_id: move.to }, known);
          } catch (err) {
            // Someone else changed the card meanwhile: a move only sets its status, so apply it
            // on top of their change.
            if (!isConflict(err)) throw err;
            saved = await patchTask(project, move.task.id, { status_id: move.to }, err.current.version);
          }
          settleTask?.(saved);
        };
        await Promise.all([place(), status()]);
        return { move, ok: true };
      } catch (error) {
        settleTask?.();
        dropLocalPlaces(view, move.placements.map((p) => p.task_id));
        queries.invalidateQueries({ queryKey: keys.positions(project, view) });
        return { move, ok: false, error };
      }
    };
    const idle = this.waiting === 0;
    this.waiting++;
    const result = (idle ? run() : this.tail.then(run, run)).finally(() => this.waiting--);
    this.tail = result;
    settleTask = moves ? changeLocally(queries, project, move.task.id, (t) => ({ ...t, status_id: move.to })) : null;
    settlePlaces = placeLocally(queries, project, view, move.placements);
    return result;
  }
}
