//! BlockNote JSON → the tree Corral writes, following `blockToNode` of `@blocknote/core`
//! (`src/api/nodeConversions/blockToNode.ts`): the same defaults, the same splitting of text at
//! `\n` into hard breaks, the same merging of runs. Input is hostile, so everything is checked
//! before anything is written, and the first problem is reported with its JSON path.
//!
//! Corral is stricter than BlockNote in a few places where BlockNote would write something the
//! editor then misreads (a prop of the wrong JSON type, a `hardBreak` given as inline content, a
//! `false` content), and refuses them.

use serde_json::{Map, Value};
use std::collections::HashSet;
use std::fmt;
use yrs::{Any, Number};

use super::node::{Attrs, Block, Element, Marks, Node, Run, mark_attrs};
use super::schema::{self, Content, HARD_BREAK, Kind, LINK, Prop, PropDefault, StyleKind};
use super::table;
use super::{ContentError, MAX_DEPTH};

/// Parsed blocks, with every id the input named (ids are unique across the whole document).
#[derive(Debug)]
pub(super) struct Document {
    pub blocks: Vec<Block>,
    pub given_ids: HashSet<String>,
}

pub(super) fn document(value: &Value) -> Result<Document, ContentError> {
    let root = Path::ROOT;
    let items = value
        .as_array()
        .ok_or_else(|| root.error("expected an array of blocks"))?;
    let mut given_ids = HashSet::new();
    let blocks = items
        .iter()
        .enumerate()
        .map(|(i, item)| block(item, &root.index(i), 1, &mut given_ids))
        .collect::<Result<_, _>>()?;
    Ok(Document { blocks, given_ids })
}

fn block(
    value: &Value,
    path: &Path,
    depth: usize,
    given_ids: &mut HashSet<String>,
) -> Result<Block, ContentError> {
    if depth > MAX_DEPTH {
        return Err(path.error(format!("blocks are nested deeper than {MAX_DEPTH} levels")));
    }
    let fields = object(value, path, "a block")?;
    let type_path = path.key("type");
    let type_name = match fields.get("type") {
        None => "paragraph",
        Some(Value::String(name)) => name.as_str(),
        Some(_) => return Err(type_path.error("expected a string")),
    };
    let spec = schema::block(type_name)
        .ok_or_else(|| type_path.error(format!("unknown block type {type_name:?}")))?;
    let props_path = path.key("props");
    let props = optional_object(fields.get("props"), &props_path)?;

    let mut id = optional_string(fields.get("id"), &path.key("id"))?;
    // BlockNote spreads the props over the container's attributes: a prop named `id` is the id.
    if let Some(value) = props.and_then(|p| p.get("id")) {
        id = optional_string(Some(value), &props_path.key("id"))?;
    }
    let (id, id_given) = match id {
        Some(id) => {
            if !given_ids.insert(id.to_owned()) {
                return Err(path.key("id").error(format!("duplicate block id {id:?}")));
            }
            (id.to_owned(), true)
        }
        None => (uuid::Uuid::new_v4().to_string(), false),
    };

    let attrs = props_to_attrs(spec.props, props, &props_path)?;
    let content_path = path.key("content");
    let content = fields.get("content");
    let children = match spec.content {
        Content::Inline => inline(content, spec.code, &content_path)?,
        Content::Table => table::parse(content, &content_path)?,
        Content::None => {
            if !inline(content, false, &content_path)?.is_empty() {
                return Err(content_path.error(format!("a {type_name} block has no content")));
            }
            Vec::new()
        }
    };

    let children_path = path.key("children");
    let nested = match fields.get("children") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| block(item, &children_path.index(i), depth + 1, given_ids))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(children_path.error("expected an array of blocks")),
    };

    Ok(Block {
        id,
        id_given,
        content: Element {
            name: spec.name,
            attrs,
            children,
        },
        children: nested,
    })
}

/// The attributes of a node with these props: defaults for missing props, nothing for `null`
/// ones (y-prosemirror does not store nulls), unknown props dropped (as BlockNote drops them).
pub(super) fn props_to_attrs(
    specs: &'static [Prop],
    given: Option<&Map<String, Value>>,
    path: &Path,
) -> Result<Attrs, ContentError> {
    let mut attrs = Attrs::new();
    for spec in specs {
        let value = match given.and_then(|props| props.get(spec.name)) {
            None => default_value(spec.default),
            Some(Value::Null) => continue,
            Some(value) => typed(value, spec.kind).ok_or_else(|| {
                path.key(spec.name)
                    .error(format!("expected {}", kind_name(spec.kind)))
            })?,
        };
        attrs.insert(spec.name, value);
    }
    Ok(attrs)
}

pub(super) fn default_value(default: PropDefault) -> Any {
    match default {
        PropDefault::Str(s) => Any::from(s),
        PropDefault::Int(n) => Any::Number(Number::Int(n)),
        PropDefault::Bool(b) => Any::Bool(b),
        PropDefault::Undefined => Any::Undefined,
    }
}

fn typed(value: &Value, kind: Kind) -> Option<Any> {
    match (kind, value) {
        (Kind::String, Value::String(s)) => Some(Any::from(s.as_str())),
        (Kind::Number, Value::Number(n)) => Some(number(n)),
        (Kind::Boolean, Value::Bool(b)) => Some(Any::Bool(*b)),
        _ => None,
    }
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::String => "a string",
        Kind::Number => "a number",
        Kind::Boolean => "a boolean",
    }
}

/// A JSON number as Yjs stores a JS number: integers as integers, the rest as floats.
pub(super) fn number(n: &serde_json::Number) -> Any {
    let number = match n.as_i64() {
        Some(i) => Number::Int(i),
        None => Number::try_i64(n.as_f64().unwrap_or(f64::NAN)),
    };
    Any::Number(number)
}

/// Inline content (`content` of an inline block or of a table cell) as nodes: text runs,
/// hard breaks and custom inline contents. `code` keeps `\n` in the text.
pub(super) fn inline(
    value: Option<&Value>,
    code: bool,
    path: &Path,
) -> Result<Vec<Node>, ContentError> {
    let mut out = Inline::default();
    match value {
        None | Some(Value::Null) => {}
        Some(Value::String(text)) => out.styled(text, &Marks::new(), code),
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                out.item(item, code, &path.index(i))?;
            }
        }
        Some(_) => return Err(path.error("expected inline content (a string or an array)")),
    }
    Ok(out.nodes)
}

/// Collects inline nodes, merging adjacent text with equal marks as ProseMirror does.
#[derive(Default)]
struct Inline {
    nodes: Vec<Node>,
}

impl Inline {
    fn item(&mut self, value: &Value, code: bool, path: &Path) -> Result<(), ContentError> {
        let fields = match value {
            Value::String(text) => {
                self.styled(text, &Marks::new(), code);
                return Ok(());
            }
            Value::Object(fields) => fields,
            _ => return Err(path.error("expected inline content (a string or an object)")),
        };
        let type_path = path.key("type");
        match fields.get("type") {
            Some(Value::String(kind)) if kind == "text" => {
                let (text, marks) = styled_text(fields, path)?;
                self.styled(text, &marks, code);
                Ok(())
            }
            Some(Value::String(kind)) if kind == LINK => self.link(fields, path),
            Some(Value::String(kind)) => {
                let spec = schema::inline_content(kind).ok_or_else(|| {
                    type_path.error(format!("unknown inline content type {kind:?}"))
                })?;
                let props_path = path.key("props");
                let props = optional_object(fields.get("props"), &props_path)?;
                let attrs = props_to_attrs(spec.props, props, &props_path)?;
                if !is_empty_content(fields.get("content")) {
                    return Err(path
                        .key("content")
                        .error(format!("a {kind} has no content")));
                }
                self.nodes
                    .push(Node::Element(Element::leaf(spec.name, attrs)));
                Ok(())
            }
            Some(_) => Err(type_path.error("expected a string")),
            None => Err(type_path.error("missing")),
        }
    }

    /// A link: its runs carry the `link` mark; `\n` in it is a hard break even in a code block.
    fn link(&mut self, fields: &Map<String, Value>, path: &Path) -> Result<(), ContentError> {
        let href = match fields.get("href") {
            Some(Value::String(href)) => href.as_str(),
            _ => return Err(path.key("href").error("expected a string")),
        };
        let link = mark_attrs([("href", Any::from(href))]);
        let content_path = path.key("content");
        match fields.get("content") {
            Some(Value::String(text)) => {
                self.styled(text, &Marks::from([(LINK, link)]), false);
            }
            Some(Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    let item_path = content_path.index(i);
                    let run = object(item, &item_path, "styled text")?;
                    match run.get("type") {
                        None => {}
                        Some(Value::String(kind)) if kind == "text" => {}
                        Some(_) => {
                            return Err(item_path
                                .key("type")
                                .error("expected \"text\": a link holds styled text"));
                        }
                    }
                    let (text, mut marks) = styled_text(run, &item_path)?;
                    marks.insert(LINK, link.clone());
                    self.styled(text, &marks, false);
                }
            }
            _ => {
                return Err(content_path.error("expected a string or an array of styled text"));
            }
        }
        Ok(())
    }

    /// Text with marks; outside code, each `\n` becomes a hard break between text nodes.
    fn styled(&mut self, text: &str, marks: &Marks, code: bool) {
        if code {
            self.text(text, marks);
            return;
        }
        for (i, piece) in text.split('\n').enumerate() {
            if i > 0 {
                self.nodes
                    .push(Node::Element(Element::leaf(HARD_BREAK, Attrs::new())));
            }
            self.text(piece, marks);
        }
    }

    fn text(&mut self, text: &str, marks: &Marks) {
        if text.is_empty() {
            return;
        }
        if let Some(Node::Text(runs)) = self.nodes.last_mut() {
            match runs.last_mut() {
                Some(last) if last.marks == *marks => last.text.push_str(text),
                _ => runs.push(Run {
                    text: text.to_owned(),
                    marks: marks.clone(),
                }),
            }
            return;
        }
        self.nodes.push(Node::Text(vec![Run {
            text: text.to_owned(),
            marks: marks.clone(),
        }]));
    }
}

/// `{text, styles}` as its text and marks.
fn styled_text<'v>(
    fields: &'v Map<String, Value>,
    path: &Path,
) -> Result<(&'v str, Marks), ContentError> {
    let text = match fields.get("text") {
        Some(Value::String(text)) => text.as_str(),
        _ => return Err(path.key("text").error("expected a string")),
    };
    let styles_path = path.key("styles");
    let mut marks = Marks::new();
    if let Some(styles) = optional_object(fields.get("styles"), &styles_path)? {
        for (name, value) in styles {
            let style_path = styles_path.key(name);
            let (name, kind) = schema::style(name)
                .ok_or_else(|| style_path.error(format!("unknown style {name:?}")))?;
            match (kind, value) {
                (_, Value::Null) | (StyleKind::Boolean, Value::Bool(false)) => {}
                (StyleKind::Boolean, Value::Bool(true)) => {
                    marks.insert(name, mark_attrs([]));
                }
                (StyleKind::String, Value::String(s)) => {
                    if !s.is_empty() {
                        marks.insert(name, mark_attrs([("stringValue", Any::from(s.as_str()))]));
                    }
                }
                (StyleKind::Boolean, _) => return Err(style_path.error("expected a boolean")),
                (StyleKind::String, _) => return Err(style_path.error("expected a string")),
            }
        }
    }
    Ok((text, marks))
}

/// Whether a custom inline content's `content` adds nothing (BlockNote accepts these).
fn is_empty_content(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        Some(Value::Array(items)) => items.is_empty(),
        Some(_) => false,
    }
}

pub(super) fn object<'v>(
    value: &'v Value,
    path: &Path,
    what: &str,
) -> Result<&'v Map<String, Value>, ContentError> {
    value
        .as_object()
        .ok_or_else(|| path.error(format!("expected {what} (an object)")))
}

pub(super) fn optional_object<'v>(
    value: Option<&'v Value>,
    path: &Path,
) -> Result<Option<&'v Map<String, Value>>, ContentError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(fields)) => Ok(Some(fields)),
        Some(_) => Err(path.error("expected an object")),
    }
}

fn optional_string<'v>(
    value: Option<&'v Value>,
    path: &Path,
) -> Result<Option<&'v str>, ContentError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(path.error("expected a string")),
    }
}

/// Where in the input a value is, printed as a JSON path (`$[2].content[0].styles.bold`).
/// Built on the stack as the parser descends; only an error turns it into a string.
#[derive(Clone, Copy)]
pub(super) struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    step: Step<'a>,
}

#[derive(Clone, Copy)]
enum Step<'a> {
    Root,
    Index(usize),
    Key(&'a str),
}

impl<'a> Path<'a> {
    pub const ROOT: Path<'static> = Path {
        parent: None,
        step: Step::Root,
    };

    pub fn index(&'a self, index: usize) -> Path<'a> {
        Path {
            parent: Some(self),
            step: Step::Index(index),
        }
    }

    pub fn key(&'a self, key: &'a str) -> Path<'a> {
        Path {
            parent: Some(self),
            step: Step::Key(key),
        }
    }

    pub fn error(&self, message: impl Into<String>) -> ContentError {
        ContentError {
            path: self.to_string(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(parent) = self.parent {
            parent.fmt(f)?;
        }
        match self.step {
            Step::Root => f.write_str("$"),
            Step::Index(i) => write!(f, "[{i}]"),
            Step::Key(key) if is_identifier(key) => write!(f, ".{key}"),
            Step::Key(key) => write!(f, "[{}]", Value::from(key)),
        }
    }
}

fn is_identifier(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}
