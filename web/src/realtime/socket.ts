// One Socket.IO connection per signed-in session: project follows with resume-from-sequence,
// task events applied in place (taskEvents.ts), other events turned into cache invalidations,
// a gap in a project's sequence filled from its event log, notifications, and presence.

import { io, type Socket } from 'socket.io-client';
import type { QueryClient } from '@tanstack/react-query';
import { api, refreshSession } from '../api/client';
import { boardReadAt, onBoardLoaded, type BoardData } from '../api/board';
import { keys } from '../api/queries';
import { TaskEvents, taskIdOf } from './taskEvents';

export interface ProjectEvent {
  type: string;
  payload: Record<string, any>;
  seq?: number;
  project_id?: string;
}

export interface PresenceEntry {
  project_id: string;
  /** One entry per socket: a user with two tabs is present twice. */
  socket_id: string;
  user_id: string;
  username: string;
  task_id: string | null;
  editing: boolean;
  state: 'here' | 'gone';
}

/** `presence_snapshot` and `presence_delta`: a project's entries. */
interface PresenceFrame {
  project_id: string;
  entries: PresenceEntry[];
}

type EventListener = (e: ProjectEvent) => void;
type StatusListener = (connected: boolean) => void;
type PresenceListener = (project: string, entries: PresenceEntry[]) => void;

export class Realtime {
  private socket: Socket;
  private follows = new Map<string, { count: number; seq: number | null }>();
  private presence = new Map<string, Map<string, PresenceEntry>>();
  private myPresence = new Map<string, { taskId: string | null; editing: boolean }>();
  private eventListeners = new Set<EventListener>();
  private statusListeners = new Set<StatusListener>();
  private presenceListeners = new Set<PresenceListener>();
  private pending = new Set<string>();
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private tasks: TaskEvents;
  private stopBoardListener: () => void;
  connected = false;

  constructor(private queries: QueryClient) {
    this.tasks = new TaskEvents(queries);
    // A board read that is older than the events already seen missed them: fill them in.
    this.stopBoardListener = onBoardLoaded((project, seq) => {
      const f = this.follows.get(project);
      if (f?.seq != null && f.seq > seq) this.fillGap(project, seq, f.seq + 1);
    });
    this.socket = io({
      path: '/ws/socket.io',
      withCredentials: true,
      transports: ['websocket', 'polling'],
      reconnectionDelayMax: 5000,
    });
    this.socket.on('connect', () => {
      this.setConnected(true);
      for (const project of this.follows.keys()) this.join(project);
    });
    this.socket.on('disconnect', () => {
      this.setConnected(false);
      this.presence.clear();
      for (const p of this.follows.keys()) this.emitPresence(p);
    });
    this.socket.on('connect_error', () => {
      this.setConnected(false);
      // A refused handshake (expired access token) is not retried by the client itself.
      if (!this.socket.active) this.retryAfterRefresh();
    });
    this.socket.on('auth_expired', () => this.retryAfterRefresh());
    this.socket.on('overflow', () => {
      // The server dropped us as too slow; reconnecting resumes from the last sequence.
      setTimeout(() => this.socket.connect(), 200);
    });
    this.socket.on('event', (e: ProjectEvent) => this.onEvent(e));
    this.socket.on('notification', () => this.invalidate(keys.notifications));
    // Presence: one snapshot when joining, then coalesced deltas (whole entries, here or gone).
    this.socket.on('presence_snapshot', (f: PresenceFrame) => this.onPresence(f, true));
    this.socket.on('presence_delta', (f: PresenceFrame) => this.onPresence(f, false));
    // The server refilled what it could not deliver, or could not: then refetch the project.
    this.socket.on('resync', (r: { project_id?: string }) => {
      if (r?.project_id) this.invalidate(keys.project(r.project_id));
    });
    // Access to a project ended (removed, role changed, project deleted).
    this.socket.on('access_revoked', (r: { project_id?: string; left?: boolean }) => {
      if (!r?.project_id) return;
      if (r.left) {
        this.presence.delete(r.project_id);
        this.emitPresence(r.project_id);
      }
      this.invalidate(keys.project(r.project_id));
      this.invalidate(keys.projects);
    });
  }

  private retryAfterRefresh() {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(async () => {
      this.retryTimer = null;
      await refreshSession();
      this.socket.connect();
    }, 1000);
  }

  private setConnected(c: boolean) {
    this.connected = c;
    this.statusListeners.forEach((fn) => fn(c));
  }

  close() {
    this.stopBoardListener();
    this.socket.removeAllListeners();
    this.socket.disconnect();
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
  }

  /** Follows a project while at least one screen needs it. Returns the unfollow. */
  follow(project: string): () => void {
    const f = this.follows.get(project);
    if (f) {
      f.count++;
    } else {
      this.follows.set(project, { count: 1, seq: null });
      if (this.socket.connected) this.join(project);
    }
    return () => {
      const cur = this.follows.get(project);
      if (!cur) return;
      cur.count--;
      if (cur.count <= 0) {
        this.follows.delete(project);
        this.presence.delete(project);
        this.myPresence.delete(project);
        if (this.socket.connected) this.socket.emit('leave', { projectId: project });
      }
    };
  }

  private join(project: string) {
    const f = this.follows.get(project);
    const since = f?.seq ?? undefined;
    const sentAt = Date.now();
    this.socket.emit('join', { projectId: project, since }, (ack: { ok: boolean; seq?: number; error?: string }) => {
      const cur = this.follows.get(project);
      if (!cur || !ack?.ok) return;
      if (typeof ack.seq === 'number') cur.seq = Math.max(cur.seq ?? 0, ack.seq);
      if (since === undefined) {
        // Without a known sequence we may have missed changes while offline: refetch. The
        // board knows its sequence and is caught up from the log instead; the events that
        // fill it also make stale whatever else they change, so reads made after the board
        // are covered too. Reads under way or made since the join are new enough.
        const board = this.queries.getQueryData<BoardData>(keys.board(project));
        const coveredFrom = board ? Math.min(boardReadAt(project) ?? 0, sentAt) : sentAt;
        this.queries.invalidateQueries({
          queryKey: keys.project(project),
          predicate: (q) => q.queryKey[2] !== 'board' && q.state.fetchStatus !== 'fetching' && q.state.dataUpdatedAt < coveredFrom,
        });
        if (board && typeof ack.seq === 'number' && ack.seq > board.seq) this.fillGap(project, board.seq, ack.seq + 1);
      }
      const mine = this.myPresence.get(project);
      if (mine) this.socket.emit('presence', { projectId: project, taskId: mine.taskId, editing: mine.editing });
    });
  }

  private onEvent(e: ProjectEvent) {
    const project = e.project_id ?? e.payload?.project_id;
    if (project && typeof e.seq === 'number') {
      const f = this.follows.get(project);
      if (f) {
        // The server delivers a project's events in order; a jump means some did not reach
        // this client (private notifications, rooms it may not read, a lost connection).
        if (f.seq != null && e.seq > f.seq + 1) this.fillGap(project, f.seq, e.seq);
        f.seq = Math.max(f.seq ?? 0, e.seq);
      }
    }
    if (project) this.apply(project, e);
    this.eventListeners.forEach((fn) => fn(e));
  }

  private apply(project: string, e: ProjectEvent) {
    this.tasks.apply(project, e);
    invalidationsFor(project, e).forEach((k) => this.invalidate(k));
  }

  /**
   * Reads the events between `after` and `before` (both excluded) from the project's log and
   * applies them; only when the log cannot supply them is the whole board read again.
   */
  private fillGap(project: string, after: number, before: number) {
    const want = before - after - 1;
    if (want <= 0) return;
    if (want > GAP_FILL_MAX) {
      this.invalidate(keys.board(project));
      return;
    }
    api
      .get<{ items: { seq: number; type: string; payload: Record<string, any> }[] }>(
        `/projects/${project}/events?since=${after}&limit=${want}`,
      )
      .then((page) => {
        const got = (page.items ?? []).filter((ev) => ev.seq > after && ev.seq < before);
        for (const ev of got) this.apply(project, { type: ev.type, payload: ev.payload ?? {}, seq: ev.seq, project_id: project });
        if (got.length < want) this.invalidate(keys.board(project));
      })
      .catch(() => this.invalidate(keys.board(project)));
  }

  private onPresence(frame: PresenceFrame, snapshot: boolean) {
    if (!frame?.project_id || !Array.isArray(frame.entries)) return;
    let m = this.presence.get(frame.project_id);
    if (!m || snapshot) this.presence.set(frame.project_id, (m = new Map()));
    for (const p of frame.entries) {
      if (p.state === 'gone') m.delete(p.socket_id);
      else m.set(p.socket_id, { ...p, project_id: frame.project_id });
    }
    this.emitPresence(frame.project_id);
  }

  private emitPresence(project: string) {
    const list = [...(this.presence.get(project)?.values() ?? [])];
    this.presenceListeners.forEach((fn) => fn(project, list));
  }

  presenceOf(project: string): PresenceEntry[] {
    return [...(this.presence.get(project)?.values() ?? [])];
  }

  /** Tells the project's other followers which task this user looks at or edits. */
  setPresence(project: string, taskId: string | null, editing: boolean) {
    const prev = this.myPresence.get(project);
    if (prev && prev.taskId === taskId && prev.editing === editing) return;
    this.myPresence.set(project, { taskId, editing });
    if (this.socket.connected && this.follows.has(project)) {
      this.socket.emit('presence', { projectId: project, taskId, editing });
    }
  }

  onProjectEvent(fn: EventListener): () => void {
    this.eventListeners.add(fn);
    return () => this.eventListeners.delete(fn);
  }

  onStatus(fn: StatusListener): () => void {
    this.statusListeners.add(fn);
    return () => this.statusListeners.delete(fn);
  }

  onPresenceChange(fn: PresenceListener): () => void {
    this.presenceListeners.add(fn);
    return () => this.presenceListeners.delete(fn);
  }

  /** Batches invalidations: a burst of events refetches each query once. */
  private invalidate(key: readonly unknown[]) {
    this.pending.add(JSON.stringify(key));
    if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = null;
        const all = [...this.pending].map((k) => JSON.parse(k) as unknown[]);
        this.pending.clear();
        for (const k of all) this.queries.invalidateQueries({ queryKey: k });
      }, 60);
    }
  }
}

/** Most events a gap is filled with from the log; a longer gap reads the board again. */
const GAP_FILL_MAX = 1000;

/**
 * Which cached queries an event makes stale, besides the task and position changes applied in
 * place (taskEvents.ts).
 */
export function invalidationsFor(p: string, e: ProjectEvent): (readonly unknown[])[] {
  const t = e.type;
  const taskId = taskIdOf(e);
  if (t.startsWith('task.link.')) {
    // A link has two ends, and a removal names only one: every task's links are stale.
    return taskId ? [keys.activities(p, taskId), ['project', p, 'links']] : [keys.project(p)];
  }
  if (t.startsWith('task.attachment.')) {
    return taskId ? [keys.attachments(p, taskId), keys.activities(p, taskId)] : [keys.project(p)];
  }
  if (t.startsWith('task.comment.')) {
    return taskId ? [keys.activities(p, taskId)] : [keys.project(p)];
  }
  if (t.startsWith('task.') || t === 'workflow.assigned') {
    // The task itself is changed in place. Links show the other task's title and status, and
    // lose it when it is deleted.
    const out: (readonly unknown[])[] = [['project', p, 'links']];
    if (taskId) out.push(keys.activities(p, taskId));
    else out.push(keys.board(p));
    return out;
  }
  if (t === 'agent.session.started' || t === 'agent.triggered') {
    const out: (readonly unknown[])[] = [keys.conversations(p)];
    if (taskId) out.push(keys.activities(p, taskId));
    return out;
  }
  if (t.startsWith('agent.conversation.') || (t.startsWith('agent.') && e.payload?.conversation_id)) {
    const c = e.payload?.conversation_id;
    const out: (readonly unknown[])[] = [keys.conversations(p)];
    if (c) out.push(keys.conversation(p, c), keys.conversationEvents(p, c));
    return out;
  }
  if (t.startsWith('agent.')) return [keys.agents(p), keys.members(p)];
  if (t.startsWith('view.task_positions')) return [];
  // A deleted view takes its positions with it.
  if (t.startsWith('view.')) return [['project', p, 'views'], ['project', p, 'positions']];
  // Completing or deleting a sprint moves its tasks without a task event each.
  if (t === 'sprint.completed' || t === 'sprint.deleted') return [keys.sprints(p), keys.board(p), ['project', p, 'views']];
  if (t.startsWith('sprint.')) return [keys.sprints(p), ['project', p, 'views']];
  // Deleting a status or a type moves its tasks to another, without a task event each.
  if (t === 'task_status.deleted') return [keys.statuses(p), keys.board(p)];
  if (t.startsWith('task_status.')) return [keys.statuses(p)];
  if (t === 'task_type.deleted') return [keys.types(p), keys.board(p)];
  if (t.startsWith('task_type.')) return [keys.types(p)];
  // A changed or deleted field prunes values from tasks, without a task event each.
  if (t === 'custom_field.created') return [keys.fields(p)];
  if (t.startsWith('custom_field.')) return [keys.fields(p), keys.board(p)];
  // Documents: metadata and feeds only, the content arrives through Yjs (DocEditor.tsx).
  // Deleting a folder moves its documents to the top level, without an event each.
  if (t === 'doc.folder.deleted') return [keys.docFolders(p), keys.docs(p)];
  if (t.startsWith('doc.folder.')) return [keys.docFolders(p)];
  if (t.startsWith('doc.')) {
    const d = typeof e.payload?.document_id === 'string' ? e.payload.document_id : undefined;
    if (!d) return [keys.docs(p)];
    if (t.startsWith('doc.comment.') || t.startsWith('doc.file.')) return [keys.docActivities(p, d)];
    // An edit or a restore may have saved a snapshot of the state before it.
    return [keys.docs(p), keys.docActivities(p, d), keys.docSnapshots(p, d)];
  }
  if (t.startsWith('project.member.')) return [keys.members(p)];
  if (t.startsWith('project.role.')) return [keys.roles(p)];
  if (t === 'project.updated') return [keys.project(p), keys.projects];
  if (t.startsWith('notification.')) return [keys.notifications];
  return [keys.project(p)];
}
