// One board column: its header, its cards (virtualized: only those in view, and the one being
// dragged, are in the page) and its quick-add form. The cards share what they show through
// `CardContext`, so a column re-renders only when its own list changes.

import { createContext, memo, useCallback, useContext, useMemo, useRef, useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useDroppable } from '@dnd-kit/core';
import { SortableContext, useSortable, verticalListSortingStrategy } from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import { defaultRangeExtractor, useVirtualizer, type Range } from '@tanstack/react-virtual';
import { api, errorText } from '../../api/client';
import { putTask } from '../../api/board';
import type { Member, Task, TaskStatus } from '../../api/types';
import { useRun } from '../../components/run';
import { useReporterId, type AgentAtWork } from '../../api/queries';
import { PROJECT_KEYS, useProjectGrants } from '../../permissions';
import type { PresenceEntry } from '../../realtime/socket';
import { initials } from '../ProjectLayout';

/** What every card needs besides its task. */
export interface CardShared {
  prefix: string;
  members: Map<string, Member>;
  types: Map<string, string>;
  presence: Map<string, PresenceEntry[]>;
  /** Tasks an agent is working on. */
  working: Map<string, AgentAtWork>;
  openTask: (id: string) => void;
}

export const CardContext = createContext<CardShared>({
  prefix: '',
  members: new Map(),
  types: new Map(),
  presence: new Map(),
  working: new Map(),
  openTask: () => {},
});

/** A first guess of a card's height with its gap; each card is measured once shown. */
const CARD_ESTIMATE = 96;
const NO_PRESENCE: PresenceEntry[] = [];

export const Column = memo(function Column({
  project,
  status,
  tasks,
  sprint,
  activeId,
}: {
  project: string;
  status: TaskStatus;
  tasks: Task[];
  sprint?: string;
  /** The card being dragged, kept in the page wherever it is in the list. */
  activeId: string | null;
}) {
  const { setNodeRef, isOver } = useDroppable({ id: `col:${status.id}` });
  const grants = useProjectGrants(project);
  const canAdd = !grants.loaded || grants.can(PROJECT_KEYS.tasksWrite);
  const ids = useMemo(() => tasks.map((t) => t.id), [tasks]);
  const scroller = useRef<HTMLDivElement>(null);
  const activeIndex = activeId ? ids.indexOf(activeId) : -1;
  const rangeExtractor = useCallback(
    (range: Range) => {
      const shown = defaultRangeExtractor(range);
      if (activeIndex >= 0 && !shown.includes(activeIndex)) {
        shown.push(activeIndex);
        shown.sort((a, b) => a - b);
      }
      return shown;
    },
    [activeIndex],
  );
  const cards = useVirtualizer({
    count: tasks.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => CARD_ESTIMATE,
    getItemKey: (i) => ids[i],
    overscan: 4,
    rangeExtractor,
  });
  return (
    <section
      ref={setNodeRef}
      className={`column${isOver ? ' over' : ''}`}
      data-testid="column"
      data-status={status.name}
      aria-label={status.name}
    >
      <header>
        <span className="status-dot" style={{ background: status.color || statusColor(status.category) }} />
        <h3>{status.name}</h3>
        <span className="count">{tasks.length}</span>
      </header>
      <SortableContext items={ids} strategy={verticalListSortingStrategy}>
        <div className="cards" ref={scroller} data-testid="column-cards">
          {tasks.length === 0 ? (
            <div className="column-empty muted">No tasks</div>
          ) : (
            <div className="cards-space" style={{ height: cards.getTotalSize() }}>
              {cards.getVirtualItems().map((item) => (
                <div
                  key={item.key}
                  className="card-slot"
                  data-index={item.index}
                  ref={cards.measureElement}
                  style={{ transform: `translateY(${item.start}px)` }}
                >
                  <SortableCard task={tasks[item.index]} />
                </div>
              ))}
            </div>
          )}
        </div>
      </SortableContext>
      {canAdd && <QuickAdd project={project} status={status} sprint={sprint} />}
    </section>
  );
});

export function statusColor(c: string): string {
  return (
    { backlog: '#94a3b8', refinement: '#a78bfa', ready: '#60a5fa', todo: '#38bdf8', inprogress: '#f59e0b', done: '#22c55e' } as Record<
      string,
      string
    >
  )[c] ?? '#94a3b8';
}

function QuickAdd({ project, status, sprint }: { project: string; status: TaskStatus; sprint?: string }) {
  const queries = useQueryClient();
  const [open, setOpen] = useState(false);
  const [title, setTitle] = useState('');
  const { busy: running, error, run } = useRun();
  const reporter = useReporterId(project);
  const busy = running !== null;
  function submit(e: FormEvent) {
    e.preventDefault();
    if (!title.trim()) return;
    run('add', async () => {
      const body = { title: title.trim(), status_id: status.id, sprint_id: sprint, reporter_id: reporter };
      putTask(queries, await api.post<Task>(`/projects/${project}/tasks`, body));
      setTitle('');
    });
  }
  if (!open) {
    return (
      <button className="btn ghost add-card" onClick={() => setOpen(true)}>
        + Add task
      </button>
    );
  }
  return (
    <form onSubmit={submit} className="quick-add">
      <input
        aria-label={`New task in ${status.name}`}
        placeholder="Task title"
        value={title}
        autoFocus
        disabled={busy}
        onChange={(e) => setTitle(e.target.value)}
        onKeyDown={(e) => e.key === 'Escape' && setOpen(false)}
      />
      {error != null && (
        <div className="error-text" role="alert">
          {errorText(error)}
        </div>
      )}
      <div className="actions">
        <button className="btn small primary" type="submit" disabled={busy}>
          {busy ? 'Adding…' : 'Add'}
        </button>
        <button className="btn small ghost" type="button" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

const SortableCard = memo(function SortableCard({ task }: { task: Task }) {
  const { attributes, listeners, setNodeRef, transform, transition, isDragging } = useSortable({ id: task.id });
  const { openTask } = useContext(CardContext);
  return (
    <div
      ref={setNodeRef}
      className={`sortable-card${isDragging ? ' placeholder' : ''}`}
      style={{ transform: CSS.Translate.toString(transform), transition }}
      {...attributes}
      {...listeners}
      onClick={() => openTask(task.id)}
      onKeyDown={(e) => {
        listeners?.onKeyDown?.(e);
        if (e.key === 'Enter') openTask(task.id);
      }}
    >
      <CardBody task={task} />
    </div>
  );
});

export function CardBody({ task }: { task: Task }) {
  const { prefix, members, types, presence: all, working } = useContext(CardContext);
  const presence = all.get(task.id) ?? NO_PRESENCE;
  const agent = working.get(task.id);
  const typeName = task.task_type_id ? types.get(task.task_type_id) : undefined;
  const editing = presence.filter((p) => p.editing);
  const viewing = presence.filter((p) => !p.editing);
  return (
    <article className={`card${agent ? ' agent-working' : ''}`} data-testid="card" data-task-id={task.id} data-title={task.title}>
      <div className="card-top">
        <span className="key">
          {prefix}-{task.task_number}
        </span>
        {typeName && <span className="tag">{typeName}</span>}
        {task.story_points != null && <span className="points" title="Story points">{task.story_points}</span>}
      </div>
      <div className="card-title">{task.title}</div>
      {agent && (
        <div className="working" data-testid="agent-working">
          <span className="working-dot" aria-hidden /> {agent.agentName} {agent.status === 'running' ? 'is working' : 'is queued'}
        </div>
      )}
      <div className="card-foot">
        <div className="assignees">
          {task.assignee_ids.map((id) => {
            const m = members.get(id);
            const name = m ? (m.member_type === 'agent' ? m.username || m.full_name : m.full_name || m.username) : '?';
            return (
              <span key={id} className={`avatar small${m?.member_type === 'agent' ? ' agent' : ''}`} title={name}>
                {initials(name)}
              </span>
            );
          })}
        </div>
        {(viewing.length > 0 || editing.length > 0) && (
          <div className="card-presence" data-testid="card-presence">
            {editing.map((p) => (
              <span key={p.socket_id} className="presence editing" title={`${p.username} is editing`}>
                {p.username} editing
              </span>
            ))}
            {viewing.map((p) => (
              <span key={p.socket_id} className="presence" title={`${p.username} is looking`}>
                {p.username} looking
              </span>
            ))}
          </div>
        )}
      </div>
    </article>
  );
}
