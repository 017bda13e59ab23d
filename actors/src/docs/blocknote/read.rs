//! Yjs → BlockNote JSON, as `yXmlFragmentToBlocks` reads it: y-prosemirror turns the fragment
//! into ProseMirror nodes (dropping elements and text it cannot map), then BlockNote's
//! `nodeToBlock` turns those into blocks (`src/api/nodeConversions/nodeToBlock.ts`):
//!
//! - every prop of the block type, with its default when the attribute is missing or
//!   `undefined`; a prop whose value ends up `undefined` is left out;
//! - text runs with `styles` always present; adjacent runs of equal styles merge, consecutive
//!   runs with one `href` form one link;
//! - a hard break appends `\n` to the run before it (inside a link, to the link's last run).
//!
//! A Yjs document comes from live editors and may be anything: whatever BlockNote would skip is
//! skipped, and nothing here fails.

use serde_json::{Map, Value, json};
use yrs::types::text::YChange;
use yrs::{
    Any, Out, ReadTxn, Text, Xml, XmlElementRef, XmlFragment, XmlFragmentRef, XmlOut, XmlTextRef,
};

use super::MAX_DEPTH;
use super::parse::default_value;
use super::schema::{self, CONTAINER, Content, DOC_GROUP, HARD_BREAK, LINK, Prop, StyleKind};
use super::table;

pub(super) fn document<T: ReadTxn>(txn: &T, fragment: &XmlFragmentRef) -> Value {
    // ProseMirror's document is the first node y-prosemirror could make; BlockNote reads the
    // blocks of its first child, a blockGroup.
    let first = fragment.children(txn).find_map(|child| match child {
        XmlOut::Element(element) if schema::is_node(element.tag()) => Some(element),
        _ => None,
    });
    match first {
        Some(group) if group.tag().as_ref() == DOC_GROUP => {
            Value::Array(group_blocks(txn, &group, 1))
        }
        _ => Value::Array(Vec::new()),
    }
}

fn group_blocks<T: ReadTxn>(txn: &T, group: &XmlElementRef, depth: usize) -> Vec<Value> {
    if depth > MAX_DEPTH {
        return Vec::new();
    }
    group
        .children(txn)
        .filter_map(|child| match child {
            XmlOut::Element(container) if container.tag().as_ref() == CONTAINER => {
                block(txn, &container, depth)
            }
            _ => None,
        })
        .collect()
}

/// One block; `None` for a container without a content node (BlockNote cannot read one).
fn block<T: ReadTxn>(txn: &T, container: &XmlElementRef, depth: usize) -> Option<Value> {
    let mut content = None;
    let mut nested = None;
    for child in container.children(txn) {
        if let XmlOut::Element(element) = child {
            if let Some(spec) = schema::block(element.tag()) {
                content = Some((spec, element));
            } else if element.tag().as_ref() == DOC_GROUP {
                nested = Some(element);
            }
        }
    }
    let (spec, content) = content?;
    let id = match container.get_attribute(txn, "id") {
        Some(Out::Any(Any::String(id))) => Value::from(id.as_ref()),
        Some(Out::Any(value)) if !matches!(value, Any::Null | Any::Undefined) => json(&value),
        // BlockNote gives a block without an id a new one each time it reads it.
        _ => Value::from(uuid::Uuid::new_v4().to_string()),
    };
    let mut fields = Map::new();
    fields.insert("id".into(), id);
    fields.insert("type".into(), spec.name.into());
    fields.insert("props".into(), props(txn, &content, spec.props));
    match spec.content {
        Content::Inline => {
            fields.insert("content".into(), inline_content(txn, &content).into());
        }
        Content::Table => {
            fields.insert("content".into(), table::read(txn, &content));
        }
        Content::None => {}
    }
    let children = nested.map_or_else(Vec::new, |group| group_blocks(txn, &group, depth + 1));
    fields.insert("children".into(), children.into());
    Some(Value::Object(fields))
}

/// An element's props: the attribute's value, or the default when it is missing or
/// `undefined`; props that end up `undefined` are left out.
pub(super) fn props<T: ReadTxn>(txn: &T, element: &XmlElementRef, specs: &[Prop]) -> Value {
    let mut props = Map::new();
    for spec in specs {
        let value = match element.get_attribute(txn, spec.name) {
            Some(Out::Any(value)) if value != Any::Undefined => value,
            _ => default_value(spec.default),
        };
        if value == Any::Undefined {
            continue;
        }
        props.insert(spec.name.into(), json(&value));
    }
    Value::Object(props)
}

/// A ProseMirror inline node as y-prosemirror makes it.
enum Inline {
    Text {
        text: String,
        styles: Map<String, Value>,
        link: Option<Value>,
    },
    HardBreak,
    Custom(Value),
}

/// The inline content of an element (a block's content node or a table paragraph).
pub(super) fn inline_content<T: ReadTxn>(txn: &T, element: &XmlElementRef) -> Vec<Value> {
    let mut nodes = Vec::new();
    for child in element.children(txn) {
        match child {
            XmlOut::Text(text) => nodes.extend(text_nodes(txn, &text)),
            XmlOut::Element(element) => {
                let name = element.tag();
                if name.as_ref() == HARD_BREAK {
                    nodes.push(Inline::HardBreak);
                } else if let Some(spec) = schema::inline_content(name) {
                    nodes.push(Inline::Custom(json!({
                        "type": spec.name,
                        "props": props(txn, &element, spec.props),
                    })));
                }
            }
            XmlOut::Fragment(_) => {}
        }
    }
    inline_json(nodes)
}

/// The text nodes of an `XmlText`, one per delta run. A run with a mark ProseMirror does not
/// know makes y-prosemirror drop the whole `XmlText`.
fn text_nodes<T: ReadTxn>(txn: &T, text: &XmlTextRef) -> Vec<Inline> {
    let mut nodes = Vec::new();
    for chunk in text.diff(txn, YChange::identity) {
        let Out::Any(Any::String(insert)) = chunk.insert else {
            continue;
        };
        let mut styles = Map::new();
        let mut link = None;
        for (key, attrs) in chunk.attributes.iter().flat_map(|a| a.iter()) {
            if *attrs == Any::Null {
                continue;
            }
            let name = mark_name(key);
            if !schema::is_mark(name) {
                return Vec::new();
            }
            if name == LINK {
                link = Some(match mark_attr(attrs, "href") {
                    Some(href) if *href != Any::Undefined => json(href),
                    _ => Value::Null,
                });
                continue;
            }
            match schema::style(name) {
                Some((name, StyleKind::Boolean)) => {
                    styles.insert(name.into(), Value::Bool(true));
                }
                Some((name, StyleKind::String)) => {
                    if let Some(value) = mark_attr(attrs, "stringValue")
                        && *value != Any::Undefined
                    {
                        styles.insert(name.into(), json(value));
                    }
                }
                None => {}
            }
        }
        nodes.push(Inline::Text {
            text: insert.to_string(),
            styles,
            link,
        });
    }
    nodes
}

/// A mark's name from its Yjs attribute name: y-prosemirror suffixes `--<hash>` to marks that
/// may overlap themselves.
fn mark_name(key: &str) -> &str {
    match key.rsplit_once("--") {
        Some((name, hash))
            if hash.len() == 8
                && hash
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=')) =>
        {
            name
        }
        _ => key,
    }
}

fn mark_attr<'a>(attrs: &'a Any, name: &str) -> Option<&'a Any> {
    match attrs {
        Any::Map(map) => map.get(name),
        _ => None,
    }
}

/// What BlockNote's `contentNodeToInlineContent` makes of a run of inline nodes.
fn inline_json(nodes: Vec<Inline>) -> Vec<Value> {
    enum Current {
        Text {
            text: String,
            styles: Map<String, Value>,
        },
        Link {
            href: Value,
            runs: Vec<(String, Map<String, Value>)>,
        },
    }
    fn text_json(text: String, styles: Map<String, Value>) -> Value {
        json!({ "type": "text", "text": text, "styles": styles })
    }
    fn finish(current: Current) -> Value {
        match current {
            Current::Text { text, styles } => text_json(text, styles),
            Current::Link { href, runs } => json!({
                "type": "link",
                "href": href,
                "content": runs
                    .into_iter()
                    .map(|(text, styles)| text_json(text, styles))
                    .collect::<Vec<_>>(),
            }),
        }
    }
    fn start(text: String, styles: Map<String, Value>, link: Option<Value>) -> Current {
        match link {
            None => Current::Text { text, styles },
            Some(href) => Current::Link {
                href,
                runs: vec![(text, styles)],
            },
        }
    }

    let mut out = Vec::new();
    let mut current: Option<Current> = None;
    for node in nodes {
        match node {
            Inline::HardBreak => match &mut current {
                Some(Current::Text { text, .. }) => text.push('\n'),
                Some(Current::Link { runs, .. }) => {
                    if let Some((text, _)) = runs.last_mut() {
                        text.push('\n');
                    }
                }
                None => {
                    current = Some(Current::Text {
                        text: "\n".into(),
                        styles: Map::new(),
                    });
                }
            },
            Inline::Custom(value) => {
                if let Some(done) = current.take() {
                    out.push(finish(done));
                }
                out.push(value);
            }
            Inline::Text { text, styles, link } => {
                current = match (current.take(), link) {
                    (
                        Some(Current::Text {
                            text: mut so_far,
                            styles: current_styles,
                        }),
                        None,
                    ) if current_styles == styles => {
                        so_far.push_str(&text);
                        Some(Current::Text {
                            text: so_far,
                            styles,
                        })
                    }
                    (Some(Current::Link { href, mut runs }), Some(new_href))
                        if href == new_href =>
                    {
                        match runs.last_mut() {
                            Some((last, last_styles)) if *last_styles == styles => {
                                last.push_str(&text);
                            }
                            _ => runs.push((text, styles)),
                        }
                        Some(Current::Link { href, runs })
                    }
                    (previous, link) => {
                        if let Some(done) = previous {
                            out.push(finish(done));
                        }
                        Some(start(text, styles, link))
                    }
                };
            }
        }
    }
    if let Some(done) = current {
        out.push(finish(done));
    }
    out
}

/// A Yjs value as `JSON.stringify` writes the JS value: `undefined` left out of objects and
/// `null` in arrays, integral numbers as integers.
pub(super) fn json(value: &Any) -> Value {
    match value {
        Any::Null | Any::Undefined => Value::Null,
        Any::Bool(b) => Value::Bool(*b),
        Any::Number(n) => match n.as_i64() {
            Some(i)
                if n.as_f64()
                    .is_some_and(|f| f.abs() <= yrs::any::F64_MAX_SAFE_INTEGER) =>
            {
                Value::from(i)
            }
            _ => n
                .as_f64()
                .and_then(serde_json::Number::from_f64)
                .map_or(Value::Null, Value::Number),
        },
        Any::String(s) => Value::from(s.as_ref()),
        Any::Buffer(bytes) => Value::Object(
            bytes
                .iter()
                .enumerate()
                .map(|(i, b)| (i.to_string(), Value::from(*b)))
                .collect(),
        ),
        Any::Array(items) => Value::Array(items.iter().map(json).collect()),
        Any::Map(entries) => Value::Object(
            entries
                .iter()
                .filter(|(_, v)| **v != Any::Undefined)
                .map(|(k, v)| (k.clone(), json(v)))
                .collect(),
        ),
    }
}
