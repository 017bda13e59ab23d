// Table of tasks with the task list's filters, sorts and story-point sum, applied to the cached
// board (no request per keystroke); only the rows in view are in the page (virtualized).

import { useDeferredValue, useMemo, useRef, useState } from 'react';
import { useParams, useSearchParams } from 'react-router-dom';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useBoardTasks } from '../api/board';
import { useMembers, useProject, useSprints, useStatuses, useTaskTypes } from '../api/queries';
import { matches, sortTasks, type TaskFilter, type TaskSort } from '../api/taskFilter';
import { Empty, ErrorBox, Options, Spinner, fmtDate } from '../components/ui';
import { useOpenTask } from './openTask';
import { useChangeSearchParams } from './searchParams';
import { BulkBar, useSelection } from './BulkEdit';

/** Height of one row (rows are one line). */
const ROW = 37;

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
  // Filters and the sort live in the address: a reload or a shared link shows the same rows.
  // Writes start from the address as it is now (see `useChangeSearchParams`), so two quick
  // changes both stick.
  const [params] = useSearchParams();
  const changeParams = useChangeSearchParams();
  const param = (k: string) => params.get(k) ?? '';
  const setParam = (k: string) => (v: string) =>
    changeParams(
      (next) => {
        if (v) next.set(k, v);
        else next.delete(k);
      },
      { replace: true },
    );
  // The search box answers at once from its own state; the address follows it.
  const [search, setSearchText] = useState(() => param('q'));
  const setSearch = (v: string) => {
    setSearchText(v);
    setParam('q')(v);
  };
  const status = param('status');
  const setStatus = setParam('status');
  const type = param('type');
  const setType = setParam('type');
  const assignee = param('assignee');
  const setAssignee = setParam('assignee');
  const sprint = param('sprint');
  const setSprint = setParam('sprint');
  const sort = (SORTS.some(([k]) => k === param('sort')) ? param('sort') : 'created') as TaskSort;
  const setSort = (v: TaskSort) => setParam('sort')(v === 'created' ? '' : v);
  const query = useDeferredValue(search);
  const filter: TaskFilter = useMemo(
    () => ({
      search: query.trim() || undefined,
      status_id: status || undefined,
      task_type_id: type || undefined,
      assignee_id: assignee || undefined,
      sprint_id: sprint || undefined,
    }),
    [query, status, type, assignee, sprint],
  );
  const tasks = useBoardTasks(pid);
  const items = useMemo(() => sortTasks(tasks.tasks.filter((t) => matches(t, filter)), sort), [tasks.tasks, filter, sort]);
  const sum = useMemo(() => items.reduce((n, t) => n + (t.story_points ?? 0), 0), [items]);
  const names = useMemo(() => {
    const m = new Map<string, string>();
    for (const x of [...(types.data ?? []), ...(statuses.data ?? []), ...(sprints.data ?? [])]) m.set(x.id, x.name);
    for (const x of members.data ?? []) m.set(x.id, x.full_name || x.username);
    return m;
  }, [types.data, statuses.data, sprints.data, members.data]);
  const name = (id?: string) => (id ? names.get(id) ?? '' : '');
  const selection = useSelection();
  const selectedTasks = useMemo(() => items.filter((t) => selection.selected.has(t.id)), [items, selection.selected]);
  const allSelected = items.length > 0 && selectedTasks.length === items.length;
  const scroller = useRef<HTMLDivElement>(null);
  const rows = useVirtualizer({ count: items.length, getScrollElement: () => scroller.current, estimateSize: () => ROW, overscan: 12 });
  const shown = rows.getVirtualItems();
  const padTop = shown[0]?.start ?? 0;
  const padBottom = rows.getTotalSize() - (shown[shown.length - 1]?.end ?? 0);

  return (
    <div className="table-page">
      <div className="toolbar filters">
        <input data-search aria-label="Search" placeholder="Search titles" value={search} onChange={(e) => setSearch(e.target.value)} />
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
        <select aria-label="Sort by" value={sort} onChange={(e) => setSort(e.target.value as TaskSort)}>
          {SORTS.map(([k, l]) => (
            <option key={k} value={k}>
              Sort: {l}
            </option>
          ))}
        </select>
        {tasks.isFetching && <span className="muted small">Updating…</span>}
      </div>
      {selectedTasks.length > 0 && (
        <BulkBar
          project={pid}
          prefix={project.data?.task_id_prefix ?? ''}
          tasks={selectedTasks}
          statuses={statuses.data}
          members={members.data}
          sprints={sprints.data}
          onClear={selection.clear}
        />
      )}
      <ErrorBox error={tasks.error} onRetry={() => tasks.refetch()} />
      {tasks.isPending && <Spinner />}
      {tasks.isSuccess && items.length === 0 && <Empty title="No tasks match">Change the filters or create tasks on the board.</Empty>}
      {items.length > 0 && (
        <div className="table-scroll" ref={scroller} data-testid="table-scroll">
          <table className="grid fixed" data-testid="task-table" aria-rowcount={items.length + 2}>
            <colgroup>
              <col style={{ width: 36 }} />
              <col style={{ width: 90 }} />
              <col />
              <col style={{ width: 100 }} />
              <col style={{ width: 120 }} />
              <col style={{ width: 150 }} />
              <col style={{ width: 120 }} />
              <col style={{ width: 90 }} />
              <col style={{ width: 70 }} />
              <col style={{ width: 100 }} />
            </colgroup>
            <thead>
              <tr>
                <th>
                  <input
                    type="checkbox"
                    aria-label="Select all shown tasks"
                    checked={allSelected}
                    onChange={(e) => (e.target.checked ? selection.setAll(items.map((t) => t.id)) : selection.clear())}
                  />
                </th>
                <SortHeader label="Key" by="created" sort={sort} onSort={setSort} />
                <SortHeader label="Title" by="title" sort={sort} onSort={setSort} />
                <th>Type</th>
                <th>Status</th>
                <th>Assignees</th>
                <th>Sprint</th>
                <SortHeader label="Importance" by="importance" sort={sort} onSort={setSort} num />
                <SortHeader label="Points" by="story_points" sort={sort} onSort={setSort} num />
                <SortHeader label="Due" by="due_date" sort={sort} onSort={setSort} />
              </tr>
            </thead>
            <tbody>
              {padTop > 0 && <tr aria-hidden style={{ height: padTop }} />}
              {shown.map((row) => {
                const t = items[row.index];
                return (
                  <tr
                    key={t.id}
                    className="clickable"
                    data-testid="table-row"
                    data-title={t.title}
                    aria-rowindex={row.index + 2}
                    style={{ height: ROW }}
                    tabIndex={0}
                    aria-selected={selection.selected.has(t.id)}
                    onClick={() => openTask(t.id)}
                    onKeyDown={(e) => {
                      if (e.target !== e.currentTarget) return;
                      if (e.key === 'Enter') openTask(t.id);
                      else if (e.key === ' ') {
                        e.preventDefault();
                        selection.toggle(t.id, !selection.selected.has(t.id), e.shiftKey, items);
                      }
                    }}
                  >
                    <td onClick={(e) => e.stopPropagation()}>
                      <input
                        type="checkbox"
                        aria-label={`Select ${project.data?.task_id_prefix}-${t.task_number}`}
                        checked={selection.selected.has(t.id)}
                        onClick={(e) => {
                          const box = e.currentTarget;
                          selection.toggle(t.id, box.checked, e.shiftKey, items);
                        }}
                        onChange={() => undefined}
                      />
                    </td>
                    <td className="key">
                      {project.data?.task_id_prefix}-{t.task_number}
                    </td>
                    <td>{t.title}</td>
                    <td>{name(t.task_type_id)}</td>
                    <td>{name(t.status_id)}</td>
                    <td>{t.assignee_ids.map(name).join(', ')}</td>
                    <td>{name(t.sprint_id) || <span className="muted">Backlog</span>}</td>
                    <td className="num">{t.importance}</td>
                    <td className="num">{t.story_points ?? ''}</td>
                    <td>{fmtDate(t.due_date)}</td>
                  </tr>
                );
              })}
              {padBottom > 0 && <tr aria-hidden style={{ height: padBottom }} />}
            </tbody>
            <tfoot>
              <tr>
                <td colSpan={8} data-testid="task-count">
                  {items.length} tasks
                </td>
                <td className="num" data-testid="points-sum">
                  {sum}
                </td>
                <td />
              </tr>
            </tfoot>
          </table>
        </div>
      )}
    </div>
  );
}

/** A column header that sorts the table by its column (the order `sortTasks` gives that key). */
function SortHeader({ label, by, sort, onSort, num }: { label: string; by: TaskSort; sort: TaskSort; onSort: (s: TaskSort) => void; num?: boolean }) {
  const active = sort === by;
  const descending = by === 'importance' || by === 'story_points';
  return (
    <th className={num ? 'num' : undefined} aria-sort={active ? (descending ? 'descending' : 'ascending') : 'none'}>
      <button className="sort-header" onClick={() => onSort(by)} title={`Sort by ${label.toLowerCase()}`}>
        {label}
        {active ? (descending ? ' ↓' : ' ↑') : ''}
      </button>
    </th>
  );
}
