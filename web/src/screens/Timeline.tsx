// Timeline of epics: one bar per epic from its start to its due date.

import { useMemo } from 'react';
import { useParams } from 'react-router-dom';
import { useBoardTasks } from '../api/board';
import { useProject, useTaskTypes } from '../api/queries';
import { sortTasks } from '../api/taskFilter';
import type { Task } from '../api/types';
import { Empty, ErrorBox, Spinner, fmtDate } from '../components/ui';
import { useOpenTask } from './openTask';

const DAY = 864e5;

export function TimelineScreen() {
  const { pid = '' } = useParams();
  const openTask = useOpenTask();
  const project = useProject(pid);
  const types = useTaskTypes(pid);
  const epicType = types.data?.find((t) => t.name === 'Epic');
  const tasks = useBoardTasks(pid, !!epicType);
  const epics = useMemo(
    () => sortTasks(tasks.tasks.filter((t) => t.task_type_id === epicType?.id), 'start_date'),
    [tasks.tasks, epicType?.id],
  );

  const range = useMemo(() => {
    const dates = epics.flatMap((e) => [e.start_date, e.due_date]).filter(Boolean).map((d) => Date.parse(d as string));
    const now = Date.now();
    const min = Math.min(now - 7 * DAY, ...dates);
    const max = Math.max(now + 60 * DAY, ...dates);
    const start = new Date(min);
    start.setUTCDate(1);
    return { start: start.getTime(), end: max + 7 * DAY };
  }, [epics]);
  const span = range.end - range.start;
  const months: { label: string; left: number }[] = [];
  for (let d = new Date(range.start); d.getTime() < range.end; d.setUTCMonth(d.getUTCMonth() + 1)) {
    months.push({ label: d.toLocaleString(undefined, { month: 'short', year: 'numeric' }), left: ((d.getTime() - range.start) / span) * 100 });
  }
  const bar = (t: Task) => {
    const s = t.start_date ? Date.parse(t.start_date) : t.due_date ? Date.parse(t.due_date) - 7 * DAY : null;
    const e = t.due_date ? Date.parse(t.due_date) + DAY : s != null ? s + 7 * DAY : null;
    if (s == null || e == null) return null;
    return { left: ((s - range.start) / span) * 100, width: Math.max(1, ((e - s) / span) * 100) };
  };
  const today = ((Date.now() - range.start) / span) * 100;

  return (
    <div className="timeline-page">
      <ErrorBox error={types.error ?? tasks.error} />
      {(types.isPending || (epicType && tasks.isPending)) && <Spinner />}
      {types.isSuccess && !epicType && <Empty title="No Epic type in this project" />}
      {tasks.isSuccess && epics.length === 0 && <Empty title="No epics yet">Create a task of type Epic with start and due dates to see it here.</Empty>}
      {epics.length > 0 && (
        <div className="timeline" data-testid="timeline">
          <div className="timeline-scale">
            {months.map((m) => (
              <span key={m.label} style={{ left: `${m.left}%` }}>
                {m.label}
              </span>
            ))}
          </div>
          <div className="timeline-today" style={{ left: `calc(220px + (100% - 220px) * ${today / 100})` }} />
          {epics.map((t) => {
            const b = bar(t);
            return (
              <div key={t.id} className="timeline-row">
                <a
                  href="#"
                  className="timeline-label"
                  onClick={(e) => {
                    e.preventDefault();
                    openTask(t.id);
                  }}
                >
                  <span className="key">
                    {project.data?.task_id_prefix}-{t.task_number}
                  </span>{' '}
                  {t.title}
                </a>
                <div className="timeline-track">
                  {b ? (
                    <div className="timeline-bar" style={{ left: `${b.left}%`, width: `${b.width}%` }} title={`${fmtDate(t.start_date)} – ${fmtDate(t.due_date)}`}>
                      {fmtDate(t.start_date)} – {fmtDate(t.due_date)}
                    </div>
                  ) : (
                    <span className="muted small">No dates</span>
                  )}
                </div>
              </div>
            );
          })}
        </div>
      )}
    </div>
  );
}
