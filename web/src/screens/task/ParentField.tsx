// The task's parent, under the server's rules: an Epic has no parent, and a task cannot be its
// own parent or the parent of one of its ancestors (no cycles). Epics are offered first.

import type { Task, TaskType } from '../../api/types';
import { Options } from '../../components/ui';

/** The system "Epic" type (the server's rule keys on it). */
export function isEpic(types: TaskType[] | undefined, typeId: string | null | undefined): boolean {
  const t = types?.find((x) => x.id === typeId);
  return !!t && t.is_system && t.name === 'Epic';
}

/** The task and everything below it: none of them can become its parent. */
function selfAndDescendants(taskId: string, tasks: Task[]): Set<string> {
  const out = new Set([taskId]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const t of tasks) {
      if (t.parent_task_id && out.has(t.parent_task_id) && !out.has(t.id)) {
        out.add(t.id);
        grew = true;
      }
    }
  }
  return out;
}

export function ParentField({
  prefix,
  task,
  value,
  typeId,
  types,
  tasks,
  onChange,
}: {
  prefix: string;
  task: Task;
  value: string | null | undefined;
  typeId: string | null | undefined;
  types: TaskType[] | undefined;
  tasks: Task[] | undefined;
  onChange: (parent: string | null) => void;
}) {
  const epic = isEpic(types, typeId);
  const all = tasks ?? [];
  const excluded = selfAndDescendants(task.id, all);
  const choices = all.filter((t) => !excluded.has(t.id)).sort((a, b) => a.task_number - b.task_number);
  const epics = choices.filter((t) => isEpic(types, t.task_type_id));
  const others = choices.filter((t) => !isEpic(types, t.task_type_id));
  const label = (t: Task) => `${prefix}-${t.task_number} ${t.title}`;
  const known = !value || choices.some((t) => t.id === value);
  return (
    <label>
      Parent
      <select
        aria-label="Parent"
        value={epic ? '' : value ?? ''}
        disabled={epic}
        title={epic ? 'An epic cannot have a parent' : undefined}
        onChange={(e) => onChange(e.target.value || null)}
      >
        <option value="">—</option>
        {!known && <option value={value ?? ''}>(a task not listed here)</option>}
        {epics.length > 0 && (
          <optgroup label="Epics">
            <Options items={epics} label={label} />
          </optgroup>
        )}
        {others.length > 0 && (
          <optgroup label="Tasks">
            <Options items={others} label={label} />
          </optgroup>
        )}
      </select>
      {epic && <span className="muted small" data-testid="parent-hint">An epic cannot have a parent.</span>}
    </label>
  );
}
