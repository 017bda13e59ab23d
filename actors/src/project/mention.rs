//! @mentions in BlockNote documents: `teamMention` inline nodes (`props.id` is the user's id)
//! in top-level blocks; without any, `@username` in the text (Paca's fallback).

use serde_json::Value;
use uuid::Uuid;

/// Who a document mentions.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Mentions {
    /// Ids from `teamMention` nodes.
    pub ids: Vec<Uuid>,
    /// `@name` tokens, used only when there are no mention nodes.
    pub usernames: Vec<String>,
}

fn inline_nodes(doc: &Value) -> impl Iterator<Item = &Value> {
    doc.as_array()
        .into_iter()
        .flatten()
        .filter_map(|block| block.get("content").and_then(Value::as_array))
        .flatten()
}

/// The document's text, one line per block, mentions as `@name` (what an agent is told).
pub fn plain_text(doc: &Value) -> String {
    let Some(blocks) = doc.as_array() else {
        return doc.as_str().unwrap_or_default().to_owned();
    };
    blocks
        .iter()
        .filter_map(|b| b.get("content").and_then(Value::as_array))
        .map(|inline| {
            inline
                .iter()
                .map(|n| match n.get("type").and_then(Value::as_str) {
                    Some("teamMention") => format!(
                        "@{}",
                        n.pointer("/props/name")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                    ),
                    _ => n
                        .get("text")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn find(doc: &Value) -> Mentions {
    let mut ids: Vec<Uuid> = inline_nodes(doc)
        .filter(|n| n.get("type").and_then(Value::as_str) == Some("teamMention"))
        .filter_map(|n| n.pointer("/props/id").and_then(Value::as_str))
        .filter_map(|id| Uuid::parse_str(id).ok())
        .collect();
    ids.dedup();
    if !ids.is_empty() {
        return Mentions {
            ids,
            usernames: Vec::new(),
        };
    }
    let text: Vec<&str> = inline_nodes(doc)
        .filter_map(|n| n.get("text").and_then(Value::as_str))
        .chain(doc.get("text").and_then(Value::as_str))
        .collect();
    let mut usernames = Vec::new();
    for chunk in text {
        for (i, _) in chunk.match_indices('@') {
            let name: String = chunk[i + 1..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
                .collect();
            if !name.is_empty() && !usernames.contains(&name) {
                usernames.push(name);
            }
        }
    }
    Mentions { ids, usernames }
}

/// Whether a value is a non-empty BlockNote document: an array of objects with a string `type`.
pub fn check_blocknote(doc: &Value, field: &str) -> Result<(), String> {
    let Some(blocks) = doc.as_array() else {
        return Err(format!(
            "{field}: content must be a BlockNote document (a JSON array of blocks)"
        ));
    };
    for (i, block) in blocks.iter().enumerate() {
        if block.get("type").and_then(Value::as_str).is_none() {
            return Err(format!(
                "{field}: content block at index {i} is missing a \"type\" field"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn mention_nodes_win() {
        let id = Uuid::new_v4();
        let doc = json!([{"type":"paragraph","content":[
            {"type":"text","text":"hi @bob "},
            {"type":"teamMention","props":{"id": id.to_string(),"name":"Alice"}}
        ]}]);
        assert_eq!(
            find(&doc),
            Mentions {
                ids: vec![id],
                usernames: vec![]
            }
        );
    }

    #[test]
    fn text_fallback() {
        let doc = json!([{"type":"paragraph","content":[{"type":"text","text":"ping @bob and @carol.x, @bob"}]}]);
        assert_eq!(find(&doc).usernames, ["bob", "carol.x"]);
        assert_eq!(find(&json!({"text": "hey @dan"})).usernames, ["dan"]);
    }

    #[test]
    fn blocknote_shape() {
        assert!(check_blocknote(&json!([{"type":"paragraph"}]), "description").is_ok());
        assert!(check_blocknote(&json!("text"), "description").is_err());
        assert!(check_blocknote(&json!([{"content":[]}]), "description").is_err());
    }
}
