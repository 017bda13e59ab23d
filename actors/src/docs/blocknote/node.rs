//! The ProseMirror-shaped tree Corral writes (what `blockToNode` builds in BlockNote) and how
//! it goes into Yjs the way y-prosemirror puts it there: an element per node with its non-null
//! attributes, and consecutive text nodes as one `XmlText` whose delta carries the marks as
//! formatting attributes.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use yrs::types::Delta;
use yrs::types::xml::{XmlDeltaPrelim, XmlIn};
use yrs::{Any, In, TransactionMut, Xml, XmlElementPrelim, XmlElementRef, XmlFragment};

use super::schema::{CONTAINER, DOC_GROUP};

/// Attributes by name. A prop given as `null` has no entry (y-prosemirror skips nulls); a prop
/// whose default is `undefined` has `Any::Undefined`, as BlockNote stores it.
pub(super) type Attrs = BTreeMap<&'static str, Any>;

/// Marks of a text run by name, each with its attributes (`{}`, `{stringValue}` or `{href}`).
pub(super) type Marks = BTreeMap<&'static str, Any>;

/// A node of a block's content.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Node {
    Element(Element),
    /// Consecutive text nodes: one `XmlText`. Adjacent runs never have equal marks.
    Text(Vec<Run>),
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Element {
    pub name: &'static str,
    pub attrs: Attrs,
    pub children: Vec<Node>,
}

impl Element {
    pub fn leaf(name: &'static str, attrs: Attrs) -> Self {
        Element {
            name,
            attrs,
            children: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Run {
    pub text: String,
    pub marks: Marks,
}

/// A block: a `blockContainer {id}` holding its content node and, when it has children, a
/// nested `blockGroup`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Block {
    pub id: String,
    /// Whether the input named the id; a generated one never matches an existing block.
    pub id_given: bool,
    pub content: Element,
    pub children: Vec<Block>,
}

/// Inserts a `blockGroup` of these blocks at `index` of `parent`.
pub(super) fn insert_group<P: XmlFragment>(
    txn: &mut TransactionMut,
    parent: &P,
    index: u32,
    blocks: &[Block],
) -> XmlElementRef {
    let group = parent.insert(txn, index, XmlElementPrelim::empty(DOC_GROUP));
    for (i, block) in (0u32..).zip(blocks) {
        insert_block(txn, &group, i, block);
    }
    group
}

/// Inserts one block's `blockContainer` at `index` of a `blockGroup`.
pub(super) fn insert_block(
    txn: &mut TransactionMut,
    group: &XmlElementRef,
    index: u32,
    block: &Block,
) {
    let container = group.insert(txn, index, XmlElementPrelim::empty(CONTAINER));
    container.insert_attribute(txn, "id", block.id.as_str());
    insert_element(txn, &container, 0, &block.content);
    if !block.children.is_empty() {
        insert_group(txn, &container, 1, &block.children);
    }
}

pub(super) fn insert_node<P: XmlFragment>(
    txn: &mut TransactionMut,
    parent: &P,
    index: u32,
    node: &Node,
) {
    match node {
        Node::Element(element) => {
            insert_element(txn, parent, index, element);
        }
        Node::Text(runs) => {
            parent.insert(txn, index, text_prelim(runs));
        }
    }
}

pub(super) fn insert_element<P: XmlFragment>(
    txn: &mut TransactionMut,
    parent: &P,
    index: u32,
    element: &Element,
) -> XmlElementRef {
    let inserted = parent.insert(txn, index, XmlElementPrelim::empty(element.name));
    for (name, value) in &element.attrs {
        inserted.insert_attribute(txn, *name, value.clone());
    }
    for (i, child) in (0u32..).zip(&element.children) {
        insert_node(txn, &inserted, i, child);
    }
    inserted
}

/// An `XmlText` built by one delta of inserts, as y-prosemirror's `applyDelta` builds it.
fn text_prelim(runs: &[Run]) -> XmlIn {
    let delta = runs
        .iter()
        .map(|run| {
            Delta::Inserted(
                In::Any(Any::String(run.text.as_str().into())),
                Some(Box::new(formatting(&run.marks))),
            )
        })
        .collect();
    XmlIn::Text(XmlDeltaPrelim {
        attributes: HashMap::default(),
        delta,
    })
}

/// A run's marks as Yjs formatting attributes.
pub(super) fn formatting(marks: &Marks) -> HashMap<Arc<str>, Any> {
    marks
        .iter()
        .map(|(name, attrs)| (Arc::from(*name), attrs.clone()))
        .collect()
}

/// A ProseMirror mark's attributes as y-prosemirror stores them: a map.
pub(super) fn mark_attrs<const N: usize>(entries: [(&str, Any); N]) -> Any {
    Any::Map(Arc::new(
        entries
            .into_iter()
            .map(|(key, value)| (key.to_owned(), value))
            .collect(),
    ))
}
