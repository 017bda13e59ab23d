// Wire shapes of Corral's REST API (Paca's field names).

export type Uuid = string;

/** BlockNote document: an array of blocks. */
export type BlockDoc = unknown[];

export interface User {
  id: Uuid;
  username: string;
  full_name: string;
  role: string;
  must_change_password: boolean;
  is_active: boolean;
  created_at: string;
}

export interface Project {
  id: Uuid;
  name: string;
  description: string;
  task_id_prefix: string;
  is_public: boolean;
  settings: Record<string, unknown>;
  created_by?: Uuid;
  created_at: string;
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  page_size: number;
}

export interface Member {
  id: Uuid;
  project_id: Uuid;
  user_id: Uuid;
  project_role_id: Uuid;
  username: string;
  full_name: string;
  role_name: string;
  member_type: 'human' | 'agent';
  agent_id?: Uuid;
}

export interface ProjectRole {
  id: Uuid;
  project_id: Uuid;
  role_name: string;
  permissions: Record<string, boolean>;
}

export interface TaskType {
  id: Uuid;
  name: string;
  icon?: string;
  color?: string;
  description?: string;
  is_default: boolean;
  is_system: boolean;
}

export type StatusCategory = 'backlog' | 'refinement' | 'ready' | 'todo' | 'inprogress' | 'done';

export interface TaskStatus {
  id: Uuid;
  name: string;
  color?: string;
  position: number;
  category: StatusCategory;
  is_default: boolean;
}

export interface Task {
  id: Uuid;
  project_id: Uuid;
  task_number: number;
  title: string;
  task_type_id?: Uuid;
  status_id?: Uuid;
  sprint_id?: Uuid;
  parent_task_id?: Uuid;
  description?: BlockDoc | null;
  importance: number;
  story_points?: number | null;
  assignee_ids: Uuid[];
  reporter_id?: Uuid;
  custom_fields: Record<string, unknown>;
  start_date?: string;
  due_date?: string;
  tags: string[];
  view_position?: number;
  view_group_key?: string;
  version: number;
  created_at: string;
  updated_at: string;
}

/** How one task relates to another, read from this task's side. */
export type LinkType = 'blocks' | 'relates_to' | 'duplicates';
export type DisplayLinkType = LinkType | 'is_blocked_by' | 'is_duplicated_by';

export interface TaskLink {
  id: Uuid;
  source_task_id: Uuid;
  target_task_id: Uuid;
  link_type: LinkType;
  display_link_type: DisplayLinkType;
  linked_task: { id: Uuid; task_number: number; title: string; status_id?: Uuid; task_type_id?: Uuid };
  created_by?: Uuid;
  created_at: string;
}

export interface Activity {
  id: Uuid;
  task_id: Uuid;
  actor_id?: Uuid;
  actor_name: string;
  actor_username: string;
  activity_type: string;
  content: unknown;
  created_at: string;
  updated_at: string;
}

export interface Sprint {
  id: Uuid;
  project_id: Uuid;
  name: string;
  start_date?: string;
  end_date?: string;
  goal?: string;
  status: 'planned' | 'active' | 'completed';
  created_at: string;
}

export interface View {
  id: Uuid;
  sprint_id?: Uuid;
  project_id: Uuid;
  name: string;
  view_type: 'table' | 'board' | 'roadmap' | 'plugin';
  config: Record<string, unknown>;
  position: number;
}

export interface CustomField {
  id: Uuid;
  field_key: string;
  display_name: string;
  field_type: 'text' | 'number' | 'date' | 'select' | 'multi_select' | 'boolean' | 'url';
  options: string[];
  is_required: boolean;
}

export interface Notification {
  id: Uuid;
  type: string;
  actor_full_name: string;
  actor_username: string;
  task_id: Uuid | null;
  task_title: string;
  task_number: number | null;
  project_id: Uuid;
  project_name: string;
  read_at: string | null;
  created_at: string;
}

export interface Agent {
  id: Uuid;
  project_id: Uuid;
  member_id: Uuid;
  name: string;
  handle: string;
  llm_provider: string;
  llm_model: string;
  llm_base_url: string;
  has_llm_api_key: boolean;
  system_prompt: string;
  max_iterations: number;
  timeout_minutes: number;
  created_at: string;
}

export interface Conversation {
  id: Uuid;
  agent_id: Uuid;
  project_id: Uuid;
  trigger_type: string;
  task_id?: Uuid;
  chat_session_id?: Uuid;
  status: 'queued' | 'running' | 'paused' | 'finished' | 'failed' | 'stopped';
  iteration_count: number;
  error_message?: string;
  queue_position?: number;
  started_at?: string;
  finished_at?: string;
  created_at: string;
}

export interface ConversationEvent {
  conversation_id: Uuid;
  event_index: number;
  event_type: string;
  event_source: string;
  payload: Record<string, unknown>;
  created_at: string;
}

export interface OffsetPage<T> {
  items: T[];
  total: number;
  offset: number;
  limit: number;
}

export interface ApiKey {
  id: Uuid;
  name: string;
  key_prefix: string;
  last_used_at: string | null;
  expires_at: string | null;
  created_at: string;
}

export interface GlobalRole {
  id: Uuid;
  name: string;
  permissions: Record<string, boolean>;
  is_system: boolean;
}

/** A stored file (Paca's attachment `file`); `uploaded_by` is Corral's addition, a user id. */
export interface StoredFile {
  id: Uuid;
  file_name: string;
  content_type: string;
  file_size: number;
  created_at: string;
  uploaded_by?: Uuid;
}

/** A file attached to a task; `created_by` is the attaching user's id. */
export interface Attachment {
  id: Uuid;
  task_id: Uuid;
  file_id: Uuid;
  created_by?: Uuid;
  created_at: string;
  file?: StoredFile;
}

/** `initiate-upload`'s answer: one URL for the whole file, or one per 5 MiB part. */
export interface UploadSession {
  file_id: Uuid;
  is_multipart: boolean;
  upload_url?: string;
  multipart?: { upload_id: string; parts: { part_number: number; upload_url: string }[] };
}

/** A folder of documents; root folders have no `parent_id`. */
export interface DocFolder {
  id: Uuid;
  project_id: Uuid;
  parent_id?: Uuid;
  name: string;
  position: number;
  created_at: string;
  updated_at: string;
}

/** A document as the list gives it (no content); `created_by`/`updated_by` are member ids. */
export interface DocSummary {
  id: Uuid;
  project_id: Uuid;
  folder_id?: Uuid;
  title: string;
  position: number;
  created_by?: Uuid;
  updated_by?: Uuid;
  created_at: string;
  updated_at: string;
}

/** A document with its content as BlockNote JSON (`null` when empty). */
export interface DocumentView extends DocSummary {
  content: BlockDoc | null;
}

/** A document's saved state: the one before a burst of editing (or a restore). */
export interface DocSnapshot {
  id: Uuid;
  document_id: Uuid;
  title: string;
  content: BlockDoc | null;
  snapshot_number: number;
  /** A member id. */
  created_by?: Uuid;
  created_by_name?: string;
  created_at: string;
}

/** An entry of a document's feed: an event (`doc.*`) or a comment; `actor_id` is a member id. */
export interface DocActivity {
  id: Uuid;
  document_id: Uuid;
  actor_id?: Uuid;
  actor_name?: string;
  actor_username?: string;
  activity_type: string;
  content: unknown;
  created_at: string;
  updated_at: string;
}
