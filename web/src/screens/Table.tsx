// Table of tasks with the server's filters, sort and story-point sum.

import { useMemo, useState } from 'react';
import { useParams } from 'react-router-dom';
import { useMembers, useProject, useSprints, useStatuses, useTaskTypes, useTasks, type TaskFilter } from '../api/queries';
import { Empty, ErrorBox, Options, Spinner, fmtDate } from '../components/ui';
import { useOpenTask } from './openTask';

const SORTS = [
  ['created', 'Created'],
  ['title', 'Title'],
  ['importance', 'Importance'],
  ['story_points', 'Story points'],
  ['start_date', 'Start date'],
  ['due_date', 'Due date'],
];

export function TableScreen() {
  const { pid = '' } = useParams();
  const openTask = useOpenTask();
  const project = useProject(pid);
  const statuses = useStatuses(pid);
  const types = useTaskTypes(pid);
  const members = useMembers(pid);
  const sprints = useSprints(pid);
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState('');
  const [type, setType] = useState('');
  const [assignee, setAssignee] = useState('');
  const [sprint, setSprint] = useState('');
  const [sort, setSort] = useState('created');
  const filter: TaskFilter = useMemo(
    () => ({
      search: search.trim() || undefined,
      status_ids: status || undefined,
      task_type_ids: type || undefined,
      assignee_id: assignee || undefined,
      sprint_id: sprint || undefined,
      sort_by: sort,
      sum_field: 'story_points',
    }),
    [search, status, type, assignee, sprint, sort],
  );
  const tasks = useTasks(pid, filter);
  const name = (list: { id: string; name: string }[] | undefined, id?: string) => list?.find((x) => x.id === id)?.name ?? '';
  const items = tasks.data?.items ?? [];
  const sum = tasks.data?.field_sum ?? items.reduce((n, t) => n + (t.story_points ?? 0), 0);

  return (
    <div className="table-page">
      <div className="toolbar filters">
        <input aria-label="Search" placeholder="Search titles" value={search} onChange={(e) => setSearch(e.target.value)} />
        <select aria-label="Status filter" value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">All statuses</option>
          <Options items={statuses.data} label={(s) => s.name} />
        </select>
        <select aria-label="Type filter" value={type} onChange={(e) => setType(e.target.value)}>
          <option value="">All types</option>
          <Options items={types.data} label={(s) => s.name} />
        </select>
        <select aria-label="Assignee filter" value={assignee} onChange={(e) => setAssignee(e.target.value)}>
          <option value="">Anyone</option>
          <option value="null">Unassigned</option>
          <Options items={members.data} label={(m) => m.full_name || m.username} />
        </select>
        <select aria-label="Sprint filter" value={sprint} onChange={(e) => setSprint(e.target.value)}>
          <option value="">Any sprint</option>
          <option value="null">Backlog only</option>
          <Options items={sprints.data} label={(s) => s.name} />
        </select>
        <select aria-label="Sort by" value={sort} onChange={(e) => setSort(e.target.value)}>
          {SORTS.map(([k, l]) => (
            <option key={k} value={k}>
              Sort: {l}
            </option>
          ))}
        </select>
        {tasks.isFetching && <span className="muted small">Updating…</span>}
      </div>
      <ErrorBox error={tasks.error} onRetry={() => tasks.refetch()} />
      {tasks.isPending && <Spinner />}
      {tasks.isSuccess && items.length === 0 && <Empty title="No tasks match">Change the filters or create tasks on the board.</Empty>}
      {items.length > 0 && (
        <table className="grid" data-testid="task-table">
          <thead>
            <tr>
              <th>Key</th>
              <th>Title</th>
              <th>Type</th>
              <th>Status</th>
              <th>Assignees</th>
              <th>Sprint</th>
              <th className="num">Importance</th>
              <th className="num">Points</th>
              <th>Due</th>
            </tr>
          </thead>
          <tbody>
            {items.map((t) => (
              <tr
                key={t.id}
                className="clickable"
                onClick={() => openTask(t.id)}
              >
                <td className="key">
                  {project.data?.task_id_prefix}-{t.task_number}
                </td>
                <td>{t.title}</td>
                <td>{name(types.data, t.task_type_id)}</td>
                <td>{name(statuses.data, t.status_id)}</td>
                <td>
                  {t.assignee_ids
                    .map((id) => members.data?.find((m) => m.id === id))
                    .map((m) => m?.full_name || m?.username)
                    .join(', ')}
                </td>
                <td>{name(sprints.data, t.sprint_id) || <span className="muted">Backlog</span>}</td>
                <td className="num">{t.importance}</td>
                <td className="num">{t.story_points ?? ''}</td>
                <td>{fmtDate(t.due_date)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <td colSpan={7}>
                {tasks.data?.total_count ?? items.length} tasks
              </td>
              <td className="num" data-testid="points-sum">
                {sum}
              </td>
              <td />
            </tr>
          </tfoot>
        </table>
      )}
    </div>
  );
}
