//! Planning entities: sprints, views with manual task order, custom fields, task links.

use crate::ids::{CustomFieldId, LinkId, ProjectId, SprintId, TaskId, UserId, ViewId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SprintStatus {
    Planned,
    Active,
    Completed,
}

impl SprintStatus {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "planned" => Some(Self::Planned),
            "active" => Some(Self::Active),
            "completed" => Some(Self::Completed),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Planned => "planned",
            Self::Active => "active",
            Self::Completed => "completed",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sprint {
    pub id: SprintId,
    pub project_id: ProjectId,
    pub name: String,
    pub goal: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub status: SprintStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ViewType {
    Table,
    Board,
    Roadmap,
    Plugin,
}

impl ViewType {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "table" => Some(Self::Table),
            "board" => Some(Self::Board),
            "roadmap" => Some(Self::Roadmap),
            "plugin" => Some(Self::Plugin),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Table => "table",
            Self::Board => "board",
            Self::Roadmap => "roadmap",
            Self::Plugin => "plugin",
        }
    }
}

/// Where a view lives: a sprint's tabs, the backlog's or the timeline's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ViewContext {
    Sprint,
    Backlog,
    Timeline,
}

impl ViewContext {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "sprint" => Some(Self::Sprint),
            "backlog" => Some(Self::Backlog),
            "timeline" => Some(Self::Timeline),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sprint => "sprint",
            Self::Backlog => "backlog",
            Self::Timeline => "timeline",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct View {
    pub id: ViewId,
    pub project_id: ProjectId,
    /// Set for sprint views only.
    pub sprint_id: Option<SprintId>,
    pub name: String,
    pub view_type: ViewType,
    pub view_context: ViewContext,
    /// Paca's config keys (`fields`, `column_by`, `filters`, …), kept as given.
    pub config: Map<String, Value>,
    /// Tab order within the context.
    pub position: f64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A task's manual place in one view (and group of it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskPosition {
    pub view_id: ViewId,
    pub task_id: TaskId,
    pub position: f64,
    pub group_key: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Text,
    Number,
    Date,
    Select,
    MultiSelect,
    Boolean,
    Url,
}

impl FieldType {
    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "text" => Self::Text,
            "number" => Self::Number,
            "date" => Self::Date,
            "select" => Self::Select,
            "multi_select" => Self::MultiSelect,
            "boolean" => Self::Boolean,
            "url" => Self::Url,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Number => "number",
            Self::Date => "date",
            Self::Select => "select",
            Self::MultiSelect => "multi_select",
            Self::Boolean => "boolean",
            Self::Url => "url",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CustomField {
    pub id: CustomFieldId,
    pub project_id: ProjectId,
    /// Immutable: task values are stored under it.
    pub field_key: String,
    pub display_name: String,
    pub field_type: FieldType,
    /// The choices of `select` and `multi_select` fields, in order.
    pub options: Vec<String>,
    pub is_required: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Text values longest accepted.
pub const TEXT_VALUE_MAX: usize = 10_000;

impl CustomField {
    /// Checks a task's value for this field; the error names the field.
    pub fn check(&self, value: &Value) -> Result<(), String> {
        let key = &self.field_key;
        let ok = match (self.field_type, value) {
            (_, Value::Null) => true,
            (FieldType::Text, Value::String(s)) => s.chars().count() <= TEXT_VALUE_MAX,
            (FieldType::Number, Value::Number(_)) => true,
            (FieldType::Date, Value::String(s)) => NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok(),
            (FieldType::Select, Value::String(s)) => self.options.contains(s),
            (FieldType::MultiSelect, Value::Array(items)) => {
                let mut seen = Vec::new();
                items.iter().all(|i| match i.as_str() {
                    Some(s) if self.options.iter().any(|o| o == s) && !seen.contains(&s) => {
                        seen.push(s);
                        true
                    }
                    _ => false,
                })
            }
            (FieldType::Boolean, Value::Bool(_)) => true,
            (FieldType::Url, Value::String(s)) => {
                (s.starts_with("http://") || s.starts_with("https://"))
                    && s.len() > 8
                    && s.len() <= 2048
                    && !s.chars().any(char::is_whitespace)
            }
            _ => false,
        };
        if ok {
            return Ok(());
        }
        let expected = match self.field_type {
            FieldType::Text => format!("text of at most {TEXT_VALUE_MAX} characters"),
            FieldType::Number => "a number".into(),
            FieldType::Date => "a date (YYYY-MM-DD)".into(),
            FieldType::Select => format!("one of {:?}", self.options),
            FieldType::MultiSelect => format!("a list of distinct values from {:?}", self.options),
            FieldType::Boolean => "true or false".into(),
            FieldType::Url => "an http(s) URL".into(),
        };
        Err(format!("custom_fields.{key}: expected {expected}"))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkType {
    Blocks,
    RelatesTo,
    Duplicates,
}

impl LinkType {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "blocks" => Some(Self::Blocks),
            "relates_to" => Some(Self::RelatesTo),
            "duplicates" => Some(Self::Duplicates),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Blocks => "blocks",
            Self::RelatesTo => "relates_to",
            Self::Duplicates => "duplicates",
        }
    }

    /// The name seen from the target task.
    pub fn inverse(self) -> &'static str {
        match self {
            Self::Blocks => "is_blocked_by",
            Self::RelatesTo => "relates_to",
            Self::Duplicates => "is_duplicated_by",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskLink {
    pub id: LinkId,
    pub project_id: ProjectId,
    pub source_task_id: TaskId,
    pub target_task_id: TaskId,
    pub link_type: LinkType,
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field(t: FieldType) -> CustomField {
        CustomField {
            id: CustomFieldId::new(),
            project_id: ProjectId::new(),
            field_key: "k".into(),
            display_name: "K".into(),
            field_type: t,
            options: vec!["a".into(), "b".into()],
            is_required: false,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn values_are_checked_by_type() {
        let cases = [
            (FieldType::Text, json!("x"), true),
            (FieldType::Text, json!(1), false),
            (FieldType::Number, json!(1.5), true),
            (FieldType::Number, json!("1"), false),
            (FieldType::Date, json!("2026-01-31"), true),
            (FieldType::Date, json!("2026-02-31"), false),
            (FieldType::Select, json!("a"), true),
            (FieldType::Select, json!("c"), false),
            (FieldType::MultiSelect, json!(["a", "b"]), true),
            (FieldType::MultiSelect, json!(["a", "a"]), false),
            (FieldType::MultiSelect, json!(["z"]), false),
            (FieldType::Boolean, json!(true), true),
            (FieldType::Boolean, json!("true"), false),
            (FieldType::Url, json!("https://example.org/x"), true),
            (FieldType::Url, json!("ftp://x"), false),
            (FieldType::Url, json!(null), true),
        ];
        for (t, v, ok) in cases {
            assert_eq!(field(t).check(&v).is_ok(), ok, "{t:?} {v}");
        }
        assert!(
            field(FieldType::Select)
                .check(&json!("c"))
                .err()
                .unwrap_or_default()
                .contains("custom_fields.k")
        );
    }
}
