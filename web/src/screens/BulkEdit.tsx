// Bulk edit of a list of tasks (the table): the selection (checkboxes, shift-click for a range)
// and the bar that sets the status, the assignee or the sprint of every selected task, one
// version-checked request per task, with progress and a summary of what failed.

import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { errorText } from '../api/client';
import { putTask } from '../api/board';
import { patchTask } from '../api/tasks';
import type { Member, Sprint, Task, TaskStatus } from '../api/types';
import { Options } from '../components/ui';

/** The selected task ids, with shift-click extending from the last click over `order`. */
export function useSelection() {
  const [selected, setSelected] = useState<Set<string>>(() => new Set());
  const [anchor, setAnchor] = useState<string | null>(null);
  return {
    selected,
    toggle(id: string, on: boolean, shift: boolean, order: Task[]) {
      const next = new Set(selected);
      const from = anchor ? order.findIndex((t) => t.id === anchor) : -1;
      const to = order.findIndex((t) => t.id === id);
      if (shift && from >= 0 && to >= 0) {
        for (let i = Math.min(from, to); i <= Math.max(from, to); i++) {
          if (on) next.add(order[i].id);
          else next.delete(order[i].id);
        }
      } else if (on) next.add(id);
      else next.delete(id);
      setAnchor(id);
      setSelected(next);
    },
    setAll(ids: string[]) {
      setSelected(new Set(ids));
    },
    clear() {
      setSelected(new Set());
      setAnchor(null);
    },
  };
}

interface Outcome {
  done: number;
  total: number;
  failed: { key: string; why: string }[];
}

export function BulkBar({
  project,
  prefix,
  tasks,
  statuses,
  members,
  sprints,
  onClear,
}: {
  project: string;
  prefix: string;
  tasks: Task[];
  statuses: TaskStatus[] | undefined;
  members: Member[] | undefined;
  sprints: Sprint[] | undefined;
  onClear: () => void;
}) {
  const queries = useQueryClient();
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const running = outcome !== null && outcome.done < outcome.total;

  async function apply(changes: Record<string, unknown>) {
    const list = tasks;
    const state: Outcome = { done: 0, total: list.length, failed: [] };
    setOutcome({ ...state });
    for (const t of list) {
      try {
        putTask(queries, await patchTask(project, t.id, changes, t.version));
      } catch (err) {
        state.failed.push({ key: `${prefix}-${t.task_number}`, why: errorText(err) });
      }
      state.done += 1;
      setOutcome({ ...state, failed: [...state.failed] });
    }
  }

  return (
    <div className="bulk-bar" role="region" aria-label="Bulk edit" data-testid="bulk-bar">
      <strong>{tasks.length} selected</strong>
      <select
        aria-label="Set status of selected"
        value=""
        disabled={running}
        onChange={(e) => e.target.value && apply({ status_id: e.target.value })}
      >
        <option value="">Set status…</option>
        <Options items={statuses} label={(s) => s.name} />
      </select>
      <select
        aria-label="Set assignee of selected"
        value=""
        disabled={running}
        onChange={(e) => e.target.value && apply({ assignee_ids: e.target.value === 'none' ? [] : [e.target.value] })}
      >
        <option value="">Assign to…</option>
        <option value="none">Nobody</option>
        <Options items={members} label={(m) => m.full_name || m.username} />
      </select>
      <select
        aria-label="Set sprint of selected"
        value=""
        disabled={running}
        onChange={(e) => e.target.value && apply({ sprint_id: e.target.value === 'backlog' ? null : e.target.value })}
      >
        <option value="">Move to sprint…</option>
        <option value="backlog">Backlog</option>
        <Options items={sprints?.filter((s) => s.status !== 'completed')} label={(s) => s.name} />
      </select>
      <button className="btn small ghost" onClick={onClear} disabled={running}>
        Clear selection
      </button>
      {outcome && (
        <span className="muted small" role="status" data-testid="bulk-status">
          {running
            ? `Updating ${outcome.done} of ${outcome.total}…`
            : outcome.failed.length === 0
              ? `Updated ${outcome.total} tasks.`
              : `Updated ${outcome.total - outcome.failed.length} of ${outcome.total}; failed: ${outcome.failed.map((f) => `${f.key} (${f.why})`).join(', ')}`}
        </span>
      )}
    </div>
  );
}
