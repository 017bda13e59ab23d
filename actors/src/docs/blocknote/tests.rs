//! Validation, writing, reading hostile documents and diff-apply (concurrent edits surviving it,
//! and a property test over random documents). `corpus_tests.rs` holds the cross-check against
//! BlockNote itself.

use proptest::prelude::*;
use serde_json::{Value, json};
use yrs::updates::decoder::Decode;
use yrs::{
    Any, Doc, ReadTxn, Text, Transact, Update, Xml, XmlElementPrelim, XmlElementRef, XmlFragment,
    XmlFragmentRef, XmlOut, XmlTextPrelim, XmlTextRef,
};

use super::{ContentError, FRAGMENT, MAX_DEPTH, apply, new_doc, read, validate, write};

fn paragraph(id: &str, text: &str) -> Value {
    json!({ "id": id, "type": "paragraph", "content": text })
}

fn refusal(blocks: Value) -> ContentError {
    validate(&blocks).expect_err("refused")
}

fn doc_with(blocks: &Value) -> (Doc, XmlFragmentRef) {
    let doc = new_doc();
    let fragment = doc.get_or_insert_xml_fragment(FRAGMENT);
    write(&mut doc.transact_mut(), &fragment, blocks).expect("write");
    (doc, fragment)
}

/// A second replica of a document, as a live editor holds it.
fn replica(doc: &Doc) -> (Doc, XmlFragmentRef) {
    let other = new_doc();
    let fragment = other.get_or_insert_xml_fragment(FRAGMENT);
    sync(doc, &other);
    (other, fragment)
}

/// Gives `to` everything `from` has.
fn sync(from: &Doc, to: &Doc) {
    let missing = from
        .transact()
        .encode_state_as_update_v1(&to.transact().state_vector());
    let update = Update::decode_v1(&missing).expect("update");
    to.transact_mut().apply_update(update).expect("apply");
}

fn blocks_of(doc: &Doc, fragment: &XmlFragmentRef) -> Value {
    read(&doc.transact(), fragment)
}

fn texts(blocks: &Value) -> Vec<String> {
    blocks
        .as_array()
        .expect("blocks")
        .iter()
        .map(|b| {
            b["content"]
                .as_array()
                .expect("inline")
                .iter()
                .map(|c| c["text"].as_str().unwrap_or("@"))
                .collect()
        })
        .collect()
}

/// The first `XmlText` of the content node of the block with this id, wherever it is.
fn text_of<T: ReadTxn>(txn: &T, fragment: &XmlFragmentRef, id: &str) -> XmlTextRef {
    fn find<T: ReadTxn>(txn: &T, node: XmlOut, id: &str) -> Option<XmlTextRef> {
        let XmlOut::Element(element) = node else {
            return None;
        };
        let has_id = matches!(
            element.get_attribute(txn, "id"),
            Some(yrs::Out::Any(Any::String(s))) if s.as_ref() == id
        );
        if element.tag().as_ref() == "blockContainer" && has_id {
            let Some(XmlOut::Element(content)) = element.get(txn, 0) else {
                return None;
            };
            return content.children(txn).find_map(|c| match c {
                XmlOut::Text(text) => Some(text),
                _ => None,
            });
        }
        element.children(txn).find_map(|c| find(txn, c, id))
    }
    fragment
        .children(txn)
        .find_map(|c| find(txn, c, id))
        .expect("the block's text")
}

#[test]
fn refusals_name_the_path_and_the_reason() {
    let cases = [
        (json!({}), "$", "expected an array of blocks"),
        (
            json!([{"type": "callout"}]),
            "$[0].type",
            "unknown block type \"callout\"",
        ),
        (json!([7]), "$[0]", "expected a block (an object)"),
        (
            json!([{"type": "heading", "props": {"level": "2"}}]),
            "$[0].props.level",
            "expected a number",
        ),
        (
            json!([{"type": "checkListItem", "props": {"checked": "yes"}}]),
            "$[0].props.checked",
            "expected a boolean",
        ),
        (
            json!([{"content": [{"type": "text", "text": "x", "styles": {"sparkle": true}}]}]),
            "$[0].content[0].styles.sparkle",
            "unknown style \"sparkle\"",
        ),
        (
            json!([{"content": [{"type": "text", "text": "x", "styles": {"bold": "yes"}}]}]),
            "$[0].content[0].styles.bold",
            "expected a boolean",
        ),
        (
            json!([{"content": [{"type": "text", "text": "x", "styles": {"a b": true}}]}]),
            "$[0].content[0].styles[\"a b\"]",
            "unknown style \"a b\"",
        ),
        (
            json!([{"content": [{"type": "userMention"}]}]),
            "$[0].content[0].type",
            "unknown inline content type \"userMention\"",
        ),
        (
            json!([{"content": [{"type": "hardBreak"}]}]),
            "$[0].content[0].type",
            "unknown inline content type \"hardBreak\"",
        ),
        (
            json!([{"content": [{"type": "link", "content": "x"}]}]),
            "$[0].content[0].href",
            "expected a string",
        ),
        (
            json!([{"content": [{"type": "teamMention", "props": {"name": 3}}]}]),
            "$[0].content[0].props.name",
            "expected a string",
        ),
        (
            json!([{"type": "divider", "content": "x"}]),
            "$[0].content",
            "a divider block has no content",
        ),
        (
            json!([{"content": false}]),
            "$[0].content",
            "expected inline content (a string or an array)",
        ),
        (
            json!([{"id": "a"}, {"id": "b", "children": [{"id": "a"}]}]),
            "$[1].children[0].id",
            "duplicate block id \"a\"",
        ),
        (json!([{"id": 5}]), "$[0].id", "expected a string"),
        (
            json!([{"type": "table", "content": {"type": "tableContent", "rows": []}}]),
            "$[0].content.rows",
            "a table has at least one row",
        ),
        (
            json!([{"type": "table", "content": {"type": "tableContent", "rows": [{"cells": [
                {"type": "tableCell", "content": "x", "props": {"colspan": 0}}
            ]}]}}]),
            "$[0].content.rows[0].cells[0].props.colspan",
            "expected a whole number from 1 to 1000",
        ),
        (
            json!([{"type": "table", "content": {"type": "tableContent", "rows": [{"cells": [
                {"type": "tableCell", "content": "x", "props": {"rowspan": 2}}
            ]}]}}]),
            "$[0].content.rows[0].cells[0]",
            "the cell's rowspan reaches past the last row",
        ),
        (
            json!([{"type": "table", "content": [{"type": "text", "text": "x"}]}]),
            "$[0].content",
            "expected table content (an object of type \"tableContent\")",
        ),
    ];
    for (blocks, path, message) in cases {
        let error = refusal(blocks.clone());
        assert_eq!(
            (error.path.as_str(), error.message.as_str()),
            (path, message),
            "{blocks}"
        );
    }
    let error = refusal(json!([{"type": "callout"}]));
    assert_eq!(
        error.to_string(),
        "$[0].type: unknown block type \"callout\""
    );
}

#[test]
fn nesting_is_bounded() {
    let nested = |depth: usize| {
        let mut block = json!({ "content": "deepest" });
        for _ in 1..depth {
            block = json!({ "content": "x", "children": [block] });
        }
        json!([block])
    };
    assert!(validate(&nested(MAX_DEPTH)).is_ok());
    let error = refusal(nested(MAX_DEPTH + 1));
    assert_eq!(error.message, "blocks are nested deeper than 64 levels");
    assert!(error.path.starts_with("$[0].children[0].children[0]"));
    // Far deeper input is refused as quickly, without exhausting the stack.
    assert!(validate(&nested(300)).is_err());
}

#[test]
fn unknown_props_are_dropped_and_missing_ids_generated() {
    let (doc, fragment) = doc_with(&json!([
        { "type": "paragraph", "props": { "sparkle": 1, "textColor": "red" }, "content": "x" }
    ]));
    let blocks = blocks_of(&doc, &fragment);
    assert_eq!(
        blocks[0]["props"],
        json!({ "backgroundColor": "default", "textColor": "red", "textAlignment": "left" })
    );
    let id = blocks[0]["id"].as_str().expect("id");
    assert_eq!(
        uuid::Uuid::parse_str(id).expect("uuid").get_version_num(),
        4
    );
}

#[test]
fn write_replaces_the_content_and_writes_nothing_when_it_refuses() {
    let (doc, fragment) = doc_with(&json!([paragraph("a", "first")]));
    write(
        &mut doc.transact_mut(),
        &fragment,
        &json!([paragraph("b", "second")]),
    )
    .expect("write");
    assert_eq!(texts(&blocks_of(&doc, &fragment)), ["second"]);

    let before = doc.transact().state_vector();
    let refused = write(
        &mut doc.transact_mut(),
        &fragment,
        &json!([{ "type": "callout" }]),
    );
    assert!(refused.is_err());
    assert_eq!(doc.transact().state_vector(), before);
    assert_eq!(texts(&blocks_of(&doc, &fragment)), ["second"]);
}

#[test]
fn read_skips_what_blocknote_cannot_read_and_bounds_nesting() {
    let doc = new_doc();
    let fragment = doc.get_or_insert_xml_fragment(FRAGMENT);
    {
        let mut txn = doc.transact_mut();
        let group = fragment.push_back(&mut txn, XmlElementPrelim::empty("blockGroup"));
        fragment.push_back(&mut txn, XmlElementPrelim::empty("stray"));
        // A container without an id, holding an unknown element after its paragraph.
        let c1 = group.push_back(&mut txn, XmlElementPrelim::empty("blockContainer"));
        let p1 = c1.push_back(&mut txn, XmlElementPrelim::empty("paragraph"));
        p1.push_back(&mut txn, XmlTextPrelim::new("kept"));
        c1.push_back(&mut txn, XmlElementPrelim::empty("widget"));
        // A container without a content node: BlockNote cannot read it.
        let c2 = group.push_back(&mut txn, XmlElementPrelim::empty("blockContainer"));
        c2.insert_attribute(&mut txn, "id", "no-content");
        // Text with a mark ProseMirror does not know is dropped whole; a stray element too.
        let c3 = group.push_back(&mut txn, XmlElementPrelim::empty("blockContainer"));
        c3.insert_attribute(&mut txn, "id", "c3");
        let p3 = c3.push_back(&mut txn, XmlElementPrelim::empty("heading"));
        p3.insert_attribute(&mut txn, "level", Any::Undefined);
        let t = p3.push_back(&mut txn, XmlTextPrelim::new(""));
        let comment = yrs::types::Attrs::from([("comment".into(), Any::Bool(true))]);
        t.insert_with_attributes(&mut txn, 0, "dropped", comment);
        p3.push_back(&mut txn, XmlElementPrelim::empty("unknownInline"));
        p3.push_back(&mut txn, XmlElementPrelim::empty("hardBreak"));
        let t2 = p3.push_back(&mut txn, XmlTextPrelim::new(""));
        let suggestion = yrs::types::Attrs::from([
            ("insertion".into(), Any::Bool(true)),
            ("bold".into(), Any::Map(Default::default())),
        ]);
        t2.insert_with_attributes(&mut txn, 0, "after", suggestion);
        // Blocks nested far deeper than any editor makes them.
        let mut parent: XmlElementRef = group.clone();
        for depth in 0..500 {
            let c = parent.push_back(&mut txn, XmlElementPrelim::empty("blockContainer"));
            c.insert_attribute(&mut txn, "id", format!("deep{depth}"));
            c.push_back(&mut txn, XmlElementPrelim::empty("divider"));
            parent = c.push_back(&mut txn, XmlElementPrelim::empty("blockGroup"));
        }
    }
    let blocks = blocks_of(&doc, &fragment);
    let blocks = blocks.as_array().expect("blocks");
    assert_eq!(blocks.len(), 3);
    assert_eq!(
        blocks[0]["content"],
        json!([{"type": "text", "text": "kept", "styles": {}}])
    );
    assert!(blocks[0]["id"].as_str().is_some_and(|id| !id.is_empty()));
    assert_eq!(blocks[1]["id"], "c3");
    assert_eq!(blocks[1]["props"]["level"], 1);
    // The unknown mark drops its whole text and the unknown element is skipped; the hard break
    // starts a run; the suggestion mark is not a style.
    assert_eq!(
        blocks[1]["content"],
        json!([
            {"type": "text", "text": "\n", "styles": {}},
            {"type": "text", "text": "after", "styles": {"bold": true}},
        ])
    );
    let mut depth = 0;
    let mut block = &blocks[2];
    loop {
        depth += 1;
        match block["children"].as_array().and_then(|c| c.first()) {
            Some(child) => block = child,
            None => break,
        }
    }
    assert_eq!(depth, MAX_DEPTH);
}

#[test]
fn apply_changes_only_the_blocks_that_differ() {
    let (server, fragment) = doc_with(&json!([
        paragraph("a", "alpha"),
        paragraph("b", "bravo"),
        paragraph("c", "charlie"),
    ]));
    let (editor, editor_fragment) = replica(&server);
    {
        let mut txn = editor.transact_mut();
        let text = text_of(&txn, &editor_fragment, "b");
        text.insert(&mut txn, 5, " (edited live)");
    }
    let changed = apply(
        &mut server.transact_mut(),
        &fragment,
        &json!([
            paragraph("a", "ALPHA"),
            paragraph("b", "bravo"),
            paragraph("c", "charlie")
        ]),
    )
    .expect("apply");
    assert!(changed);
    sync(&editor, &server);
    sync(&server, &editor);
    let expected = ["ALPHA", "bravo (edited live)", "charlie"];
    assert_eq!(texts(&blocks_of(&server, &fragment)), expected);
    assert_eq!(texts(&blocks_of(&editor, &editor_fragment)), expected);
}

#[test]
fn apply_without_ids_keeps_the_blocks_in_place() {
    let (server, fragment) = doc_with(&json!([
        paragraph("a", "alpha"),
        paragraph("b", "bravo"),
        paragraph("c", "charlie"),
    ]));
    let (editor, editor_fragment) = replica(&server);
    {
        let mut txn = editor.transact_mut();
        let text = text_of(&txn, &editor_fragment, "c");
        text.insert(&mut txn, 0, ">> ");
    }
    // Paca's web strips ids before saving.
    let stripped = json!([
        { "type": "paragraph", "content": "alpha" },
        { "type": "paragraph", "content": "bravo, changed" },
        { "type": "paragraph", "content": "charlie" },
        { "type": "paragraph", "content": "delta" },
    ]);
    assert!(apply(&mut server.transact_mut(), &fragment, &stripped).expect("apply"));
    sync(&editor, &server);
    let blocks = blocks_of(&server, &fragment);
    assert_eq!(
        texts(&blocks),
        ["alpha", "bravo, changed", ">> charlie", "delta"]
    );
    let ids: Vec<&str> = blocks
        .as_array()
        .expect("blocks")
        .iter()
        .map(|b| b["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids[..3], ["a", "b", "c"]);
}

#[test]
fn apply_reorders_deletes_and_inserts() {
    let (server, fragment) = doc_with(&json!([
        paragraph("a", "alpha"),
        paragraph("b", "bravo"),
        paragraph("c", "charlie"),
        paragraph("d", "delta"),
    ]));
    let (editor, editor_fragment) = replica(&server);
    {
        let mut txn = editor.transact_mut();
        let text = text_of(&txn, &editor_fragment, "a");
        text.push(&mut txn, "!");
        let text = text_of(&txn, &editor_fragment, "d");
        text.push(&mut txn, "?");
    }
    // c moves to the front, b goes, e arrives between a and d.
    let target = json!([
        paragraph("c", "charlie"),
        paragraph("a", "alpha"),
        paragraph("e", "echo"),
        paragraph("d", "delta"),
    ]);
    assert!(apply(&mut server.transact_mut(), &fragment, &target).expect("apply"));
    assert_eq!(blocks_of(&server, &fragment), {
        let (doc, f) = doc_with(&target);
        blocks_of(&doc, &f)
    });
    sync(&editor, &server);
    let blocks = blocks_of(&server, &fragment);
    assert_eq!(texts(&blocks), ["charlie", "alpha!", "echo", "delta?"]);
}

#[test]
fn apply_recurses_into_children() {
    let (server, fragment) = doc_with(&json!([{
        "id": "list", "type": "bulletListItem", "content": "list",
        "children": [
            { "id": "x", "type": "numberedListItem", "content": "x" },
            { "id": "y", "type": "numberedListItem", "content": "y" },
        ],
    }]));
    let (editor, editor_fragment) = replica(&server);
    {
        let mut txn = editor.transact_mut();
        text_of(&txn, &editor_fragment, "x").push(&mut txn, "-live");
    }
    let target = json!([{
        "id": "list", "type": "bulletListItem", "content": "list",
        "children": [
            { "id": "x", "type": "numberedListItem", "content": "x" },
            { "id": "y", "type": "checkListItem", "props": { "checked": true }, "content": "y" },
            { "id": "z", "type": "numberedListItem", "content": "z",
              "children": [{ "id": "z1", "content": "deeper" }] },
        ],
    }]);
    assert!(apply(&mut server.transact_mut(), &fragment, &target).expect("apply"));
    sync(&editor, &server);
    let blocks = blocks_of(&server, &fragment);
    let children = &blocks[0]["children"];
    assert_eq!(texts(children), ["x-live", "y", "z"]);
    assert_eq!(children[1]["type"], "checkListItem");
    assert_eq!(children[1]["props"]["checked"], true);
    assert_eq!(children[2]["children"][0]["id"], "z1");

    // Removing the children removes the nested group.
    let flat = json!([{ "id": "list", "type": "bulletListItem", "content": "list" }]);
    assert!(apply(&mut server.transact_mut(), &fragment, &flat).expect("apply"));
    assert_eq!(blocks_of(&server, &fragment)[0]["children"], json!([]));
}

#[test]
fn apply_edits_text_around_concurrent_typing() {
    let (server, fragment) = doc_with(&json!([paragraph("a", "hello world")]));
    let (editor, editor_fragment) = replica(&server);
    {
        let mut txn = editor.transact_mut();
        text_of(&txn, &editor_fragment, "a").push(&mut txn, "!");
    }
    let target = json!([{ "id": "a", "content": [
        { "type": "text", "text": "hello ", "styles": {} },
        { "type": "text", "text": "brave", "styles": { "bold": true } },
        { "type": "text", "text": " world", "styles": {} },
    ]}]);
    assert!(apply(&mut server.transact_mut(), &fragment, &target).expect("apply"));
    sync(&editor, &server);
    let blocks = blocks_of(&server, &fragment);
    assert_eq!(
        blocks[0]["content"],
        json!([
            { "type": "text", "text": "hello ", "styles": {} },
            { "type": "text", "text": "brave", "styles": { "bold": true } },
            { "type": "text", "text": " world!", "styles": {} },
        ])
    );
}

#[test]
fn apply_of_the_same_content_changes_nothing() {
    let blocks = json!([
        paragraph("a", "alpha"),
        { "id": "t", "type": "table", "content": { "type": "tableContent", "columnWidths": [80, null],
          "rows": [{ "cells": ["x", { "type": "tableCell", "content": "y", "props": { "colspan": 1 } }] }] } },
        { "id": "i", "type": "image", "props": { "url": "docfile://p/d/f", "previewWidth": 300 } },
    ]);
    let (doc, fragment) = doc_with(&blocks);
    let normalized = blocks_of(&doc, &fragment);
    let before = doc.transact().state_vector();
    for same in [&blocks, &normalized] {
        let mut txn = doc.transact_mut();
        assert!(!apply(&mut txn, &fragment, same).expect("apply"));
    }
    assert_eq!(doc.transact().state_vector(), before);
}

#[test]
fn apply_refuses_invalid_content_and_rebuilds_a_foreign_fragment() {
    let (doc, fragment) = doc_with(&json!([paragraph("a", "alpha")]));
    let before = doc.transact().state_vector();
    assert!(
        apply(
            &mut doc.transact_mut(),
            &fragment,
            &json!([{ "type": "nope" }])
        )
        .is_err()
    );
    assert_eq!(doc.transact().state_vector(), before);

    let foreign = new_doc();
    let foreign_fragment = foreign.get_or_insert_xml_fragment(FRAGMENT);
    {
        let mut txn = foreign.transact_mut();
        foreign_fragment.push_back(&mut txn, XmlTextPrelim::new("loose text"));
        foreign_fragment.push_back(&mut txn, XmlElementPrelim::empty("paragraph"));
    }
    let target = json!([paragraph("a", "alpha")]);
    assert!(apply(&mut foreign.transact_mut(), &foreign_fragment, &target).expect("apply"));
    assert_eq!(
        blocks_of(&foreign, &foreign_fragment),
        blocks_of(&doc, &fragment)
    );
    assert_eq!(foreign_fragment.len(&foreign.transact()), 1);
}

/// Random documents: a few block types, styled text with links, mentions and line breaks,
/// children two levels deep, ids from a small pool so that two documents share blocks.
fn arb_document() -> impl Strategy<Value = Value> {
    let run = (
        "[ab \n😀é]{1,5}",
        any::<bool>(),
        any::<bool>(),
        prop_oneof![Just(None), Just(Some("red")), Just(Some("blue"))],
    )
        .prop_map(|(text, bold, italic, color)| {
            let mut styles = serde_json::Map::new();
            if bold {
                styles.insert("bold".into(), true.into());
            }
            if italic {
                styles.insert("italic".into(), true.into());
            }
            if let Some(color) = color {
                styles.insert("textColor".into(), color.into());
            }
            json!({ "type": "text", "text": text, "styles": styles })
        });
    let item = prop_oneof![
        4 => run.clone(),
        1 => (prop::sample::select(vec!["https://a.x", "https://b.x"]), prop::collection::vec(run, 1..3))
            .prop_map(|(href, content)| json!({ "type": "link", "href": href, "content": content })),
        1 => "[ab]".prop_map(|id| json!({ "type": "teamMention", "props": { "id": id, "name": "N" } })),
    ];
    let inline = prop::collection::vec(item, 0..4);
    let leaf = (0u8..6, inline, any::<bool>(), 0u8..12).prop_map(|(kind, content, flag, id)| {
        let mut block = match kind {
            0 => json!({ "type": "paragraph", "content": content }),
            1 => json!({ "type": "heading", "props": { "level": if flag { 2 } else { 1 } }, "content": content }),
            2 => json!({ "type": "checkListItem", "props": { "checked": flag }, "content": content }),
            3 => json!({ "type": "codeBlock", "content": if flag { "a\nb" } else { "c" } }),
            4 => json!({ "type": "image", "props": { "url": if flag { "docfile://p/d/f" } else { "" } } }),
            _ => json!({ "type": "table", "content": { "type": "tableContent",
                "columnWidths": [if flag { json!(90) } else { Value::Null }, null],
                "rows": [{ "cells": ["h", content] }, { "cells": ["x", "y"] }] } }),
        };
        block["id"] = format!("k{id}").into();
        block
    });
    let block = leaf.prop_recursive(2, 24, 3, |inner| {
        (inner.clone(), prop::collection::vec(inner, 0..3)).prop_map(|(mut parent, children)| {
            parent["children"] = Value::Array(children);
            parent
        })
    });
    prop::collection::vec(block, 0..6).prop_map(|mut blocks| {
        unique_ids(&mut blocks, &mut Default::default(), &mut 0);
        Value::Array(blocks)
    })
}

/// Replaces ids already used earlier in the document by fresh ones.
fn unique_ids(
    blocks: &mut Vec<Value>,
    seen: &mut std::collections::HashSet<String>,
    fresh: &mut u32,
) {
    for block in blocks {
        let id = block["id"].as_str().unwrap_or_default().to_owned();
        if !seen.insert(id) {
            *fresh += 1;
            block["id"] = format!("f{fresh}").into();
        }
        if let Some(children) = block.get_mut("children").and_then(Value::as_array_mut) {
            unique_ids(children, seen, fresh);
        }
    }
}

fn strip_ids(value: &mut Value) {
    match value {
        Value::Array(items) => items.iter_mut().for_each(strip_ids),
        Value::Object(fields) => {
            fields.remove("id");
            if let Some(children) = fields.get_mut("children") {
                strip_ids(children);
            }
        }
        _ => {}
    }
}

fn all_ids(blocks: &Value, out: &mut Vec<String>) {
    for block in blocks.as_array().into_iter().flatten() {
        out.push(block["id"].as_str().unwrap_or_default().to_owned());
        all_ids(&block["children"], out);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn apply_reaches_what_write_writes(a in arb_document(), b in arb_document()) {
        let (doc, fragment) = doc_with(&a);
        apply(&mut doc.transact_mut(), &fragment, &b).expect("apply");
        let expected = {
            let (fresh, fresh_fragment) = doc_with(&b);
            blocks_of(&fresh, &fresh_fragment)
        };
        prop_assert_eq!(&blocks_of(&doc, &fragment), &expected);
        let before = doc.transact().state_vector();
        prop_assert!(!apply(&mut doc.transact_mut(), &fragment, &b).expect("apply"));
        prop_assert_eq!(doc.transact().state_vector(), before);
    }

    #[test]
    fn apply_without_ids_reaches_the_same_content(a in arb_document(), b in arb_document()) {
        let mut stripped = b.clone();
        strip_ids(&mut stripped);
        let (doc, fragment) = doc_with(&a);
        apply(&mut doc.transact_mut(), &fragment, &stripped).expect("apply");
        let mut ours = blocks_of(&doc, &fragment);
        let mut ids = Vec::new();
        all_ids(&ours, &mut ids);
        let unique: std::collections::HashSet<&String> = ids.iter().collect();
        prop_assert_eq!(unique.len(), ids.len(), "ids stay unique: {:?}", ids);
        let mut expected = {
            let (fresh, fresh_fragment) = doc_with(&stripped);
            blocks_of(&fresh, &fresh_fragment)
        };
        strip_ids(&mut ours);
        strip_ids(&mut expected);
        prop_assert_eq!(ours, expected);
    }
}

/// A Yjs tree of anything: known and unknown elements, attributes of every type, text with
/// known and unknown marks. What a hostile or newer editor could leave in a document.
#[derive(Debug, Clone)]
enum Garbage {
    Element(&'static str, Vec<(&'static str, Any)>, Vec<Garbage>),
    Text(Vec<(String, Vec<(&'static str, Any)>)>),
}

fn arb_any() -> impl Strategy<Value = Any> + Clone {
    prop_oneof![
        Just(Any::Null),
        Just(Any::Undefined),
        any::<bool>().prop_map(Any::Bool),
        (-3i64..5).prop_map(|n| Any::Number(yrs::Number::Int(n))),
        Just(Any::Number(yrs::Number::Float(1.5))),
        prop::sample::select(vec!["", "a", "k1", "k2", "default"]).prop_map(Any::from),
        Just(Any::Array(vec![Any::from(1i64), Any::Undefined].into())),
        Just(Any::Map(Default::default())),
        Just(super::node::mark_attrs([
            ("href", Any::from("x")),
            ("stringValue", Any::from("red"))
        ])),
    ]
}

fn arb_garbage() -> impl Strategy<Value = Vec<Garbage>> {
    let names = vec![
        "blockGroup",
        "blockContainer",
        "paragraph",
        "heading",
        "codeBlock",
        "table",
        "tableRow",
        "tableCell",
        "tableHeader",
        "tableParagraph",
        "hardBreak",
        "teamMention",
        "image",
        "widget",
    ];
    let attrs = prop::collection::vec(
        (
            prop::sample::select(vec![
                "id",
                "level",
                "textColor",
                "colwidth",
                "colspan",
                "checked",
            ]),
            arb_any(),
        ),
        0..3,
    );
    let marks = prop::collection::vec(
        (
            prop::sample::select(vec!["bold", "link", "textColor", "comment", "insertion"]),
            arb_any(),
        ),
        0..2,
    );
    let text = prop::collection::vec(("[ab\n]{1,3}", marks), 1..3).prop_map(Garbage::Text);
    let leaf = prop_oneof![
        text,
        (prop::sample::select(names.clone()), attrs.clone())
            .prop_map(|(name, attrs)| Garbage::Element(name, attrs, Vec::new())),
    ];
    let node = leaf.prop_recursive(6, 48, 4, move |inner| {
        (
            prop::sample::select(names.clone()),
            attrs.clone(),
            prop::collection::vec(inner, 0..4),
        )
            .prop_map(|(name, attrs, children)| Garbage::Element(name, attrs, children))
    });
    prop::collection::vec(node, 0..3)
}

fn plant<P: XmlFragment>(txn: &mut yrs::TransactionMut, parent: &P, nodes: &[Garbage]) {
    for node in nodes {
        match node {
            Garbage::Element(name, attrs, children) => {
                let element = parent.push_back(txn, XmlElementPrelim::empty(*name));
                for (key, value) in attrs {
                    element.insert_attribute(txn, *key, value.clone());
                }
                plant(txn, &element, children);
            }
            Garbage::Text(runs) => {
                let text = parent.push_back(txn, XmlTextPrelim::new(""));
                for (chunk, marks) in runs {
                    let at = text.len(txn);
                    let attrs = marks
                        .iter()
                        .map(|(k, v)| (std::sync::Arc::from(*k), v.clone()))
                        .collect();
                    text.insert_with_attributes(txn, at, chunk, attrs);
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn apply_brings_any_fragment_to_the_blocks(garbage in arb_garbage(), b in arb_document()) {
        let doc = new_doc();
        let fragment = doc.get_or_insert_xml_fragment(FRAGMENT);
        plant(&mut doc.transact_mut(), &fragment, &garbage);
        let _ = blocks_of(&doc, &fragment);
        apply(&mut doc.transact_mut(), &fragment, &b).expect("apply");
        let expected = {
            let (fresh, fresh_fragment) = doc_with(&b);
            blocks_of(&fresh, &fresh_fragment)
        };
        prop_assert_eq!(blocks_of(&doc, &fragment), expected);
        prop_assert!(!apply(&mut doc.transact_mut(), &fragment, &b).expect("apply"));
    }
}
