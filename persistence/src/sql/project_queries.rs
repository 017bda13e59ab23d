//! The `ProjectStore` port, written once for both databases (see `queries.rs`).

macro_rules! project_columns {
    () => {
        "id, name, description, task_id_prefix, is_public, settings, created_by, created_at, \
         updated_at, deleted_at, event_seq, task_counter"
    };
}

macro_rules! task_columns {
    () => {
        "id, project_id, task_number, task_type_id, status_id, sprint_id, parent_task_id, title, \
         description, importance, story_points, assignee_ids, reporter_id, custom_fields, \
         start_date, due_date, tags, version, created_at, updated_at, deleted_at"
    };
}

macro_rules! event_columns {
    () => {
        "e.project_id, e.seq, e.id, e.type, e.actor_user_id, e.actor_member_id, e.task_id, \
         e.subject_id, e.at, e.payload"
    };
}

/// The tasks a batch changes, each once with its last image, in the order they first appear.
pub(crate) fn last_task_images(
    changes: &[corral_actors::project::batch::Change],
) -> Vec<&corral_actors::project::model::Task> {
    use corral_actors::project::batch::Change;
    let mut tasks: Vec<&corral_actors::project::model::Task> = Vec::new();
    let mut slot = std::collections::HashMap::new();
    for change in changes {
        if let Change::Task(t) = change {
            match slot.get(&t.id) {
                Some(&i) => tasks[i] = &**t,
                None => {
                    slot.insert(t.id, tasks.len());
                    tasks.push(&**t);
                }
            }
        }
    }
    tasks
}

/// The tasks of an everyday batch (see [`last_task_images`]), one of at most
/// [`ONE_STEP_MAX_ROWS`] rows that changes nothing but tasks of a project that exists; `None`
/// for any other batch (it may create the project, or change other rows).
pub(crate) fn everyday_tasks(
    batch: &corral_actors::project::batch::CommitBatch,
) -> Option<Vec<&corral_actors::project::model::Task>> {
    use corral_actors::project::batch::Change;
    let everyday = batch.base_seq != 0
        && batch.changes.len() <= ONE_STEP_MAX_ROWS
        && batch.events.len() <= ONE_STEP_MAX_ROWS
        && batch.changes.iter().all(|c| matches!(c, Change::Task(_)));
    everyday.then(|| last_task_images(&batch.changes))
}

/// The largest batch [`everyday_tasks`] takes (in changes and in events).
pub(crate) const ONE_STEP_MAX_ROWS: usize = 64;

/// Rows per multi-row statement: within both databases' bind-parameter limits.
pub(crate) const TASK_ROWS_PER_STATEMENT: usize = 500;
pub(crate) const EVENT_ROWS_PER_STATEMENT: usize = 1000;

macro_rules! impl_project_store {
    ($store:ty, $db:ty) => {
        use $crate::sql::project_rows::{
            ActivityRow, AgentEnvVarRow, AgentRow, CommentRow, CustomFieldRow, EventRow, LinkRow, MemberRow, NotificationRow,
            PositionRow, ProjectRow, RoleRow as ProjectRoleRow, SprintRow, StatusRow, TaskRow,
            TaskTypeRow, ViewRow,
        };
        use corral_actors::ids::{NotificationId, ProjectId, TaskId};
        use corral_actors::project::batch::{Change, CommitBatch, CommitOutcome, Event};
        use corral_actors::project::model::Project;
        use corral_actors::project::state::ProjectState;
        use corral_actors::store::{ActivityEntry, NotificationView, ProjectStore};
        use $crate::sql::project_queries::{EVENT_ROWS_PER_STATEMENT, TASK_ROWS_PER_STATEMENT};

        impl $store {
            async fn write_change(
                tx: &mut sqlx::Transaction<'_, $db>,
                change: &Change,
            ) -> Result<(), sqlx::Error> {
                match change {
                    Change::Project(p) => {
                        sqlx::query(
                            "INSERT INTO projects (id, name, description, task_id_prefix, is_public, \
                             settings, created_by, created_at, updated_at, deleted_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                             ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
                             description = excluded.description, task_id_prefix = excluded.task_id_prefix, \
                             is_public = excluded.is_public, settings = excluded.settings, \
                             updated_at = excluded.updated_at, deleted_at = excluded.deleted_at",
                        )
                        .bind(p.id.0)
                        .bind(&p.name)
                        .bind(&p.description)
                        .bind(&p.task_id_prefix)
                        .bind(p.is_public)
                        .bind(Json(&p.settings))
                        .bind(p.created_by.map(|u| u.0))
                        .bind(p.created_at)
                        .bind(p.updated_at)
                        .bind(p.deleted_at)
                        .execute(&mut **tx)
                        .await?;
                    }
                    Change::Role(r) => {
                        sqlx::query(
                            "INSERT INTO project_roles (id, project_id, role_name, permissions, \
                             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
                             ON CONFLICT (id) DO UPDATE SET role_name = excluded.role_name, \
                             permissions = excluded.permissions, updated_at = excluded.updated_at",
                        )
                        .bind(r.id.0)
                        .bind(r.project_id.0)
                        .bind(&r.role_name)
                        .bind(Json(&r.permissions))
                        .bind(r.created_at)
                        .bind(r.updated_at)
                        .execute(&mut **tx)
                        .await?;
                    }
                    Change::RoleDeleted(id) => {
                        sqlx::query("DELETE FROM project_roles WHERE id = $1")
                            .bind(id.0)
                            .execute(&mut **tx)
                            .await?;
                    }
                    Change::Member(m) => {
                        sqlx::query(
                            "INSERT INTO project_members (id, project_id, user_id, agent_id, member_type, \
                             project_role_id, created_at, updated_at, deleted_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                             ON CONFLICT (id) DO UPDATE SET project_role_id = excluded.project_role_id, \
                             updated_at = excluded.updated_at, deleted_at = excluded.deleted_at",
                        )
                        .bind(m.id.0)
                        .bind(m.project_id.0)
                        .bind(m.user_id.map(|u| u.0))
                        .bind(m.agent_id)
                        .bind(m.member_type.as_str())
                        .bind(m.project_role_id.0)
                        .bind(m.created_at)
                        .bind(m.updated_at)
                        .bind(m.deleted_at)
                        .execute(&mut **tx)
                        .await?;
                    }
                    Change::TaskType(t) => {
                        sqlx::query(
                            "INSERT INTO task_types (id, project_id, name, icon, color, description, \
                             is_default, is_system, created_at, updated_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                             ON CONFLICT (id) DO UPDATE SET name = excluded.name, icon = excluded.icon, \
                             color = excluded.color, description = excluded.description, \
                             is_default = excluded.is_default, updated_at = excluded.updated_at",
                        )
                        .bind(t.id.0)
                        .bind(t.project_id.0)
                        .bind(&t.name)
                        .bind(&t.icon)
                        .bind(&t.color)
                        .bind(&t.description)
                        .bind(t.is_default)
                        .bind(t.is_system)
                        .bind(t.created_at)
                        .bind(t.updated_at)
                        .execute(&mut **tx)
                        .await?;
                    }
                    Change::TaskTypeDeleted(id) => {
                        sqlx::query("DELETE FROM task_types WHERE id = $1")
                            .bind(id.0)
                            .execute(&mut **tx)
                            .await?;
                    }
                    Change::Status(s) => {
                        sqlx::query(
                            "INSERT INTO task_statuses (id, project_id, name, color, position, category, \
                             is_default, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                             ON CONFLICT (id) DO UPDATE SET name = excluded.name, color = excluded.color, \
                             position = excluded.position, category = excluded.category, \
                             is_default = excluded.is_default, updated_at = excluded.updated_at",
                        )
                        .bind(s.id.0)
                        .bind(s.project_id.0)
                        .bind(&s.name)
                        .bind(&s.color)
                        .bind(s.position)
                        .bind(s.category.as_str())
                        .bind(s.is_default)
                        .bind(s.created_at)
                        .bind(s.updated_at)
                        .execute(&mut **tx)
                        .await?;
                    }
                    Change::StatusDeleted(id) => {
                        sqlx::query("DELETE FROM task_statuses WHERE id = $1")
                            .bind(id.0)
                            .execute(&mut **tx)
                            .await?;
                    }
                    Change::Task(t) => Self::write_tasks(tx, &[&**t]).await?,
                    Change::Comment(c) => {
                        sqlx::query(
                            "INSERT INTO task_comments (id, project_id, task_id, author_member_id, content, \
                             created_at, updated_at, deleted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                             ON CONFLICT (id) DO UPDATE SET content = excluded.content, \
                             updated_at = excluded.updated_at, deleted_at = excluded.deleted_at",
                        )
                        .bind(c.id.0)
                        .bind(c.project_id.0)
                        .bind(c.task_id.0)
                        .bind(c.author_id.0)
                        .bind(Json(&c.content))
                        .bind(c.created_at)
                        .bind(c.updated_at)
                        .bind(c.deleted_at)
                        .execute(&mut **tx)
                        .await?;
                    }
                    Change::Sprint(sp) => {
                        sqlx::query(
                            "INSERT INTO sprints (id, project_id, name, goal, start_date, end_date, status, \
                             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                             ON CONFLICT (id) DO UPDATE SET name = excluded.name, goal = excluded.goal, \
                             start_date = excluded.start_date, end_date = excluded.end_date, \
                             status = excluded.status, updated_at = excluded.updated_at",
                        )
                        .bind(sp.id.0)
                        .bind(sp.project_id.0)
                        .bind(&sp.name)
                        .bind(&sp.goal)
                        .bind(sp.start_date)
                        .bind(sp.end_date)
                        .bind(sp.status.as_str())
                        .bind(sp.created_at)
                        .bind(sp.updated_at)
                        .execute(&mut **tx)
                        .await?;
                    }
                    Change::SprintDeleted(id) => {
                        sqlx::query("DELETE FROM sprints WHERE id = $1").bind(id.0).execute(&mut **tx).await?;
                    }
                    Change::View(v) => {
                        sqlx::query(
                            "INSERT INTO sprint_views (id, project_id, sprint_id, name, view_type, view_context, \
                             config, position, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                             ON CONFLICT (id) DO UPDATE SET name = excluded.name, view_type = excluded.view_type, \
                             config = excluded.config, position = excluded.position, updated_at = excluded.updated_at",
                        )
                        .bind(v.id.0)
                        .bind(v.project_id.0)
                        .bind(v.sprint_id.map(|s| s.0))
                        .bind(&v.name)
                        .bind(v.view_type.as_str())
                        .bind(v.view_context.as_str())
                        .bind(Json(&v.config))
                        .bind(v.position)
                        .bind(v.created_at)
                        .bind(v.updated_at)
                        .execute(&mut **tx)
                        .await?;
                    }
                    Change::ViewDeleted(id) => {
                        sqlx::query("DELETE FROM view_task_positions WHERE view_id = $1").bind(id.0).execute(&mut **tx).await?;
                        sqlx::query("DELETE FROM sprint_views WHERE id = $1").bind(id.0).execute(&mut **tx).await?;
                    }
                    Change::Position(p) => {
                        sqlx::query(
                            "INSERT INTO view_task_positions (view_id, task_id, position, group_key) \
                             VALUES ($1, $2, $3, $4) ON CONFLICT (view_id, task_id) DO UPDATE SET \
                             position = excluded.position, group_key = excluded.group_key",
                        )
                        .bind(p.view_id.0)
                        .bind(p.task_id.0)
                        .bind(p.position)
                        .bind(&p.group_key)
                        .execute(&mut **tx)
                        .await?;
                    }
                    Change::CustomField(f) => {
                        sqlx::query(
                            "INSERT INTO custom_field_definitions (id, project_id, field_key, display_name, \
                             field_type, options, is_required, created_at, updated_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                             ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name, \
                             field_type = excluded.field_type, options = excluded.options, \
                             is_required = excluded.is_required, updated_at = excluded.updated_at",
                        )
                        .bind(f.id.0)
                        .bind(f.project_id.0)
                        .bind(&f.field_key)
                        .bind(&f.display_name)
                        .bind(f.field_type.as_str())
                        .bind(Json(&f.options))
                        .bind(f.is_required)
                        .bind(f.created_at)
                        .bind(f.updated_at)
                        .execute(&mut **tx)
                        .await?;
                    }
                    Change::Agent(a) => {
                        sqlx::query(
                            "INSERT INTO agents (id, project_id, member_id, name, handle, avatar_url, llm_provider, \
                             llm_model, llm_api_key_secret, llm_base_url, system_prompt, task_trigger_prompt, \
                             doc_comment_trigger_prompt, chat_trigger_prompt, description_write_trigger_prompt, \
                             can_clone_repos, can_create_prs, max_iterations, timeout_minutes, git_committer_name, \
                             git_committer_email, created_by, created_at, updated_at, deleted_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
                             $18, $19, $20, $21, $22, $23, $24, $25) \
                             ON CONFLICT (id) DO UPDATE SET name = excluded.name, handle = excluded.handle, \
                             avatar_url = excluded.avatar_url, llm_provider = excluded.llm_provider, \
                             llm_model = excluded.llm_model, llm_api_key_secret = excluded.llm_api_key_secret, \
                             llm_base_url = excluded.llm_base_url, system_prompt = excluded.system_prompt, \
                             task_trigger_prompt = excluded.task_trigger_prompt, \
                             doc_comment_trigger_prompt = excluded.doc_comment_trigger_prompt, \
                             chat_trigger_prompt = excluded.chat_trigger_prompt, \
                             description_write_trigger_prompt = excluded.description_write_trigger_prompt, \
                             can_clone_repos = excluded.can_clone_repos, can_create_prs = excluded.can_create_prs, \
                             max_iterations = excluded.max_iterations, timeout_minutes = excluded.timeout_minutes, \
                             git_committer_name = excluded.git_committer_name, \
                             git_committer_email = excluded.git_committer_email, \
                             updated_at = excluded.updated_at, deleted_at = excluded.deleted_at",
                        )
                        .bind(a.id.0)
                        .bind(a.project_id.0)
                        .bind(a.member_id.0)
                        .bind(&a.name)
                        .bind(&a.handle)
                        .bind(&a.avatar_url)
                        .bind(&a.llm_provider)
                        .bind(&a.llm_model)
                        .bind(&a.llm_api_key.0)
                        .bind(&a.llm_base_url)
                        .bind(&a.prompts.system)
                        .bind(&a.prompts.task_trigger)
                        .bind(&a.prompts.doc_comment_trigger)
                        .bind(&a.prompts.chat_trigger)
                        .bind(&a.prompts.description_write_trigger)
                        .bind(a.can_clone_repos)
                        .bind(a.can_create_prs)
                        .bind(a.max_iterations)
                        .bind(a.timeout_minutes)
                        .bind(&a.git_committer_name)
                        .bind(&a.git_committer_email)
                        .bind(a.created_by.map(|u| u.0))
                        .bind(a.created_at)
                        .bind(a.updated_at)
                        .bind(a.deleted_at)
                        .execute(&mut **tx)
                        .await?;
                    }
                    Change::AgentEnvVar(v) => {
                        sqlx::query(
                            "INSERT INTO agent_environment_variables (id, agent_id, project_id, key, \
                             encrypted_value, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                             ON CONFLICT (id) DO UPDATE SET key = excluded.key, \
                             encrypted_value = excluded.encrypted_value, updated_at = excluded.updated_at",
                        )
                        .bind(v.id.0)
                        .bind(v.agent_id.0)
                        .bind(v.project_id.0)
                        .bind(&v.key)
                        .bind(&v.value.0)
                        .bind(v.created_at)
                        .bind(v.updated_at)
                        .execute(&mut **tx)
                        .await?;
                    }
                    Change::AgentSkill(k) => {
                        sqlx::query(
                            "INSERT INTO agent_skills (id, agent_id, project_id, skill_name, skill_source, \
                             skill_content, source_url, triggers, is_enabled, created_at, updated_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                             ON CONFLICT (id) DO UPDATE SET skill_name = excluded.skill_name, \
                             skill_source = excluded.skill_source, skill_content = excluded.skill_content, \
                             source_url = excluded.source_url, triggers = excluded.triggers, \
                             is_enabled = excluded.is_enabled, updated_at = excluded.updated_at",
                        )
                        .bind(k.id.0)
                        .bind(k.agent_id.0)
                        .bind(k.project_id.0)
                        .bind(&k.skill_name)
                        .bind(&k.skill_source)
                        .bind(&k.skill_content)
                        .bind(&k.source_url)
                        .bind(Json(&k.triggers))
                        .bind(k.is_enabled)
                        .bind(k.created_at)
                        .bind(k.updated_at)
                        .execute(&mut **tx)
                        .await?;
                    }
                    Change::AgentSkillDeleted(id) => {
                        sqlx::query("DELETE FROM agent_skills WHERE id = $1").bind(id.0).execute(&mut **tx).await?;
                    }
                    Change::AgentMcpServer(m) => {
                        let env: std::collections::BTreeMap<&str, &str> =
                            m.env.iter().map(|(k, v)| (k.as_str(), v.0.as_str())).collect();
                        sqlx::query(
                            "INSERT INTO agent_mcp_servers (id, agent_id, project_id, server_name, transport, \
                             command, args, url, env, is_enabled, created_at, updated_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
                             ON CONFLICT (id) DO UPDATE SET server_name = excluded.server_name, \
                             transport = excluded.transport, command = excluded.command, args = excluded.args, \
                             url = excluded.url, env = excluded.env, is_enabled = excluded.is_enabled, \
                             updated_at = excluded.updated_at",
                        )
                        .bind(m.id.0)
                        .bind(m.agent_id.0)
                        .bind(m.project_id.0)
                        .bind(&m.server_name)
                        .bind(&m.transport)
                        .bind(&m.command)
                        .bind(Json(&m.args))
                        .bind(&m.url)
                        .bind(Json(&env))
                        .bind(m.is_enabled)
                        .bind(m.created_at)
                        .bind(m.updated_at)
                        .execute(&mut **tx)
                        .await?;
                    }
                    Change::AgentMcpServerDeleted(id) => {
                        sqlx::query("DELETE FROM agent_mcp_servers WHERE id = $1").bind(id.0).execute(&mut **tx).await?;
                    }
                    Change::AgentEnvVarDeleted(id) => {
                        sqlx::query("DELETE FROM agent_environment_variables WHERE id = $1").bind(id.0).execute(&mut **tx).await?;
                    }
                    Change::CustomFieldDeleted(id) => {
                        sqlx::query("DELETE FROM custom_field_definitions WHERE id = $1").bind(id.0).execute(&mut **tx).await?;
                    }
                    Change::Link(l) => {
                        sqlx::query(
                            "INSERT INTO task_links (id, project_id, source_task_id, target_task_id, link_type, \
                             created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                        )
                        .bind(l.id.0)
                        .bind(l.project_id.0)
                        .bind(l.source_task_id.0)
                        .bind(l.target_task_id.0)
                        .bind(l.link_type.as_str())
                        .bind(l.created_by.map(|u| u.0))
                        .bind(l.created_at)
                        .execute(&mut **tx)
                        .await?;
                    }
                    Change::LinkDeleted(id) => {
                        sqlx::query("DELETE FROM task_links WHERE id = $1").bind(id.0).execute(&mut **tx).await?;
                    }
                    Change::File(f) => {
                        sqlx::query(
                            "INSERT INTO files (id, attachment_id, project_id, task_id, storage_key, file_name, \
                             content_type, file_size, uploaded_by, created_by, file_created_at, created_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                        )
                        .bind(f.id.0)
                        .bind(f.attachment_id.0)
                        .bind(f.project_id.0)
                        .bind(f.task_id.0)
                        .bind(&f.storage_key)
                        .bind(&f.file_name)
                        .bind(&f.content_type)
                        .bind(f.file_size)
                        .bind(f.uploaded_by.map(|u| u.0))
                        .bind(f.created_by.map(|u| u.0))
                        .bind(f.file_created_at)
                        .bind(f.created_at)
                        .execute(&mut **tx)
                        .await?;
                        // Attached: no longer an upload in progress, in the same transaction.
                        sqlx::query("DELETE FROM file_uploads WHERE id = $1").bind(f.id.0).execute(&mut **tx).await?;
                    }
                    Change::DocFolder(f) => {
                        sqlx::query(
                            "INSERT INTO doc_folders (id, project_id, parent_id, name, position, created_by, \
                             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                             ON CONFLICT (id) DO UPDATE SET parent_id = excluded.parent_id, name = excluded.name, \
                             position = excluded.position, updated_at = excluded.updated_at",
                        )
                        .bind(f.id.0)
                        .bind(f.project_id.0)
                        .bind(f.parent_id.map(|p| p.0))
                        .bind(&f.name)
                        .bind(f.position)
                        .bind(f.created_by.map(|m| m.0))
                        .bind(f.created_at)
                        .bind(f.updated_at)
                        .execute(&mut **tx)
                        .await?;
                    }
                    Change::DocFolderDeleted(id) => {
                        sqlx::query("DELETE FROM doc_folders WHERE id = $1").bind(id.0).execute(&mut **tx).await?;
                    }
                    Change::Document(d) => {
                        sqlx::query(
                            "INSERT INTO documents (id, project_id, folder_id, title, position, created_by, \
                             updated_by, created_at, updated_at, deleted_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                             ON CONFLICT (id) DO UPDATE SET folder_id = excluded.folder_id, title = excluded.title, \
                             position = excluded.position, updated_by = excluded.updated_by, \
                             updated_at = excluded.updated_at, deleted_at = excluded.deleted_at",
                        )
                        .bind(d.id.0)
                        .bind(d.project_id.0)
                        .bind(d.folder_id.map(|f| f.0))
                        .bind(&d.title)
                        .bind(d.position)
                        .bind(d.created_by.map(|m| m.0))
                        .bind(d.updated_by.map(|m| m.0))
                        .bind(d.created_at)
                        .bind(d.updated_at)
                        .bind(d.deleted_at)
                        .execute(&mut **tx)
                        .await?;
                    }
                    Change::DocComment(c) => {
                        sqlx::query(
                            "INSERT INTO doc_comments (id, project_id, document_id, author_id, content, \
                             created_at, updated_at, deleted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                             ON CONFLICT (id) DO UPDATE SET content = excluded.content, \
                             updated_at = excluded.updated_at, deleted_at = excluded.deleted_at",
                        )
                        .bind(c.id.0)
                        .bind(c.project_id.0)
                        .bind(c.document_id.0)
                        .bind(c.author_id.0)
                        .bind(Json(&c.content))
                        .bind(c.created_at)
                        .bind(c.updated_at)
                        .bind(c.deleted_at)
                        .execute(&mut **tx)
                        .await?;
                    }
                    Change::DocFile(f) => {
                        sqlx::query(
                            "INSERT INTO doc_files (id, project_id, document_id, storage_key, file_name, \
                             content_type, file_size, uploaded_by, created_by, file_created_at, created_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                        )
                        .bind(f.id.0)
                        .bind(f.project_id.0)
                        .bind(f.document_id.0)
                        .bind(&f.storage_key)
                        .bind(&f.file_name)
                        .bind(&f.content_type)
                        .bind(f.file_size)
                        .bind(f.uploaded_by.map(|u| u.0))
                        .bind(f.created_by.map(|u| u.0))
                        .bind(f.file_created_at)
                        .bind(f.created_at)
                        .execute(&mut **tx)
                        .await?;
                        // Added: no longer an upload in progress, in the same transaction.
                        sqlx::query("DELETE FROM file_uploads WHERE id = $1").bind(f.id.0).execute(&mut **tx).await?;
                    }
                    Change::DocFileDeleted(id) => {
                        sqlx::query("DELETE FROM doc_files WHERE id = $1").bind(id.0).execute(&mut **tx).await?;
                    }
                    Change::DocState(d) => {
                        sqlx::query(
                            "INSERT INTO doc_states (document_id, project_id, state, state_seq, last_seq, updated_at) \
                             VALUES ($1, $2, $3, 0, 0, $4)",
                        )
                        .bind(d.document_id.0)
                        .bind(d.project_id.0)
                        .bind(&d.state)
                        .bind(d.at)
                        .execute(&mut **tx)
                        .await?;
                    }
                    Change::FileDeleted(id) => {
                        sqlx::query("DELETE FROM files WHERE id = $1").bind(id.0).execute(&mut **tx).await?;
                    }
                    Change::Notification(n) => {
                        sqlx::query(
                            "INSERT INTO notifications (id, recipient_user_id, actor_member_id, type, \
                             task_id, project_id, created_at, document_id) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                        )
                        .bind(n.id.0)
                        .bind(n.recipient_user_id.0)
                        .bind(n.actor_member_id.map(|m| m.0))
                        .bind(n.kind.as_str())
                        .bind(n.task_id.map(|t| t.0))
                        .bind(n.project_id.0)
                        .bind(n.created_at)
                        .bind(n.document_id.map(|d| d.0))
                        .execute(&mut **tx)
                        .await?;
                    }
                }
                Ok(())
            }

            /// Upserts many tasks with one statement per chunk (ids must be distinct).
            async fn write_tasks(
                tx: &mut sqlx::Transaction<'_, $db>,
                tasks: &[&corral_actors::project::model::Task],
            ) -> Result<(), sqlx::Error> {
                for chunk in tasks.chunks(TASK_ROWS_PER_STATEMENT) {
                    let mut q = sqlx::QueryBuilder::<$db>::new("");
                    Self::push_task_upsert(&mut q, chunk, None);
                    q.build().execute(&mut **tx).await?;
                }
                Ok(())
            }

            /// Appends one multi-row upsert of `tasks` (at most [`TASK_ROWS_PER_STATEMENT`]),
            /// of no row unless `only_if` (an SQL condition) holds.
            pub(crate) fn push_task_upsert(
                q: &mut sqlx::QueryBuilder<$db>,
                tasks: &[&corral_actors::project::model::Task],
                only_if: Option<&str>,
            ) {
                q.push(
                    "INSERT INTO tasks (id, project_id, task_number, task_type_id, status_id, \
                     sprint_id, parent_task_id, title, description, importance, story_points, \
                     assignee_ids, reporter_id, custom_fields, start_date, due_date, tags, version, \
                     created_at, updated_at, deleted_at) ",
                );
                if only_if.is_some() {
                    q.push("SELECT * FROM (");
                }
                q.push_values(tasks.iter(), |mut b, t| {
                    b.push_bind(t.id.0)
                        .push_bind(t.project_id.0)
                        .push_bind(t.task_number)
                        .push_bind(t.task_type_id.map(|i| i.0))
                        .push_bind(t.status_id.map(|i| i.0))
                        .push_bind(t.sprint_id)
                        .push_bind(t.parent_task_id.map(|i| i.0))
                        .push_bind(t.title.as_str())
                        .push_bind(t.description.as_ref().map(Json))
                        .push_bind(t.importance)
                        .push_bind(t.story_points)
                        .push_bind(Json(&t.assignee_ids))
                        .push_bind(t.reporter_id.map(|i| i.0))
                        .push_bind(Json(&t.custom_fields))
                        .push_bind(t.start_date)
                        .push_bind(t.due_date)
                        .push_bind(Json(&t.tags))
                        .push_bind(t.version)
                        .push_bind(t.created_at)
                        .push_bind(t.updated_at)
                        .push_bind(t.deleted_at);
                });
                if let Some(condition) = only_if {
                    q.push(") AS v WHERE ").push(condition);
                }
                q.push(
                    " ON CONFLICT (id) DO UPDATE SET task_type_id = excluded.task_type_id, \
                     status_id = excluded.status_id, sprint_id = excluded.sprint_id, \
                     parent_task_id = excluded.parent_task_id, title = excluded.title, \
                     description = excluded.description, importance = excluded.importance, \
                     story_points = excluded.story_points, assignee_ids = excluded.assignee_ids, \
                     reporter_id = excluded.reporter_id, custom_fields = excluded.custom_fields, \
                     start_date = excluded.start_date, due_date = excluded.due_date, \
                     tags = excluded.tags, version = excluded.version, \
                     updated_at = excluded.updated_at, deleted_at = excluded.deleted_at",
                );
            }

            /// Inserts many events with one statement per chunk.
            async fn write_events(
                tx: &mut sqlx::Transaction<'_, $db>,
                events: &[Event],
            ) -> Result<(), sqlx::Error> {
                for chunk in events.chunks(EVENT_ROWS_PER_STATEMENT) {
                    let mut q = sqlx::QueryBuilder::<$db>::new("");
                    Self::push_event_insert(&mut q, chunk, None);
                    q.build().execute(&mut **tx).await?;
                }
                Ok(())
            }

            /// Appends one multi-row insert of `events` (at most [`EVENT_ROWS_PER_STATEMENT`]),
            /// of no row unless `only_if` (an SQL condition) holds.
            pub(crate) fn push_event_insert(
                q: &mut sqlx::QueryBuilder<$db>,
                events: &[Event],
                only_if: Option<&str>,
            ) {
                q.push(
                    "INSERT INTO project_events (project_id, seq, id, type, actor_user_id, \
                     actor_member_id, task_id, subject_id, at, payload) ",
                );
                if only_if.is_some() {
                    q.push("SELECT * FROM (");
                }
                q.push_values(events.iter(), |mut b, e| {
                    b.push_bind(e.project_id.0)
                        .push_bind(e.seq)
                        .push_bind(e.id.0)
                        .push_bind(e.kind.wire())
                        .push_bind(e.actor_user_id.map(|u| u.0))
                        .push_bind(e.actor_member_id.map(|m| m.0))
                        .push_bind(e.task_id.map(|t| t.0))
                        .push_bind(e.subject_id)
                        .push_bind(e.at)
                        .push_bind(Json(e.payload_json()));
                });
                if let Some(condition) = only_if {
                    q.push(") AS v WHERE ").push(condition);
                }
            }

        }

        #[async_trait]
        impl ProjectStore for $store {
            async fn load_project(&self, id: ProjectId) -> StoreResult<Option<ProjectState>> {
                let project: Option<ProjectRow> =
                    sqlx::query_as(concat!("SELECT ", project_columns!(), " FROM projects WHERE id = $1"))
                        .bind(id.0)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(store_error)?;
                let Some(project) = project else {
                    return Ok(None);
                };
                let mut state = ProjectState {
                    event_seq: project.event_seq,
                    task_counter: project.task_counter,
                    ..ProjectState::default()
                };
                state.project = Some(project.into());
                let roles: Vec<ProjectRoleRow> = sqlx::query_as(
                    "SELECT id, project_id, role_name, permissions, created_at, updated_at \
                     FROM project_roles WHERE project_id = $1",
                )
                .bind(id.0)
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                for r in roles {
                    let r: corral_actors::project::model::ProjectRole = r.into();
                    state.roles.insert(r.id, r);
                }
                let members: Vec<MemberRow> = sqlx::query_as(
                    "SELECT m.id, m.project_id, m.user_id, m.agent_id, m.member_type, m.project_role_id, \
                     COALESCE(u.username, a.handle) AS username, COALESCE(u.full_name, a.name) AS full_name, \
                     m.created_at, m.updated_at, m.deleted_at \
                     FROM project_members m LEFT JOIN users u ON u.id = m.user_id \
                     LEFT JOIN agents a ON a.id = m.agent_id WHERE m.project_id = $1",
                )
                .bind(id.0)
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                for m in members {
                    let m: corral_actors::project::model::Member = m.into();
                    state.members.insert(m.id, m);
                }
                let types: Vec<TaskTypeRow> = sqlx::query_as(
                    "SELECT id, project_id, name, icon, color, description, is_default, is_system, \
                     created_at, updated_at FROM task_types WHERE project_id = $1",
                )
                .bind(id.0)
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                for t in types {
                    let t: corral_actors::project::model::TaskType = t.into();
                    state.task_types.insert(t.id, t);
                }
                let statuses: Vec<StatusRow> = sqlx::query_as(
                    "SELECT id, project_id, name, color, position, category, is_default, created_at, \
                     updated_at FROM task_statuses WHERE project_id = $1",
                )
                .bind(id.0)
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                for s in statuses {
                    let s: corral_actors::project::model::TaskStatus = s.into();
                    state.statuses.insert(s.id, s);
                }
                let tasks: Vec<TaskRow> =
                    sqlx::query_as(concat!("SELECT ", task_columns!(), " FROM tasks WHERE project_id = $1"))
                        .bind(id.0)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(store_error)?;
                for t in tasks {
                    let t: corral_actors::project::model::Task = t.into();
                    state.task_numbers.insert(t.task_number, t.id);
                    state.tasks.insert(t.id, std::sync::Arc::new(t));
                }
                let comments: Vec<CommentRow> = sqlx::query_as(
                    "SELECT id, project_id, task_id, author_member_id, content, created_at, updated_at, \
                     deleted_at FROM task_comments WHERE project_id = $1",
                )
                .bind(id.0)
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                for c in comments {
                    let c: corral_actors::project::model::Comment = c.into();
                    state.comments.insert(c.id, c);
                }
                let sprints: Vec<SprintRow> = sqlx::query_as(
                    "SELECT id, project_id, name, goal, start_date, end_date, status, created_at, \
                     updated_at FROM sprints WHERE project_id = $1",
                )
                .bind(id.0)
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                for sp in sprints {
                    let sp: corral_actors::project::planning::Sprint = sp.into();
                    state.sprints.insert(sp.id, sp);
                }
                let views: Vec<ViewRow> = sqlx::query_as(
                    "SELECT id, project_id, sprint_id, name, view_type, view_context, config, position, \
                     created_at, updated_at FROM sprint_views WHERE project_id = $1",
                )
                .bind(id.0)
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                for v in views {
                    let v: corral_actors::project::planning::View = v.into();
                    state.views.insert(v.id, v);
                }
                let positions: Vec<PositionRow> = sqlx::query_as(
                    "SELECT p.view_id, p.task_id, p.position, p.group_key FROM view_task_positions p \
                     JOIN sprint_views v ON v.id = p.view_id WHERE v.project_id = $1",
                )
                .bind(id.0)
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                for p in positions {
                    let p: corral_actors::project::planning::TaskPosition = p.into();
                    state.positions.entry(p.view_id).or_default().insert(p.task_id, p);
                }
                let agents: Vec<AgentRow> = sqlx::query_as(
                    "SELECT id, project_id, member_id, name, handle, avatar_url, llm_provider, llm_model, \
                     llm_api_key_secret, llm_base_url, system_prompt, task_trigger_prompt, \
                     doc_comment_trigger_prompt, chat_trigger_prompt, description_write_trigger_prompt, \
                     can_clone_repos, can_create_prs, max_iterations, timeout_minutes, git_committer_name, \
                     git_committer_email, created_by, created_at, updated_at, deleted_at \
                     FROM agents WHERE project_id = $1",
                )
                .bind(id.0)
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                for a in agents {
                    let a: corral_actors::project::agents::Agent = a.into();
                    state.agents.insert(a.id, a);
                }
                let env: Vec<AgentEnvVarRow> = sqlx::query_as(
                    "SELECT id, agent_id, project_id, key, encrypted_value, created_at, updated_at \
                     FROM agent_environment_variables WHERE project_id = $1",
                )
                .bind(id.0)
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                for v in env {
                    let v: corral_actors::project::agents::AgentEnvVar = v.into();
                    state.agent_env.insert(v.id, v);
                }
                let skills: Vec<$crate::sql::project_rows::AgentSkillRow> = sqlx::query_as(
                    "SELECT id, agent_id, project_id, skill_name, skill_source, skill_content, source_url, \
                     triggers, is_enabled, created_at, updated_at FROM agent_skills WHERE project_id = $1",
                )
                .bind(id.0)
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                for k in skills {
                    let k: corral_actors::project::agents::AgentSkill = k.into();
                    state.agent_skills.insert(k.id, k);
                }
                let servers: Vec<$crate::sql::project_rows::AgentMcpServerRow> = sqlx::query_as(
                    "SELECT id, agent_id, project_id, server_name, transport, command, args, url, env, \
                     is_enabled, created_at, updated_at FROM agent_mcp_servers WHERE project_id = $1",
                )
                .bind(id.0)
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                for m in servers {
                    let m: corral_actors::project::agents::AgentMcpServer = m.into();
                    state.agent_mcp.insert(m.id, m);
                }
                let fields: Vec<CustomFieldRow> = sqlx::query_as(
                    "SELECT id, project_id, field_key, display_name, field_type, options, is_required, \
                     created_at, updated_at FROM custom_field_definitions WHERE project_id = $1",
                )
                .bind(id.0)
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                for f in fields {
                    let f: corral_actors::project::planning::CustomField = f.into();
                    state.custom_fields.insert(f.id, f);
                }
                let links: Vec<LinkRow> = sqlx::query_as(
                    "SELECT id, project_id, source_task_id, target_task_id, link_type, created_by, created_at \
                     FROM task_links WHERE project_id = $1",
                )
                .bind(id.0)
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                for l in links {
                    let l: corral_actors::project::planning::TaskLink = l.into();
                    state.links.insert(l.id, l);
                }
                let files: Vec<$crate::sql::file_rows::FileRow> = sqlx::query_as(
                    "SELECT id, attachment_id, project_id, task_id, storage_key, file_name, content_type, \
                     file_size, uploaded_by, created_by, file_created_at, created_at \
                     FROM files WHERE project_id = $1",
                )
                .bind(id.0)
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                for f in files {
                    let f: corral_actors::project::files::StoredFile = f.into();
                    state.file_bytes += f.file_size;
                    state.files.insert(f.id, f);
                }
                let folders: Vec<$crate::sql::file_rows::DocFolderRow> = sqlx::query_as(
                    "SELECT id, project_id, parent_id, name, position, created_by, created_at, updated_at \
                     FROM doc_folders WHERE project_id = $1",
                )
                .bind(id.0)
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                for f in folders {
                    let f: corral_actors::project::docs::DocFolder = f.into();
                    state.doc_folders.insert(f.id, f);
                }
                let documents: Vec<$crate::sql::doc_rows::DocumentRow> = sqlx::query_as(
                    "SELECT id, project_id, folder_id, title, position, created_by, updated_by, created_at, \
                     updated_at, deleted_at FROM documents WHERE project_id = $1",
                )
                .bind(id.0)
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                for d in documents {
                    let d: corral_actors::project::docs::Document = d.into();
                    state.documents.insert(d.id, d);
                }
                let comments: Vec<$crate::sql::doc_rows::DocCommentRow> = sqlx::query_as(
                    "SELECT id, project_id, document_id, author_id, content, created_at, updated_at, \
                     deleted_at FROM doc_comments WHERE project_id = $1",
                )
                .bind(id.0)
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                for c in comments {
                    let c: corral_actors::project::docs::DocComment = c.into();
                    state.doc_comments.insert(c.id, c);
                }
                let doc_files: Vec<$crate::sql::doc_rows::DocFileRow> = sqlx::query_as(
                    "SELECT id, project_id, document_id, storage_key, file_name, content_type, file_size, \
                     uploaded_by, created_by, file_created_at, created_at FROM doc_files WHERE project_id = $1",
                )
                .bind(id.0)
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                for f in doc_files {
                    let f: corral_actors::project::docs::DocFile = f.into();
                    state.file_bytes += f.file_size;
                    state.doc_files.insert(f.id, f);
                }
                Ok(Some(state))
            }

            async fn commit_project(&self, batch: &CommitBatch) -> StoreResult<CommitOutcome> {
                if let Some(outcome) = self.commit_tasks_in_one_step(batch).await? {
                    return Ok(outcome);
                }
                let mut tx = self.writer().begin().await.map_err(store_error)?;
                // The fence comes first: it locks the project row, so a stale writer stops
                // here, before any of its rows can collide with the current ones.
                let fenced = sqlx::query(
                    "UPDATE projects SET event_seq = $2, task_counter = $3 \
                     WHERE id = $1 AND event_seq = $4",
                )
                .bind(batch.project_id.0)
                .bind(batch.new_seq)
                .bind(batch.task_counter)
                .bind(batch.base_seq)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
                let creating = fenced.rows_affected() == 0;
                if creating {
                    // Either the batch creates the project, or someone else moved it on.
                    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM projects WHERE id = $1")
                        .bind(batch.project_id.0)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(store_error)?;
                    if exists.is_some() || batch.base_seq != 0 {
                        tx.rollback().await.map_err(store_error)?;
                        return Ok(CommitOutcome::Fenced);
                    }
                }
                // Tasks, the hot rows, go in multi-row statements, each task once with its
                // last image of the batch; everything else row by row, in order.
                for change in &batch.changes {
                    if !matches!(change, Change::Task(_)) {
                        Self::write_change(&mut tx, change).await.map_err(store_error)?;
                    }
                }
                let tasks = $crate::sql::project_queries::last_task_images(&batch.changes);
                Self::write_tasks(&mut tx, &tasks).await.map_err(store_error)?;
                Self::write_events(&mut tx, &batch.events).await.map_err(store_error)?;
                if creating {
                    sqlx::query("UPDATE projects SET event_seq = $2, task_counter = $3 WHERE id = $1")
                        .bind(batch.project_id.0)
                        .bind(batch.new_seq)
                        .bind(batch.task_counter)
                        .execute(&mut *tx)
                        .await
                        .map_err(store_error)?;
                }
                tx.commit().await.map_err(store_error)?;
                Ok(CommitOutcome::Committed)
            }

            async fn project_events(&self, id: ProjectId, since: i64, limit: u32) -> StoreResult<Vec<Event>> {
                let rows: Vec<EventRow> = sqlx::query_as(concat!(
                    "SELECT ", event_columns!(), " FROM project_events e \
                     WHERE e.project_id = $1 AND e.seq > $2 ORDER BY e.seq LIMIT $3"
                ))
                .bind(id.0)
                .bind(since)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                rows.into_iter().map(Event::try_from).collect()
            }

            async fn list_projects(
                &self,
                member: Option<UserId>,
                offset: u64,
                limit: u64,
            ) -> StoreResult<(Vec<Project>, u64)> {
                let limit = i64::try_from(limit).unwrap_or(i64::MAX);
                let offset = i64::try_from(offset).unwrap_or(i64::MAX);
                let (rows, total): (Vec<ProjectRow>, i64) = match member {
                    None => {
                        let rows = sqlx::query_as(concat!(
                            "SELECT ", project_columns!(), " FROM projects WHERE deleted_at IS NULL \
                             ORDER BY created_at, id LIMIT $1 OFFSET $2"
                        ))
                        .bind(limit)
                        .bind(offset)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(store_error)?;
                        let total = sqlx::query_scalar("SELECT COUNT(*) FROM projects WHERE deleted_at IS NULL")
                            .fetch_one(&self.pool)
                            .await
                            .map_err(store_error)?;
                        (rows, total)
                    }
                    Some(user) => {
                        let rows = sqlx::query_as(
                            "SELECT p.id, p.name, p.description, p.task_id_prefix, p.is_public, p.settings, \
                             p.created_by, p.created_at, p.updated_at, p.deleted_at, p.event_seq, p.task_counter \
                             FROM projects p JOIN project_members m ON m.project_id = p.id \
                             AND m.user_id = $1 AND m.deleted_at IS NULL \
                             WHERE p.deleted_at IS NULL ORDER BY p.created_at, p.id LIMIT $2 OFFSET $3",
                        )
                        .bind(user.0)
                        .bind(limit)
                        .bind(offset)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(store_error)?;
                        let total = sqlx::query_scalar(
                            "SELECT COUNT(*) FROM projects p JOIN project_members m ON m.project_id = p.id \
                             AND m.user_id = $1 AND m.deleted_at IS NULL WHERE p.deleted_at IS NULL",
                        )
                        .bind(user.0)
                        .fetch_one(&self.pool)
                        .await
                        .map_err(store_error)?;
                        (rows, total)
                    }
                };
                Ok((rows.into_iter().map(Into::into).collect(), u64::try_from(total).unwrap_or(0)))
            }

            async fn doc_folder_project(
                &self,
                folder: corral_actors::ids::DocFolderId,
            ) -> StoreResult<Option<ProjectId>> {
                let project: Option<uuid::Uuid> =
                    sqlx::query_scalar("SELECT project_id FROM doc_folders WHERE id = $1")
                        .bind(folder.0)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(store_error)?;
                Ok(project.map(ProjectId))
            }

            async fn task_project(&self, task: TaskId) -> StoreResult<Option<ProjectId>> {
                let project: Option<uuid::Uuid> =
                    sqlx::query_scalar("SELECT project_id FROM tasks WHERE id = $1 AND deleted_at IS NULL")
                        .bind(task.0)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(store_error)?;
                Ok(project.map(ProjectId))
            }

            async fn task_activity(&self, project: ProjectId, task: TaskId) -> StoreResult<Vec<ActivityEntry>> {
                let rows: Vec<ActivityRow> = sqlx::query_as(concat!(
                    "SELECT ", event_columns!(), ", \
                     COALESCE(u.full_name, a.name) AS actor_name, \
                     COALESCE(u.username, a.handle) AS actor_username, \
                     c.content AS comment_content, c.updated_at AS comment_updated_at, \
                     c.deleted_at AS comment_deleted_at \
                     FROM project_events e \
                     LEFT JOIN task_comments c ON c.id = e.subject_id AND e.type = 'task.comment.added' \
                     LEFT JOIN project_members m ON m.id = e.actor_member_id \
                     LEFT JOIN users u ON u.id = m.user_id \
                     LEFT JOIN agents a ON a.id = m.agent_id \
                     WHERE e.project_id = $1 AND e.task_id = $2 \
                     AND e.type IN ('task.created', 'task.updated', 'task.deleted', 'task.comment.added', 'task.link.added', 'task.link.removed', 'task.attachment.added', 'task.attachment.removed', 'agent.session.started') \
                     ORDER BY e.seq"
                ))
                .bind(project.0)
                .bind(task.0)
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(rows.into_iter().filter_map(ActivityRow::into_entry).collect())
            }

            async fn list_notifications(
                &self,
                user: UserId,
                limit: u32,
            ) -> StoreResult<(Vec<NotificationView>, u64)> {
                let rows: Vec<NotificationRow> = sqlx::query_as(
                    "SELECT n.id, n.type, COALESCE(u.full_name, a.name) AS actor_full_name, \
                     COALESCE(u.username, a.handle) AS actor_username, \
                     n.task_id, t.title AS task_title, t.task_number, n.project_id, p.name AS project_name, \
                     n.read_at, n.created_at, n.document_id, d.title AS document_title FROM notifications n \
                     LEFT JOIN project_members m ON m.id = n.actor_member_id \
                     LEFT JOIN users u ON u.id = m.user_id \
                     LEFT JOIN agents a ON a.id = m.agent_id \
                     LEFT JOIN tasks t ON t.id = n.task_id \
                     LEFT JOIN documents d ON d.id = n.document_id \
                     LEFT JOIN projects p ON p.id = n.project_id \
                     WHERE n.recipient_user_id = $1 ORDER BY n.created_at DESC, n.id DESC LIMIT $2",
                )
                .bind(user.0)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                let unread: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM notifications WHERE recipient_user_id = $1 AND read_at IS NULL",
                )
                .bind(user.0)
                .fetch_one(&self.pool)
                .await
                .map_err(store_error)?;
                Ok((rows.into_iter().map(Into::into).collect(), u64::try_from(unread).unwrap_or(0)))
            }

            async fn mark_notification_read(
                &self,
                user: UserId,
                id: NotificationId,
                at: DateTime<Utc>,
            ) -> StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE notifications SET read_at = COALESCE(read_at, $3) \
                     WHERE id = $1 AND recipient_user_id = $2",
                )
                .bind(id.0)
                .bind(user.0)
                .bind(at)
                .execute(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(done.rows_affected() > 0)
            }

            async fn mark_all_notifications_read(&self, user: UserId, at: DateTime<Utc>) -> StoreResult<u64> {
                let done = sqlx::query(
                    "UPDATE notifications SET read_at = $2 WHERE recipient_user_id = $1 AND read_at IS NULL",
                )
                .bind(user.0)
                .bind(at)
                .execute(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(done.rows_affected())
            }
        }
    };
}
