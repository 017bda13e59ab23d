//! Documents' content at the REST edge: Paca's shape check, the empty document, and the block
//! ids a PATCH without them (Paca's web strips them) takes over from the current content.

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

/// Gives blocks sent without an `id` the id of the block they stand for in the current
/// content, so a PATCH of the whole document changes only the blocks that differ (live
/// editors keep their place in the others). Level by level: blocks equal but for the id match
/// from both ends; in between, blocks of the same type match by position.
pub fn adopt_ids(incoming: &mut Value, current: &Value) {
    let (Some(new), Some(old)) = (incoming.as_array_mut(), current.as_array()) else {
        return;
    };
    let same = |a: &Value, b: &Value| without_ids(a) == without_ids(b);
    let mut head = 0;
    while head < new.len() && head < old.len() && same(&new[head], &old[head]) {
        head += 1;
    }
    let mut tail = 0;
    while tail < new.len() - head
        && tail < old.len() - head
        && same(&new[new.len() - 1 - tail], &old[old.len() - 1 - tail])
    {
        tail += 1;
    }
    let pairs: Vec<(usize, usize)> = (0..head)
        .map(|i| (i, i))
        .chain((0..tail).map(|i| (new.len() - 1 - i, old.len() - 1 - i)))
        .chain(
            (head..new.len() - tail)
                .zip(head..old.len() - tail)
                .filter(|&(n, o)| new[n].get("type") == old[o].get("type")),
        )
        .collect();
    let mut taken = std::collections::HashSet::new();
    for block in new.iter() {
        if let Some(id) = block.get("id").and_then(Value::as_str) {
            taken.insert(id.to_owned());
        }
    }
    for (n, o) in pairs {
        let Some(fields) = new[n].as_object_mut() else {
            continue;
        };
        if let Some(children) = fields.get_mut("children") {
            adopt_ids(children, old[o].get("children").unwrap_or(&Value::Null));
        }
        let Some(id) = old[o].get("id").and_then(Value::as_str) else {
            continue;
        };
        if !fields.contains_key("id") && taken.insert(id.to_owned()) {
            fields.insert("id".to_owned(), Value::String(id.to_owned()));
        }
    }
}

/// A block and its children without their ids.
fn without_ids(block: &Value) -> Value {
    let mut block = block.clone();
    strip(&mut block);
    block
}

fn strip(block: &mut Value) {
    if let Some(fields) = block.as_object_mut() {
        fields.remove("id");
        if let Some(Value::Array(children)) = fields.get_mut("children") {
            children.iter_mut().for_each(strip);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pacas_shape_check_and_messages() {
        assert!(check_shape(&Value::Null).is_ok());
        assert!(check_shape(&json!([{"type": "paragraph"}])).is_ok());
        let err = check_shape(&json!({"type": "paragraph"})).unwrap_err();
        assert!(err.to_string().contains("a JSON array of blocks"), "{err}");
        let err = check_shape(&json!([{"type": "paragraph"}, {"text": "x"}])).unwrap_err();
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

    #[test]
    fn blocks_without_ids_take_the_ids_of_the_blocks_they_replace() {
        let current = json!([
            {"id": "a", "type": "paragraph", "content": [{"type": "text", "text": "one"}]},
            {"id": "b", "type": "heading", "content": [{"type": "text", "text": "two"}],
             "children": [{"id": "c", "type": "paragraph", "content": []}]},
            {"id": "d", "type": "paragraph", "content": [{"type": "text", "text": "four"}]},
        ]);
        // A new block first, the heading edited, the last one unchanged.
        let mut incoming = json!([
            {"type": "quote", "content": [{"type": "text", "text": "new"}]},
            {"type": "paragraph", "content": [{"type": "text", "text": "one"}]},
            {"type": "heading", "content": [{"type": "text", "text": "two!"}],
             "children": [{"type": "paragraph", "content": []}]},
            {"type": "paragraph", "content": [{"type": "text", "text": "four"}]},
        ]);
        adopt_ids(&mut incoming, &current);
        let ids: Vec<Option<&str>> = incoming
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b.get("id").and_then(Value::as_str))
            .collect();
        assert_eq!(ids, [None, Some("a"), Some("b"), Some("d")]);
        assert_eq!(incoming[2]["children"][0]["id"], "c");
    }

    #[test]
    fn an_id_is_never_given_twice() {
        let current = json!([{"id": "a", "type": "paragraph"}]);
        let mut incoming = json!([{"type": "paragraph"}, {"id": "a", "type": "paragraph"}]);
        adopt_ids(&mut incoming, &current);
        assert!(incoming[0].get("id").is_none());
    }
}
