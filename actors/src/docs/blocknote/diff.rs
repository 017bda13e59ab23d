//! Diff-apply (design-docs.md §8.6): brings a fragment to the tree of new blocks while touching
//! only what differs, the Rust counterpart of y-prosemirror's `updateYFragment`. Live edits made
//! concurrently to blocks the new content leaves unchanged therefore survive the merge.
//!
//! Blocks are matched at each level of nesting by id (the longest run of ids in the same order
//! stays; a block that moved is removed and inserted again, Yjs having no move). Between two
//! kept blocks, blocks given without an id take the place of unmatched existing blocks: equal
//! ones from both ends first, then by position. Inside a matched block, elements are matched
//! from both ends by equality and updated in place by name (`updateYFragment`), and text is
//! edited by common prefix and suffix, then reformatted where its marks differ (`updateYText`).

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::Arc;
use yrs::types::text::YChange;
use yrs::{
    Any, OffsetKind, Out, ReadTxn, Text, TransactionMut, Xml, XmlElementRef, XmlFragment,
    XmlFragmentRef, XmlOut, XmlTextRef,
};

use super::node::{self, Block, Element, Marks, Node, Run};
use super::parse::Document;
use super::schema::{CONTAINER, DOC_GROUP};

/// Formatting attributes of a text run as Yjs holds them (never `null`).
type Formatting = HashMap<Arc<str>, Any>;

pub(super) fn apply(
    txn: &mut TransactionMut,
    fragment: &XmlFragmentRef,
    document: &Document,
) -> bool {
    let mut diff = Diff {
        given_ids: &document.given_ids,
        claimed: HashSet::new(),
        changed: false,
    };
    let children: Vec<XmlOut> = fragment.children(txn).collect();
    let len = children.len() as u32;
    if document.blocks.is_empty() {
        // As `write`: no blocks, no blockGroup.
        if len > 0 {
            fragment.remove_range(txn, 0, len);
        }
        return len > 0;
    }
    let group = children
        .iter()
        .enumerate()
        .find_map(|(i, child)| match child {
            XmlOut::Element(element) if element.tag().as_ref() == DOC_GROUP => Some((i, element)),
            _ => None,
        });
    match group {
        Some((at, group)) => {
            let at = at as u32;
            if len > at + 1 {
                fragment.remove_range(txn, at + 1, len - at - 1);
                diff.changed = true;
            }
            if at > 0 {
                fragment.remove_range(txn, 0, at);
                diff.changed = true;
            }
            diff.group(txn, group, &document.blocks);
        }
        None => {
            if len > 0 {
                fragment.remove_range(txn, 0, len);
            }
            node::insert_group(txn, fragment, 0, &document.blocks);
            diff.changed = true;
        }
    }
    diff.changed
}

struct Diff<'d> {
    /// Every id the new content names: an existing block with one of them is never taken over
    /// by a block given without an id.
    given_ids: &'d HashSet<String>,
    /// Ids of existing blocks already taken over by blocks given without an id.
    claimed: HashSet<String>,
    changed: bool,
}

/// A child of a `blockGroup` before the update, with its id when it is a `blockContainer`.
struct Existing {
    node: XmlOut,
    id: Option<String>,
}

impl Diff<'_> {
    /// Brings a `blockGroup`'s containers to these blocks.
    fn group(&mut self, txn: &mut TransactionMut, group: &XmlElementRef, targets: &[Block]) {
        self.retain_attributes(txn, group, &[]);
        let existing: Vec<Existing> = group
            .children(txn)
            .map(|node| Existing {
                id: container_id(txn, &node),
                node,
            })
            .collect();
        let pairs = self.pair(txn, &existing, targets);

        let mut position = 0u32;
        let mut next = 0usize;
        for (target, pair) in targets.iter().zip(pairs) {
            match pair {
                Some(j) => {
                    if j > next {
                        group.remove_range(txn, position, (j - next) as u32);
                        self.changed = true;
                    }
                    next = j + 1;
                    if let XmlOut::Element(container) = &existing[j].node {
                        self.container(txn, container, target);
                    }
                }
                None => {
                    node::insert_block(txn, group, position, target);
                    self.changed = true;
                }
            }
            position += 1;
        }
        if existing.len() > next {
            group.remove_range(txn, position, (existing.len() - next) as u32);
            self.changed = true;
        }
    }

    /// For each target block, the existing container it updates (`None`: inserted). Pairs
    /// increase on both sides, so the update needs no moves.
    fn pair(
        &mut self,
        txn: &TransactionMut,
        existing: &[Existing],
        targets: &[Block],
    ) -> Vec<Option<usize>> {
        let mut first_with_id: HashMap<&str, usize> = HashMap::new();
        for (j, child) in existing.iter().enumerate() {
            if let Some(id) = &child.id {
                first_with_id.entry(id.as_str()).or_insert(j);
            }
        }
        let by_id: Vec<(usize, usize)> = targets
            .iter()
            .enumerate()
            .filter(|(_, block)| block.id_given)
            .filter_map(|(t, block)| first_with_id.get(block.id.as_str()).map(|&j| (t, j)))
            .collect();

        let mut pairs = vec![None; targets.len()];
        let (mut t0, mut j0) = (0, 0);
        let end = (targets.len(), existing.len());
        for (t, j) in longest_increasing(&by_id).into_iter().chain([end]) {
            self.pair_gap(txn, existing, targets, t0..t, j0..j, &mut pairs);
            if t < targets.len() {
                pairs[t] = Some(j);
            }
            (t0, j0) = (t + 1, j + 1);
        }
        pairs
    }

    /// Between two blocks kept by id: blocks given without an id take over unmatched existing
    /// blocks, equal ones from both ends, then the rest by position.
    fn pair_gap(
        &mut self,
        txn: &TransactionMut,
        existing: &[Existing],
        targets: &[Block],
        target_range: Range<usize>,
        existing_range: Range<usize>,
        pairs: &mut [Option<usize>],
    ) {
        let free_targets: Vec<usize> = target_range.filter(|&t| !targets[t].id_given).collect();
        if free_targets.is_empty() {
            return;
        }
        let mut seen = HashSet::new();
        let free_existing: Vec<usize> = existing_range
            .filter(|&j| {
                existing[j].id.as_ref().is_some_and(|id| {
                    !self.given_ids.contains(id)
                        && !self.claimed.contains(id)
                        && seen.insert(id.clone())
                })
            })
            .collect();
        let (a, b) = (free_targets.len(), free_existing.len());
        let same = |k: usize, l: usize| {
            same_content(
                txn,
                &existing[free_existing[l]].node,
                &targets[free_targets[k]],
            )
        };
        let shortest = a.min(b);
        let mut left = 0;
        while left < shortest && same(left, left) {
            left += 1;
        }
        let mut right = 0;
        while left + right < shortest && same(a - 1 - right, b - 1 - right) {
            right += 1;
        }
        let middle = (a - left - right).min(b - left - right);
        let matched = (0..left + middle)
            .map(|k| (k, k))
            .chain((0..right).map(|k| (a - 1 - k, b - 1 - k)));
        for (k, l) in matched {
            let j = free_existing[l];
            pairs[free_targets[k]] = Some(j);
            if let Some(id) = &existing[j].id {
                self.claimed.insert(id.clone());
            }
        }
    }

    /// Brings a matched `blockContainer` to a block: its content node, then its children.
    fn container(&mut self, txn: &mut TransactionMut, container: &XmlElementRef, target: &Block) {
        self.retain_attributes(txn, container, &["id"]);
        match container.get(txn, 0) {
            Some(XmlOut::Element(content)) if content.tag().as_ref() == target.content.name => {
                self.element(txn, &content, &target.content);
            }
            Some(_) => {
                container.remove_range(txn, 0, 1);
                node::insert_element(txn, container, 0, &target.content);
                self.changed = true;
            }
            None => {
                node::insert_element(txn, container, 0, &target.content);
                self.changed = true;
            }
        }
        let keep = if target.children.is_empty() {
            1
        } else {
            match container.get(txn, 1) {
                Some(XmlOut::Element(group)) if group.tag().as_ref() == DOC_GROUP => {
                    self.group(txn, &group, &target.children);
                }
                Some(_) => {
                    container.remove_range(txn, 1, 1);
                    node::insert_group(txn, container, 1, &target.children);
                    self.changed = true;
                }
                None => {
                    node::insert_group(txn, container, 1, &target.children);
                    self.changed = true;
                }
            }
            2
        };
        let len = container.len(txn);
        if len > keep {
            container.remove_range(txn, keep, len - keep);
            self.changed = true;
        }
    }

    /// Updates an element of the same name in place: its attributes, then its children.
    fn element(&mut self, txn: &mut TransactionMut, element: &XmlElementRef, target: &Element) {
        for (name, value) in &target.attrs {
            let current = element.get_attribute(txn, name);
            if !matches!(&current, Some(Out::Any(current)) if current == value) {
                element.insert_attribute(txn, *name, value.clone());
                self.changed = true;
            }
        }
        let names: Vec<&'static str> = target.attrs.keys().copied().collect();
        self.retain_attributes(txn, element, &names);
        self.children(txn, element, &target.children);
    }

    fn retain_attributes(
        &mut self,
        txn: &mut TransactionMut,
        element: &XmlElementRef,
        keep: &[&str],
    ) {
        let extra: Vec<String> = element
            .attributes(txn)
            .map(|(name, _)| name)
            .filter(|name| !keep.contains(name))
            .map(str::to_owned)
            .collect();
        for name in extra {
            element.remove_attribute(txn, &name);
            self.changed = true;
        }
    }

    /// Brings an element's children to these nodes: equal ones from both ends stay, then pairs
    /// are updated in place (text with text, elements of one name), others replaced.
    fn children(&mut self, txn: &mut TransactionMut, parent: &XmlElementRef, targets: &[Node]) {
        let existing: Vec<XmlOut> = parent.children(txn).collect();
        let (ylen, plen) = (existing.len(), targets.len());
        let shortest = ylen.min(plen);
        let mut left = 0;
        while left < shortest && equal_node(txn, &existing[left], &targets[left]) {
            left += 1;
        }
        let mut right = 0;
        while left + right < shortest
            && equal_node(txn, &existing[ylen - 1 - right], &targets[plen - 1 - right])
        {
            right += 1;
        }
        while ylen - left - right > 0 && plen - left - right > 0 {
            if self.update_in_place(txn, &existing[left], &targets[left]) {
                left += 1;
            } else if self.update_in_place(
                txn,
                &existing[ylen - 1 - right],
                &targets[plen - 1 - right],
            ) {
                right += 1;
            } else {
                parent.remove_range(txn, left as u32, 1);
                node::insert_node(txn, parent, left as u32, &targets[left]);
                self.changed = true;
                left += 1;
            }
        }
        let removed = ylen - left - right;
        if removed > 0 {
            parent.remove_range(txn, left as u32, removed as u32);
            self.changed = true;
        }
        for (i, target) in targets[left..plen - right].iter().enumerate() {
            node::insert_node(txn, parent, (left + i) as u32, target);
            self.changed = true;
        }
    }

    /// Updates a node in place when it can be (text by text, an element by one of its name).
    fn update_in_place(
        &mut self,
        txn: &mut TransactionMut,
        existing: &XmlOut,
        target: &Node,
    ) -> bool {
        match (existing, target) {
            (XmlOut::Text(text), Node::Text(runs)) => {
                self.text(txn, text, runs);
                true
            }
            (XmlOut::Element(element), Node::Element(target))
                if element.tag().as_ref() == target.name =>
            {
                self.element(txn, element, target);
                true
            }
            _ => false,
        }
    }

    /// Edits text to these runs: the characters between the common prefix and suffix are
    /// replaced, then ranges whose marks differ are reformatted.
    fn text(&mut self, txn: &mut TransactionMut, text: &XmlTextRef, runs: &[Run]) {
        let kind = txn.doc().offset_kind();
        let Some(current) = chunks(txn, text) else {
            // Embedded values (never written by BlockNote): rewrite the text.
            let len = text.len(txn);
            text.remove_range(txn, 0, len);
            let mut at = 0;
            for run in runs {
                text.insert_with_attributes(txn, at, &run.text, node::formatting(&run.marks));
                at += units(&run.text, &kind);
            }
            self.changed = true;
            return;
        };
        let old: String = current.iter().map(|(s, _)| s.as_str()).collect();
        let new: String = runs.iter().map(|run| run.text.as_str()).collect();
        if old != new {
            let (prefix, suffix) = common_affixes(&old, &new);
            let at = units(&old[..prefix], &kind);
            let removed = units(&old[prefix..old.len() - suffix], &kind);
            if removed > 0 {
                text.remove_range(txn, at, removed);
            }
            let inserted = &new[prefix..new.len() - suffix];
            if !inserted.is_empty() {
                text.insert(txn, at, inserted);
            }
            self.changed = true;
        }

        let now = chunks(txn, text).unwrap_or_default();
        let mut changes: Vec<(u32, u32, Formatting)> = Vec::new();
        let mut at = 0u32;
        let (mut i, mut j) = (0, 0);
        let mut chunk_left = now.first().map_or(0, |(s, _)| units(s, &kind));
        let mut run_left = runs.first().map_or(0, |run| units(&run.text, &kind));
        while i < now.len() && j < runs.len() {
            let step = chunk_left.min(run_left);
            let (current, wanted) = (&now[i].1, &runs[j].marks);
            if step > 0 && !same_formatting(current, wanted) {
                let mut attrs = node::formatting(wanted);
                for name in current.keys() {
                    attrs.entry(name.clone()).or_insert(Any::Null);
                }
                match changes.last_mut() {
                    Some((start, len, last)) if *start + *len == at && *last == attrs => {
                        *len += step
                    }
                    _ => changes.push((at, step, attrs)),
                }
            }
            at += step;
            chunk_left -= step;
            run_left -= step;
            if chunk_left == 0 {
                i += 1;
                chunk_left = now.get(i).map_or(0, |(s, _)| units(s, &kind));
            }
            if run_left == 0 {
                j += 1;
                run_left = runs.get(j).map_or(0, |run| units(&run.text, &kind));
            }
        }
        for (start, len, attrs) in changes {
            text.format(txn, start, len, attrs);
            self.changed = true;
        }
    }
}

/// The id of a `blockContainer` with a string id; `None` for anything else.
fn container_id<T: ReadTxn>(txn: &T, node: &XmlOut) -> Option<String> {
    match node {
        XmlOut::Element(element) if element.tag().as_ref() == CONTAINER => {
            match element.get_attribute(txn, "id") {
                Some(Out::Any(Any::String(id))) => Some(id.to_string()),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Whether an existing container's content node equals a block's (children aside).
fn same_content<T: ReadTxn>(txn: &T, existing: &XmlOut, target: &Block) -> bool {
    match existing {
        XmlOut::Element(container) => matches!(
            container.get(txn, 0),
            Some(XmlOut::Element(content)) if equal_element(txn, &content, &target.content)
        ),
        _ => false,
    }
}

fn equal_node<T: ReadTxn>(txn: &T, existing: &XmlOut, target: &Node) -> bool {
    match (existing, target) {
        (XmlOut::Element(element), Node::Element(target)) => equal_element(txn, element, target),
        (XmlOut::Text(text), Node::Text(runs)) => chunks(txn, text).is_some_and(|chunks| {
            chunks.len() == runs.len()
                && chunks
                    .iter()
                    .zip(runs)
                    .all(|((s, f), run)| *s == run.text && same_formatting(f, &run.marks))
        }),
        _ => false,
    }
}

fn equal_element<T: ReadTxn>(txn: &T, element: &XmlElementRef, target: &Element) -> bool {
    if element.tag().as_ref() != target.name {
        return false;
    }
    let mut attrs = 0;
    for (name, value) in element.attributes(txn) {
        attrs += 1;
        match (target.attrs.get(name), value) {
            (Some(wanted), Out::Any(value)) if *wanted == value => {}
            _ => return false,
        }
    }
    if attrs != target.attrs.len() || element.len(txn) as usize != target.children.len() {
        return false;
    }
    element
        .children(txn)
        .zip(&target.children)
        .all(|(child, target)| equal_node(txn, &child, target))
}

/// The runs of an `XmlText` with their formatting; `None` when it holds embedded values.
fn chunks<T: ReadTxn>(txn: &T, text: &XmlTextRef) -> Option<Vec<(String, Formatting)>> {
    text.diff(txn, YChange::identity)
        .into_iter()
        .map(|chunk| match chunk.insert {
            Out::Any(Any::String(s)) => {
                let formatting = chunk
                    .attributes
                    .map(|attrs| attrs.into_iter().filter(|(_, v)| *v != Any::Null).collect())
                    .unwrap_or_default();
                Some((s.to_string(), formatting))
            }
            _ => None,
        })
        .collect()
}

fn same_formatting(current: &Formatting, marks: &Marks) -> bool {
    current.len() == marks.len()
        && marks
            .iter()
            .all(|(name, attrs)| current.get(*name).is_some_and(|value| value == attrs))
}

/// The length of a string in the document's offsets (UTF-16 code units for Yjs's documents).
fn units(s: &str, kind: &OffsetKind) -> u32 {
    let len = match kind {
        OffsetKind::Utf16 => s.encode_utf16().count(),
        OffsetKind::Bytes => s.len(),
    };
    len as u32
}

/// Byte lengths of the longest common prefix and of the longest common suffix of what is left,
/// both on character boundaries.
fn common_affixes(a: &str, b: &str) -> (usize, usize) {
    let prefix: usize = a
        .chars()
        .zip(b.chars())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x.len_utf8())
        .sum();
    let suffix: usize = a[prefix..]
        .chars()
        .rev()
        .zip(b[prefix..].chars().rev())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x.len_utf8())
        .sum();
    (prefix, suffix)
}

/// The longest subsequence of `(target, existing)` pairs (sorted by target) whose existing
/// index increases too: the blocks that keep their order.
fn longest_increasing(pairs: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let mut tails: Vec<usize> = Vec::new();
    let mut previous: Vec<Option<usize>> = vec![None; pairs.len()];
    for (k, &(_, j)) in pairs.iter().enumerate() {
        let at = tails.partition_point(|&t| pairs[t].1 < j);
        if at > 0 {
            previous[k] = Some(tails[at - 1]);
        }
        if at == tails.len() {
            tails.push(k);
        } else {
            tails[at] = k;
        }
    }
    let mut out = Vec::with_capacity(tails.len());
    let mut k = tails.last().copied();
    while let Some(i) = k {
        out.push(pairs[i]);
        k = previous[i];
    }
    out.reverse();
    out
}
