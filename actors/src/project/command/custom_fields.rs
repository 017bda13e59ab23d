//! Custom field definitions. Keys are immutable; task values are checked against the
//! definition on every task write, and values a definition change makes invalid (or a deleted
//! field leaves behind) are removed from the tasks in the same batch.

use super::{Stage, required_name};
use crate::error::{Error, Result, codes};
use crate::ids::CustomFieldId;
use crate::project::access::{self, TASKS_WRITE};
use crate::project::batch::Change;
use crate::project::events::EventKind;
use crate::project::planning::{CustomField, FieldType};
use serde_json::json;

command!(CreateCustomField(NewCustomField) -> CustomField, |Self(new), s| create(s, new));
command!(UpdateCustomField(CustomFieldId, CustomFieldChanges) -> CustomField,
    |Self(id, changes), s| update(s, *id, changes));
command!(DeleteCustomField(CustomFieldId) -> (), |Self(id), s| delete(s, *id));

pub const KEY_MAX: usize = 64;
const NAME_MAX: usize = 100;
pub const OPTIONS_MAX: usize = 200;
const OPTION_MAX: usize = 100;
/// Keys that would shadow built-in task sorts.
const RESERVED_KEYS: [&str; 10] = [
    "importance",
    "title",
    "story_points",
    "start_date",
    "due_date",
    "created",
    "manual",
    "view_position",
    "count",
    "created_at",
];

#[derive(Clone, Debug, Default)]
pub struct NewCustomField {
    pub field_key: String,
    pub display_name: String,
    pub field_type: String,
    pub options: Vec<String>,
    pub is_required: bool,
}

#[derive(Clone, Debug, Default)]
pub struct CustomFieldChanges {
    pub display_name: Option<String>,
    pub field_type: Option<String>,
    pub options: Option<Vec<String>>,
    pub is_required: Option<bool>,
}

pub(crate) fn field_not_found() -> Error {
    Error::not_found(codes::CUSTOM_FIELD_NOT_FOUND, "custom field: not found")
}

fn field_type(raw: &str) -> Result<FieldType> {
    FieldType::parse(raw).ok_or_else(|| {
        Error::invalid(
            codes::CUSTOM_FIELD_TYPE_INVALID,
            "custom field: invalid field type",
        )
    })
}

/// `^[A-Za-z][A-Za-z0-9_]{0,63}$`, not a built-in sort key.
fn key(raw: &str) -> Result<String> {
    let key = raw.trim();
    let shaped = key.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && key.len() <= KEY_MAX
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !shaped || RESERVED_KEYS.contains(&key) {
        return Err(Error::invalid(
            codes::CUSTOM_FIELD_KEY_INVALID,
            format!(
                "custom field: key must be a letter then up to {} letters, digits or _, and not a built-in field name",
                KEY_MAX - 1
            ),
        ));
    }
    Ok(key.to_owned())
}

fn options(raw: &[String]) -> Result<Vec<String>> {
    if raw.len() > OPTIONS_MAX {
        return Err(Error::bad_request(format!("at most {OPTIONS_MAX} options")));
    }
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    for o in raw {
        let o = o.trim();
        if o.is_empty() || o.chars().count() > OPTION_MAX || out.iter().any(|x| x == o) {
            return Err(Error::bad_request(format!(
                "options must be distinct, non-empty and at most {OPTION_MAX} characters"
            )));
        }
        out.push(o.to_owned());
    }
    Ok(out)
}

fn name_invalid() -> Error {
    Error::invalid(
        codes::CUSTOM_FIELD_NAME_INVALID,
        "custom field: display name is empty or invalid",
    )
}

/// Removes the field's values from tasks where `keep` says they no longer hold.
fn prune_values(
    s: &mut Stage<'_>,
    key: &str,
    keep: impl Fn(&serde_json::Value) -> bool,
) -> Vec<String> {
    let affected: Vec<_> = s
        .state
        .tasks
        .values()
        .filter(|t| t.custom_fields.get(key).is_some_and(|v| !keep(v)))
        .map(|t| (**t).clone())
        .collect();
    let mut ids = Vec::new();
    for mut task in affected {
        task.custom_fields.remove(key);
        task.version += 1;
        task.updated_at = s.now;
        ids.push(task.id.to_string());
        s.put(Change::Task(std::sync::Arc::new(task)));
    }
    ids.sort();
    ids
}

pub(super) fn create(s: &mut Stage<'_>, new: &NewCustomField) -> Result<CustomField> {
    access::require(s.state, s.caller, TASKS_WRITE)?;
    if new.field_key.is_empty() || new.display_name.is_empty() {
        return Err(Error::bad_request(
            "field_key and display_name are required",
        ));
    }
    if new.field_type.is_empty() {
        return Err(Error::bad_request("field_type is required"));
    }
    let field_key = key(&new.field_key)?;
    let display_name = required_name(&new.display_name, NAME_MAX, name_invalid())?;
    let field_type = field_type(&new.field_type)?;
    if s.state.custom_field(&field_key).is_some() {
        return Err(Error::conflict(
            codes::CUSTOM_FIELD_KEY_TAKEN,
            "custom field: key already in use within project",
        ));
    }
    let field = CustomField {
        id: CustomFieldId::new(),
        project_id: s.project_id(),
        field_key,
        display_name,
        field_type,
        options: options(&new.options)?,
        is_required: new.is_required,
        created_at: s.now,
        updated_at: s.now,
    };
    s.put(Change::CustomField(field.clone()));
    s.emit(
        EventKind::CustomFieldCreated,
        None,
        Some(field.id.0),
        json!({"project_id": field.project_id, "field_id": field.id, "field_key": field.field_key}),
    );
    Ok(field)
}

pub(super) fn update(
    s: &mut Stage<'_>,
    id: CustomFieldId,
    changes: &CustomFieldChanges,
) -> Result<CustomField> {
    access::require(s.state, s.caller, TASKS_WRITE)?;
    let mut field = s
        .state
        .custom_fields
        .get(&id)
        .cloned()
        .ok_or_else(field_not_found)?;
    if let Some(name) = changes
        .display_name
        .as_deref()
        .filter(|n| !n.trim().is_empty())
    {
        field.display_name = required_name(name, NAME_MAX, name_invalid())?;
    }
    if let Some(t) = changes.field_type.as_deref() {
        field.field_type = field_type(t)?;
    }
    if let Some(o) = &changes.options {
        field.options = options(o)?;
    }
    if let Some(r) = changes.is_required {
        field.is_required = r;
    }
    field.updated_at = s.now;
    let check = field.clone();
    let pruned = prune_values(s, &field.field_key, |v| check.check(v).is_ok());
    s.put(Change::CustomField(field.clone()));
    s.emit(
        EventKind::CustomFieldUpdated,
        None,
        Some(id.0),
        json!({"project_id": field.project_id, "field_id": id, "field_key": field.field_key, "pruned_task_ids": pruned}),
    );
    Ok(field)
}

pub(super) fn delete(s: &mut Stage<'_>, id: CustomFieldId) -> Result<()> {
    access::require(s.state, s.caller, TASKS_WRITE)?;
    let field = s
        .state
        .custom_fields
        .get(&id)
        .cloned()
        .ok_or_else(field_not_found)?;
    let pruned = prune_values(s, &field.field_key, |_| false);
    s.put(Change::CustomFieldDeleted(id));
    s.emit(
        EventKind::CustomFieldDeleted,
        None,
        Some(id.0),
        json!({"project_id": field.project_id, "field_id": id, "field_key": field.field_key, "pruned_task_ids": pruned}),
    );
    Ok(())
}
