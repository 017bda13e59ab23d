//! Documents' content at the REST edge: Paca's shape check and the empty document.

use super::blocknote::ContentError;
use crate::error::{Error, Result, codes};
use serde_json::{Value, json};

/// Paca's check (`dto/blocknote_content.go`): absent, `null`, or an array of objects with a
/// string `type`. Its messages, word for word.
pub fn check_shape(content: &Value) -> Result<()> {
    let Some(blocks) = content.as_array() else {
        if content.is_null() {
            return Ok(());
        }
        return Err(Error::bad_request(
            "content: content must be a BlockNote document (a JSON array of blocks)",
        ));
    };
    for (i, block) in blocks.iter().enumerate() {
        let Some(fields) = block.as_object() else {
            return Err(Error::bad_request(
                "content: content must be a BlockNote document (a JSON array of blocks)",
            ));
        };
        if !fields.get("type").is_some_and(Value::is_string) {
            return Err(Error::bad_request(format!(
                "content: content block at index {i} is missing a \"type\" field"
            )));
        }
    }
    Ok(())
}

/// What an empty document holds: one empty paragraph (what BlockNote shows, and what Paca's
/// web sends as `null`).
pub fn empty_document() -> Value {
    json!([{"type": "paragraph"}])
}

/// Whether the blocks are one empty paragraph with BlockNote's default props.
pub fn is_empty(blocks: &Value) -> bool {
    let Some([block]) = blocks.as_array().map(Vec::as_slice) else {
        return blocks.as_array().is_some_and(Vec::is_empty);
    };
    let empty = |field: &str| {
        block
            .get(field)
            .is_none_or(|v| v.is_null() || v.as_array().is_some_and(Vec::is_empty))
    };
    let default_props = block
        .get("props")
        .and_then(Value::as_object)
        .is_none_or(|props| {
            props.iter().all(|(key, value)| match key.as_str() {
                "textAlignment" => value == "left",
                "backgroundColor" | "textColor" => value == "default",
                _ => false,
            })
        });
    block.get("type").and_then(Value::as_str) == Some("paragraph")
        && empty("content")
        && empty("children")
        && default_props
}

pub(super) fn invalid(err: ContentError) -> Error {
    Error::invalid(codes::DOC_CONTENT_INVALID, format!("content: {err}"))
}

pub(super) fn too_large(max: usize) -> Error {
    Error::TooLarge {
        code: codes::DOC_TOO_LARGE,
        message: format!("document: the content is larger than {max} bytes once stored"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pacas_shape_check_and_messages() {
        assert!(check_shape(&Value::Null).is_ok());
        assert!(check_shape(&json!([{"type": "paragraph"}])).is_ok());
        let err = check_shape(&json!({"type": "paragraph"})).expect_err("an object");
        assert!(err.to_string().contains("a JSON array of blocks"), "{err}");
        let err = check_shape(&json!([{"type": "paragraph"}, {"text": "x"}])).expect_err("no type");
        assert_eq!(
            err.to_string(),
            "content: content block at index 1 is missing a \"type\" field"
        );
    }

    #[test]
    fn one_empty_default_paragraph_is_empty() {
        assert!(is_empty(&json!([])));
        assert!(is_empty(
            &json!([{"id": "a", "type": "paragraph", "props": {
            "textAlignment": "left", "backgroundColor": "default", "textColor": "default"},
            "content": [], "children": []}])
        ));
        assert!(!is_empty(&json!([{"type": "heading", "content": []}])));
        assert!(!is_empty(
            &json!([{"type": "paragraph", "content": [{"type": "text", "text": "x"}]}])
        ));
        assert!(!is_empty(
            &json!([{"type": "paragraph", "props": {"textAlignment": "center"}}])
        ));
        assert!(!is_empty(
            &json!([{"type": "paragraph"}, {"type": "paragraph"}])
        ));
    }
}
