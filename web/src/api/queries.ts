// Query keys and fetchers for TanStack Query. Every project-scoped key starts with
// ['project', projectId] so a realtime event can invalidate by prefix. Tasks are read in one
// request and kept current in place: see `board.ts`.

import { useMemo } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api, qs } from './client';
import { downloadUrl } from './files';
import type {
  Activity,
  Agent,
  ApiKey,
  Attachment,
  Conversation,
  ConversationEvent,
  CustomField,
  DocActivity,
  DocFolder,
  DocSnapshot,
  DocSummary,
  GlobalRole,
  Member,
  Notification,
  OffsetPage,
  Page,
  Project,
  ProjectRole,
  Sprint,
  Task,
  TaskLink,
  TaskStatus,
  TaskType,
  User,
  View,
} from './types';

export const keys = {
  me: ['me'] as const,
  projects: ['projects'] as const,
  project: (p: string) => ['project', p] as const,
  members: (p: string) => ['project', p, 'members'] as const,
  roles: (p: string) => ['project', p, 'roles'] as const,
  types: (p: string) => ['project', p, 'types'] as const,
  statuses: (p: string) => ['project', p, 'statuses'] as const,
  fields: (p: string) => ['project', p, 'fields'] as const,
  sprints: (p: string) => ['project', p, 'sprints'] as const,
  views: (p: string, context: string, sprint?: string) => ['project', p, 'views', context, sprint ?? ''] as const,
  /** Every live task (`GET /board`): see `board.ts`. */
  board: (p: string) => ['project', p, 'board'] as const,
  /** A view's manual order. */
  positions: (p: string, view: string) => ['project', p, 'positions', view] as const,
  task: (p: string, t: string) => ['project', p, 'task', t] as const,
  /** What the caller may do in the project (`members/me/permissions`). */
  myPermissions: (p: string) => ['project', p, 'my-permissions'] as const,
  activities: (p: string, t: string) => ['project', p, 'activities', t] as const,
  links: (p: string, t: string) => ['project', p, 'links', t] as const,
  attachments: (p: string, t: string) => ['project', p, 'attachments', t] as const,
  /** An attachment's inline URL (thumbnails); apart from the list so a new row keeps the others' images. */
  attachmentUrl: (p: string, a: string) => ['project', p, 'attachment-url', a] as const,
  agents: (p: string) => ['project', p, 'agents'] as const,
  /** Documents: folders and every document's metadata; a document's content travels over Yjs. */
  docFolders: (p: string) => ['project', p, 'doc-folders'] as const,
  docs: (p: string) => ['project', p, 'docs'] as const,
  docSnapshots: (p: string, d: string) => ['project', p, 'doc-snapshots', d] as const,
  docActivities: (p: string, d: string) => ['project', p, 'doc-activities', d] as const,
  conversations: (p: string) => ['project', p, 'conversations'] as const,
  conversation: (p: string, c: string) => ['project', p, 'conversation', c] as const,
  conversationEvents: (p: string, c: string) => ['project', p, 'conversation-events', c] as const,
  notifications: ['notifications'] as const,
  apiKeys: ['api-keys'] as const,
  adminUsers: ['admin', 'users'] as const,
  globalRoles: ['admin', 'global-roles'] as const,
};

const P = (p: string) => `/projects/${p}`;
/** Some routes answer `{items}`, others (members, roles) a bare array. */
const items = <T>(r: T[] | { items: T[] }) => (Array.isArray(r) ? r : r?.items ?? []);

export const useMe = () =>
  useQuery({ queryKey: keys.me, queryFn: () => api.get<User>('/users/me', { noRefresh: false }), retry: false });

export const useProjects = () =>
  useQuery({ queryKey: keys.projects, queryFn: () => api.get<Page<Project>>('/projects?page_size=100') });

export const useProject = (p: string) =>
  useQuery({ queryKey: keys.project(p), queryFn: () => api.get<Project>(P(p)) });

export const useMembers = (p: string) =>
  useQuery({ queryKey: keys.members(p), queryFn: () => api.get<Member[] | { items: Member[] }>(`${P(p)}/members`).then(items) });

export const useRoles = (p: string) =>
  useQuery({ queryKey: keys.roles(p), queryFn: () => api.get<ProjectRole[] | { items: ProjectRole[] }>(`${P(p)}/roles`).then(items) });

export const useTaskTypes = (p: string) =>
  useQuery({ queryKey: keys.types(p), queryFn: () => api.get<{ items: TaskType[] }>(`${P(p)}/task-types`).then(items) });

export const useStatuses = (p: string) =>
  useQuery({
    queryKey: keys.statuses(p),
    queryFn: () =>
      api
        .get<{ items: TaskStatus[] }>(`${P(p)}/task-statuses`)
        .then(items)
        .then((s) => [...s].sort((a, b) => a.position - b.position)),
  });

export const useCustomFields = (p: string) =>
  useQuery({ queryKey: keys.fields(p), queryFn: () => api.get<{ items: CustomField[] }>(`${P(p)}/custom-fields`).then(items) });

export const useSprints = (p: string) =>
  useQuery({ queryKey: keys.sprints(p), queryFn: () => api.get<{ items: Sprint[] }>(`${P(p)}/sprints`).then(items) });

export const fetchViews = (p: string, context: string, sprint?: string) =>
  api.get<{ items: View[] }>(`${P(p)}/views${qs({ context, sprint_id: sprint })}`).then(items);

export const useViews = (p: string, context: string, sprint?: string, enabled = true) =>
  useQuery({ queryKey: keys.views(p, context, sprint), queryFn: () => fetchViews(p, context, sprint), enabled });

export const useTask = (p: string, t: string | undefined) =>
  useQuery({ queryKey: keys.task(p, t ?? ''), queryFn: () => api.get<Task>(`${P(p)}/tasks/${t}`), enabled: !!t });

export const useActivities = (p: string, t: string | undefined) =>
  useQuery({
    queryKey: keys.activities(p, t ?? ''),
    queryFn: () => api.get<{ items: Activity[] }>(`${P(p)}/tasks/${t}/activities`).then(items),
    enabled: !!t,
  });

export const useTaskLinks = (p: string, t: string) =>
  useQuery({
    queryKey: keys.links(p, t),
    queryFn: () => api.get<{ items: TaskLink[] }>(`${P(p)}/tasks/${t}/links`).then(items),
  });

export const useAttachments = (p: string, t: string) =>
  useQuery({
    queryKey: keys.attachments(p, t),
    queryFn: () => api.get<{ items: Attachment[] }>(`${P(p)}/tasks/${t}/attachments`).then(items),
  });

/**
 * An attachment's inline URL. Signed URLs live 15 minutes (`FILE_DOWNLOAD_URL_TTL`), so one is
 * reused for 10 and then asked again; an image that fails to load asks again too (Attachments.tsx).
 */
export const useAttachmentUrl = (p: string, t: string, a: string, enabled = true) =>
  useQuery({
    queryKey: keys.attachmentUrl(p, a),
    queryFn: () => downloadUrl(p, t, a, false),
    enabled,
    staleTime: 10 * 60_000,
    gcTime: 10 * 60_000,
  });

export const useDocFolders = (p: string) =>
  useQuery({ queryKey: keys.docFolders(p), queryFn: () => api.get<{ items: DocFolder[] }>(`${P(p)}/docs/folders`).then(items) });

/** Every live document of the project (the tree groups them by folder). */
export const useDocs = (p: string) =>
  useQuery({ queryKey: keys.docs(p), queryFn: () => api.get<{ items: DocSummary[] }>(`${P(p)}/docs`).then(items) });

/** A document's snapshots, newest first, each with its content. */
export const useDocSnapshots = (p: string, d: string, enabled = true) =>
  useQuery({
    queryKey: keys.docSnapshots(p, d),
    queryFn: () => api.get<{ items: DocSnapshot[] }>(`${P(p)}/docs/${d}/snapshots`).then(items),
    enabled,
  });

export const useDocActivities = (p: string, d: string) =>
  useQuery({
    queryKey: keys.docActivities(p, d),
    queryFn: () => api.get<{ items: DocActivity[] }>(`${P(p)}/docs/${d}/activities`).then(items),
  });

export const useAgents = (p: string, enabled = true) =>
  useQuery({ queryKey: keys.agents(p), queryFn: () => api.get<{ items: Agent[] }>(`${P(p)}/agents`).then(items), enabled });

export const useConversations = (p: string) =>
  useQuery({
    queryKey: keys.conversations(p),
    queryFn: () => api.get<OffsetPage<Conversation>>(`${P(p)}/conversations?limit=200`).then(items),
  });

export const useConversation = (p: string, c: string) =>
  useQuery({ queryKey: keys.conversation(p, c), queryFn: () => api.get<Conversation>(`${P(p)}/conversations/${c}`) });

export const useConversationEvents = (p: string, c: string) =>
  useQuery({
    queryKey: keys.conversationEvents(p, c),
    queryFn: () => api.get<OffsetPage<ConversationEvent>>(`${P(p)}/conversations/${c}/events?limit=200`).then(items),
  });

export const useNotifications = (enabled = true) =>
  useQuery({
    queryKey: keys.notifications,
    queryFn: () => api.get<{ items: Notification[]; unread_count: number }>('/users/me/notifications'),
    enabled,
  });

export const useApiKeys = () =>
  useQuery({ queryKey: keys.apiKeys, queryFn: () => api.get<ApiKey[] | { items: ApiKey[] }>('/users/me/api-keys') });

export const useAdminUsers = () =>
  useQuery({ queryKey: keys.adminUsers, queryFn: () => api.get<Page<User>>('/admin/users?page_size=100') });

export const useGlobalRoles = () =>
  useQuery({
    queryKey: keys.globalRoles,
    queryFn: () => api.get<GlobalRole[] | { items: GlobalRole[] }>('/admin/global-roles'),
  });

/** Lists come as arrays or as `{items}` depending on the route. */
export function listOf<T>(data: T[] | { items: T[] } | undefined): T[] {
  if (!data) return [];
  return Array.isArray(data) ? data : data.items ?? [];
}

/** The caller's permission keys in a project (their role's, or their global ones if not a member). */
export const useMyProjectPermissions = (p: string) =>
  useQuery({
    queryKey: keys.myPermissions(p),
    queryFn: () => api.get<{ permissions: Record<string, boolean> }>(`${P(p)}/members/me/permissions`).then((d) => d.permissions),
    staleTime: 60_000,
    retry: false,
  });

/** The caller's member id in a project (the reporter of the tasks they create), once known. */
export function useReporterId(p: string): string | undefined {
  const me = useQuery({ queryKey: keys.me, queryFn: () => api.get<User>('/users/me'), staleTime: 60_000 });
  const members = useMembers(p);
  return members.data?.find((m) => m.user_id === me.data?.id)?.id;
}

/** An agent at work on a task: its conversation is queued or running. */
export interface AgentAtWork {
  agentName: string;
  conversationId: string;
  status: 'queued' | 'running';
}

/**
 * The tasks agents are working on, by task id, from the project's conversations (kept current
 * by `agent.*` events, which invalidate them).
 */
export function useAgentsAtWork(p: string): Map<string, AgentAtWork> {
  const conversations = useConversations(p);
  const agents = useAgents(p);
  return useMemo(() => {
    const out = new Map<string, AgentAtWork>();
    for (const c of conversations.data ?? []) {
      if (!c.task_id || (c.status !== 'running' && c.status !== 'queued')) continue;
      if (out.get(c.task_id)?.status === 'running') continue;
      const agentName = agents.data?.find((a) => a.id === c.agent_id)?.name ?? 'An agent';
      out.set(c.task_id, { agentName, conversationId: c.id, status: c.status });
    }
    return out.size ? out : NOBODY_AT_WORK;
  }, [conversations.data, agents.data]);
}
const NOBODY_AT_WORK = new Map<string, AgentAtWork>();
