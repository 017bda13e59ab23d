//! Corral's Yjs documents read by BlockNote itself: for every case of the BlockNote corpus
//! (`tests/fixtures/blocknote/corpus.json`) Corral writes the case's blocks, and diff-applies
//! each case's blocks onto the previous case's document (with their ids and without, as Paca's
//! web sends them); `web/scripts/blocknote-check.mjs` then reads each update with
//! `@blocknote/core` and checks it gets the corpus's blocks back, without y-prosemirror having
//! to drop anything.

use corral_actors::docs::blocknote::yrs::{ReadTxn, StateVector, Transact};
use corral_actors::docs::blocknote::{FRAGMENT, apply, encode_update, new_doc, write};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Whether Node and the web UI's packages are there; under CI their absence is a failure.
fn blocknote_available() -> bool {
    let node = Command::new("node").arg("--version").output().is_ok();
    let packages = root().join("web/node_modules/@blocknote/core").exists();
    if node && packages {
        return true;
    }
    let missing = if node {
        "web/node_modules (npm ci in web/)"
    } else {
        "node"
    };
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("the BlockNote cross-check needs {missing} (.ci/run installs it)");
    }
    eprintln!("skipping the BlockNote cross-check: {missing} is missing");
    false
}

/// The corpus's accepted cases: name, input, the blocks BlockNote read back, and what it reads
/// back after writing those blocks (the same but for a few tables).
fn corpus() -> Vec<(String, Value, Value, Value)> {
    let path = root().join("tests/fixtures/blocknote/corpus.json");
    let text = std::fs::read_to_string(path).expect("the corpus fixture");
    let corpus: Value = serde_json::from_str(&text).expect("JSON");
    corpus["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter(|case| case.get("error").is_none())
        .map(|case| {
            (
                case["name"].as_str().expect("name").to_owned(),
                case["input"].clone(),
                case["blocks"].clone(),
                case.get("renormalized").unwrap_or(&case["blocks"]).clone(),
            )
        })
        .collect()
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

/// The update of a document holding `before`'s blocks after `after` was diff-applied to it.
fn applied(before: &Value, after: &Value) -> Vec<u8> {
    let doc = new_doc();
    let fragment = doc.get_or_insert_xml_fragment(FRAGMENT);
    let mut txn = doc.transact_mut();
    write(&mut txn, &fragment, before).expect("write");
    apply(&mut txn, &fragment, after).expect("apply");
    txn.encode_state_as_update_v1(&StateVector::default())
}

/// Writes the updates and `cases.json` the check script reads.
fn write_cases(dir: &Path) -> usize {
    let corpus = corpus();
    let mut cases = Vec::new();
    let mut add = |name: String, source: &Value, update: Vec<u8>, blocks: &Value, ignore_ids| {
        let file = format!("{}.update", cases.len());
        std::fs::write(dir.join(&file), update).expect("write the update");
        cases.push(json!({
            "name": name, "file": file, "source": source, "blocks": blocks, "ignoreIds": ignore_ids,
        }));
    };
    for (name, input, blocks, _) in &corpus {
        let update = encode_update(input).expect("Corral accepts what BlockNote accepts");
        add(format!("write {name}"), input, update, blocks, false);
    }
    for pair in corpus.windows(2) {
        let ((before_name, _, before, _), (name, _, after, read_back)) = (&pair[0], &pair[1]);
        let label = format!("apply {name} onto {before_name}");
        add(
            label.clone(),
            after,
            applied(before, after),
            read_back,
            false,
        );
        let mut without_ids = after.clone();
        strip_ids(&mut without_ids);
        let update = applied(before, &without_ids);
        add(
            format!("{label}, ids stripped"),
            &without_ids,
            update,
            read_back,
            true,
        );
    }
    let count = cases.len();
    std::fs::write(dir.join("cases.json"), Value::Array(cases).to_string()).expect("cases.json");
    count
}

#[test]
fn blocknote_reads_corrals_documents() {
    if !blocknote_available() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("corral-blocknote-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let count = write_cases(&dir);
    assert!(count > 40, "the corpus has cases");
    let output = Command::new("node")
        .arg("scripts/blocknote-check.mjs")
        .arg(&dir)
        .current_dir(root().join("web"))
        .output()
        .expect("node runs");
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "BlockNote reads Corral's documents differently\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
}
