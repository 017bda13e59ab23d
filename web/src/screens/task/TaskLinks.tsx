// The task drawer's relations: links to other tasks of the project (blocks, relates to,
// duplicates, and their inverses read from this side) and the task's children.

import { useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { keys, useStatuses, useTaskLinks } from '../../api/queries';
import type { DisplayLinkType, LinkType, Task, TaskLink } from '../../api/types';
import { useRun } from '../../components/run';
import { Busy, ErrorBox, Options, Spinner } from '../../components/ui';
import { useOpenTask } from '../openTask';

/** Every relation people can pick, in the words of this task's side. */
export const LINK_LABELS: Record<DisplayLinkType, string> = {
  blocks: 'Blocks',
  is_blocked_by: 'Is blocked by',
  relates_to: 'Relates to',
  duplicates: 'Duplicates',
  is_duplicated_by: 'Is duplicated by',
};

/** An inverse is stored as the forward link from the other task. */
const STORED: Record<DisplayLinkType, { type: LinkType; fromOther: boolean }> = {
  blocks: { type: 'blocks', fromOther: false },
  is_blocked_by: { type: 'blocks', fromOther: true },
  relates_to: { type: 'relates_to', fromOther: false },
  duplicates: { type: 'duplicates', fromOther: false },
  is_duplicated_by: { type: 'duplicates', fromOther: true },
};

export function TaskLinks({
  project,
  prefix,
  task,
  tasks,
}: {
  project: string;
  prefix: string;
  task: Task;
  /** The project's tasks, for picking a target and listing children. */
  tasks: Task[] | undefined;
}) {
  const queries = useQueryClient();
  const links = useTaskLinks(project, task.id);
  const statuses = useStatuses(project);
  const [kind, setKind] = useState<DisplayLinkType>('blocks');
  const [target, setTarget] = useState('');
  const { busy, error, run } = useRun();

  const open = useOpenTask();
  const statusName = (id?: string) => statuses.data?.find((s) => s.id === id)?.name;
  const refresh = () => {
    // Both ends changed; the activity feed records the link.
    queries.invalidateQueries({ queryKey: ['project', project, 'links'] });
    queries.invalidateQueries({ queryKey: keys.activities(project, task.id) });
  };

  function add(e: FormEvent) {
    e.preventDefault();
    if (!target) return;
    const stored = STORED[kind];
    const [from, to] = stored.fromOther ? [target, task.id] : [task.id, target];
    run('add', async () => {
      await api.post(`/projects/${project}/tasks/${from}/links`, { target_task_id: to, link_type: stored.type });
      setTarget('');
      refresh();
    });
  }

  function remove(link: TaskLink) {
    run(link.id, async () => {
      await api.del(`/projects/${project}/tasks/${task.id}/links/${link.id}`);
      refresh();
    });
  }

  const list = links.data ?? [];
  const groups = (Object.keys(LINK_LABELS) as DisplayLinkType[])
    .map((k) => ({ kind: k, items: list.filter((l) => l.display_link_type === k) }))
    .filter((g) => g.items.length > 0);
  const children = (tasks ?? []).filter((t) => t.parent_task_id === task.id);
  const candidates = (tasks ?? []).filter((t) => t.id !== task.id).sort((a, b) => a.task_number - b.task_number);
  const key = (n: number) => `${prefix}-${n}`;

  return (
    <div className="section" data-testid="task-links">
      <h3>Links</h3>
      {links.isPending && <Spinner label="Loading links…" />}
      <ErrorBox error={links.error} onRetry={() => links.refetch()} />
      {links.isSuccess && list.length === 0 && <div className="muted">No links to other tasks.</div>}
      {groups.map((g) => (
        <div key={g.kind} className="link-group">
          <div className="muted small">{LINK_LABELS[g.kind]}</div>
          <ul className="link-list">
            {g.items.map((l) => (
              <li key={l.id} data-testid="task-link" data-link-type={l.display_link_type}>
                <button type="button" className="link-button" onClick={() => open(l.linked_task.id)}>
                  <span className="key">{key(l.linked_task.task_number)}</span> {l.linked_task.title}
                </button>
                {statusName(l.linked_task.status_id) && <span className="pill">{statusName(l.linked_task.status_id)}</span>}
                <span className="spacer" />
                <Busy
                  busy={busy === l.id}
                  className="btn ghost small"
                  aria-label={`Remove link to ${key(l.linked_task.task_number)}`}
                  onClick={() => remove(l)}
                >
                  ×
                </Busy>
              </li>
            ))}
          </ul>
        </div>
      ))}
      <form className="inline-form" onSubmit={add}>
        <select aria-label="Link type" value={kind} onChange={(e) => setKind(e.target.value as DisplayLinkType)}>
          {(Object.keys(LINK_LABELS) as DisplayLinkType[]).map((k) => (
            <option key={k} value={k}>
              {LINK_LABELS[k]}
            </option>
          ))}
        </select>
        <select aria-label="Task to link" value={target} onChange={(e) => setTarget(e.target.value)} required>
          <option value="">Choose a task…</option>
          <Options items={candidates} label={(t) => `${key(t.task_number)} ${t.title}`} />
        </select>
        <Busy busy={busy === 'add'} className="btn small" type="submit" disabled={!target}>
          Add link
        </Busy>
      </form>
      <ErrorBox error={error} />
      {children.length > 0 && (
        <div className="link-group" data-testid="child-tasks">
          <div className="muted small">Child tasks</div>
          <ul className="link-list">
            {children.map((t) => (
              <li key={t.id}>
                <button type="button" className="link-button" onClick={() => open(t.id)}>
                  <span className="key">{key(t.task_number)}</span> {t.title}
                </button>
                {statusName(t.status_id) && <span className="pill">{statusName(t.status_id)}</span>}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
