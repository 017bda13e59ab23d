//! Corral's converter against what `@blocknote/core` itself made of the corpus
//! (`tests/fixtures/blocknote/corpus.json`, written by `web/scripts/blocknote-corpus.mjs`; CI
//! regenerates it and fails when it changes). The Yjs tree is the contract: Corral's updates
//! differ from BlockNote's byte for byte (client ids differ), the trees they hold must not.

use base64::Engine;
use serde_json::{Map, Value, json};
use yrs::types::text::YChange;
use yrs::updates::decoder::Decode;
use yrs::{Any, Out, ReadTxn, Text, Transact, Update, Xml, XmlFragment, XmlFragmentRef, XmlOut};

use super::{FRAGMENT, apply, new_doc, read, schema, validate, write};

pub(super) struct Case {
    pub name: String,
    pub input: Value,
    pub outcome: Outcome,
}

pub(super) enum Outcome {
    /// BlockNote threw this message.
    Refused(String),
    Accepted(Accepted),
}

/// What BlockNote made of an input it accepted.
pub(super) struct Accepted {
    /// The Yjs tree `blocksToYXmlFragment` wrote.
    pub tree: Value,
    /// That document as a Yjs update.
    pub update: Vec<u8>,
    /// What `yXmlFragmentToBlocks` read from it: BlockNote's normalized form.
    pub blocks: Value,
    /// What BlockNote reads back after writing `blocks` (`blocks` but for a few tables).
    pub renormalized: Value,
}

pub(super) struct Corpus {
    pub blocknote: String,
    pub cases: Vec<Case>,
}

pub(super) fn corpus() -> Corpus {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/blocknote/corpus.json"
    );
    let text = std::fs::read_to_string(path).expect("the corpus fixture");
    let corpus: Value = serde_json::from_str(&text).expect("the corpus is JSON");
    let cases = corpus["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|case| {
            let outcome = match &case["error"] {
                Value::String(message) => Outcome::Refused(message.clone()),
                _ => Outcome::Accepted(Accepted {
                    tree: case["tree"].clone(),
                    update: base64::engine::general_purpose::STANDARD
                        .decode(case["update"].as_str().expect("update"))
                        .expect("base64"),
                    blocks: case["blocks"].clone(),
                    renormalized: case.get("renormalized").unwrap_or(&case["blocks"]).clone(),
                }),
            };
            Case {
                name: case["name"].as_str().expect("name").to_owned(),
                input: case["input"].clone(),
                outcome,
            }
        })
        .collect();
    Corpus {
        blocknote: corpus["blocknote"].as_str().expect("version").to_owned(),
        cases,
    }
}

/// The canonical form of a fragment, as the corpus script writes it: element names, attributes
/// with their types (`undefined` as `{"$undefined": true}`), `XmlText` deltas.
pub(super) fn tree<T: ReadTxn>(txn: &T, fragment: &XmlFragmentRef) -> Value {
    let children: Vec<Value> = fragment.children(txn).map(|c| node_tree(txn, c)).collect();
    json!({ "children": children })
}

fn node_tree<T: ReadTxn>(txn: &T, node: XmlOut) -> Value {
    match node {
        XmlOut::Element(element) => {
            let attributes: Map<String, Value> = element
                .attributes(txn)
                .map(|(name, value)| (name.to_owned(), out_plain(&value)))
                .collect();
            let children: Vec<Value> = element.children(txn).map(|c| node_tree(txn, c)).collect();
            json!({ "element": element.tag().as_ref(), "attributes": attributes, "children": children })
        }
        XmlOut::Text(text) => {
            let ops: Vec<Value> = text
                .diff(txn, YChange::identity)
                .into_iter()
                .map(|chunk| {
                    let mut op = Map::new();
                    op.insert("insert".into(), out_plain(&chunk.insert));
                    if let Some(attrs) = chunk.attributes
                        && !attrs.is_empty()
                    {
                        let attrs = attrs
                            .iter()
                            .map(|(k, v)| (k.to_string(), plain(v)))
                            .collect();
                        op.insert("attributes".into(), Value::Object(attrs));
                    }
                    Value::Object(op)
                })
                .collect();
            json!({ "text": ops })
        }
        XmlOut::Fragment(fragment) => {
            let children: Vec<Value> = fragment.children(txn).map(|c| node_tree(txn, c)).collect();
            json!({ "children": children })
        }
    }
}

fn out_plain(value: &Out) -> Value {
    match value {
        Out::Any(any) => plain(any),
        other => json!({ "$shared": format!("{other:?}") }),
    }
}

fn plain(value: &Any) -> Value {
    match value {
        Any::Undefined => json!({ "$undefined": true }),
        Any::Buffer(bytes) => {
            json!({ "$bytes": base64::engine::general_purpose::STANDARD.encode(bytes) })
        }
        Any::Array(items) => Value::Array(items.iter().map(plain).collect()),
        Any::Map(entries) => {
            Value::Object(entries.iter().map(|(k, v)| (k.clone(), plain(v))).collect())
        }
        other => super::read::json(other),
    }
}

/// Runs `check` on every accepted case and fails with all the mismatches at once.
fn each_accepted(check: impl Fn(&Case, &Accepted) -> Result<(), String>) {
    let failures: Vec<String> = corpus()
        .cases
        .iter()
        .filter_map(|case| match &case.outcome {
            Outcome::Accepted(accepted) => check(case, accepted)
                .err()
                .map(|why| format!("{}: {why}", case.name)),
            Outcome::Refused(_) => None,
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn compare(what: &str, ours: &Value, theirs: &Value) -> Result<(), String> {
    if ours == theirs {
        return Ok(());
    }
    let shorten = |v: &Value| {
        let text = v.to_string();
        if text.len() > 4000 {
            format!("{}…", &text[..text.floor_char_boundary(4000)])
        } else {
            text
        }
    };
    Err(format!(
        "{what} differs\n  Corral:    {}\n  BlockNote: {}",
        shorten(ours),
        shorten(theirs)
    ))
}

#[test]
fn the_corpus_is_blocknotes_pinned_version() {
    assert_eq!(corpus().blocknote, schema::BLOCKNOTE_VERSION);
}

#[test]
fn the_corpus_covers_every_block_type_style_and_inline_content() {
    let inputs: Vec<String> = corpus().cases.iter().map(|c| c.input.to_string()).collect();
    let all = inputs.join("\n");
    for name in schema::BLOCKS.iter().map(|b| b.name) {
        assert!(
            all.contains(&format!("\"type\":\"{name}\"")),
            "no {name} block"
        );
    }
    for name in schema::INLINE_CONTENTS.iter().map(|i| i.name) {
        assert!(all.contains(&format!("\"type\":\"{name}\"")), "no {name}");
    }
    for (name, _) in schema::STYLES {
        assert!(all.contains(&format!("\"{name}\":")), "no {name} style");
    }
}

/// Cases where Corral writes another tree than BlockNote on purpose, with the tree it writes.
fn divergence(case: &str) -> Option<Value> {
    match case {
        // BlockNote writes an empty blockGroup; ProseMirror's schema wants a block in it, so
        // y-prosemirror deletes it as soon as an editor reads the document. Corral writes none.
        "empty document" => Some(json!({ "children": [] })),
        _ => None,
    }
}

#[test]
fn write_builds_blocknotes_tree() {
    each_accepted(|case, accepted| {
        let doc = new_doc();
        let fragment = doc.get_or_insert_xml_fragment(FRAGMENT);
        let mut txn = doc.transact_mut();
        write(&mut txn, &fragment, &case.input).map_err(|e| format!("refused: {e}"))?;
        let expected = divergence(&case.name).unwrap_or_else(|| accepted.tree.clone());
        compare("the Yjs tree", &tree(&txn, &fragment), &expected)
    });
}

#[test]
fn read_of_blocknotes_update_is_blocknotes_blocks() {
    each_accepted(|_, accepted| {
        let doc = new_doc();
        let fragment = doc.get_or_insert_xml_fragment(FRAGMENT);
        let mut txn = doc.transact_mut();
        let update = Update::decode_v1(&accepted.update).map_err(|e| e.to_string())?;
        txn.apply_update(update).map_err(|e| e.to_string())?;
        compare("the blocks", &read(&txn, &fragment), &accepted.blocks)
    });
}

#[test]
fn read_after_write_is_blocknotes_blocks() {
    each_accepted(|case, accepted| {
        let doc = new_doc();
        let fragment = doc.get_or_insert_xml_fragment(FRAGMENT);
        let mut txn = doc.transact_mut();
        write(&mut txn, &fragment, &case.input).map_err(|e| format!("refused: {e}"))?;
        compare("the blocks", &read(&txn, &fragment), &accepted.blocks)
    });
}

/// Identity on BlockNote's normalized blocks, where BlockNote itself has it.
#[test]
fn write_then_read_of_normalized_blocks_is_what_blocknote_reads_back() {
    each_accepted(|_, accepted| {
        let doc = new_doc();
        let fragment = doc.get_or_insert_xml_fragment(FRAGMENT);
        let mut txn = doc.transact_mut();
        write(&mut txn, &fragment, &accepted.blocks).map_err(|e| format!("refused: {e}"))?;
        compare("the blocks", &read(&txn, &fragment), &accepted.renormalized)
    });
}

#[test]
fn refuses_what_blocknote_refuses() {
    let accepted: Vec<String> = corpus()
        .cases
        .iter()
        .filter_map(|case| match &case.outcome {
            Outcome::Refused(message) if validate(&case.input).is_ok() => {
                Some(format!("{} (BlockNote: {message})", case.name))
            }
            _ => None,
        })
        .collect();
    assert!(accepted.is_empty(), "Corral accepts: {accepted:?}");
}

#[test]
fn apply_turns_each_corpus_document_into_the_next() {
    let documents: Vec<Accepted> = corpus()
        .cases
        .into_iter()
        .filter_map(|case| match case.outcome {
            Outcome::Accepted(accepted) => Some(accepted),
            Outcome::Refused(_) => None,
        })
        .collect();
    for pair in documents.windows(2) {
        let (before, after) = (&pair[0], &pair[1]);
        let doc = new_doc();
        let fragment = doc.get_or_insert_xml_fragment(FRAGMENT);
        let mut txn = doc.transact_mut();
        write(&mut txn, &fragment, &before.blocks).expect("write");
        apply(&mut txn, &fragment, &after.blocks).expect("apply");
        assert_eq!(read(&txn, &fragment), after.renormalized);
        let again = apply(&mut txn, &fragment, &after.blocks).expect("apply");
        assert!(!again, "nothing left to change");
    }
}
