// Reads Corral's Yjs documents with BlockNote itself (tests/blocknote.rs runs this).
//
// Usage, from web/: node scripts/blocknote-check.mjs <dir>
// <dir>/cases.json lists {name, file, source, blocks, ignoreIds?}: <dir>/<file> is the Yjs update
// of a document Corral wrote `source` into (or diff-applied `source` onto), `blocks` what
// yXmlFragmentToBlocks must return for it. For each case it checks that
//   - yXmlFragmentToBlocks of the update equals `blocks` (block ids aside when ignoreIds),
//   - reading left the document as it was (y-prosemirror deletes what it cannot map),
//   - the ProseMirror document equals the one BlockNote itself makes of `source`.
// Exits 1 listing every failing case.
import { readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { join } from "node:path";
import { blocksToYXmlFragment, yXmlFragmentToBlocks } from "@blocknote/core/yjs";
import { yXmlFragmentToProseMirrorRootNode } from "y-prosemirror";
import * as Y from "yjs";
import { createEditor, FRAGMENT } from "./blocknote-schema.mjs";

const dir = process.argv[2];
if (!dir) {
  console.error("usage: node scripts/blocknote-check.mjs <dir>");
  process.exit(2);
}

const editor = createEditor();
const cases = JSON.parse(readFileSync(join(dir, "cases.json"), "utf8"));

/** A JSON copy without block ids: `id` of blocks, `attrs.id` of ProseMirror's containers. */
function withoutIds(value) {
  if (Array.isArray(value)) return value.map(withoutIds);
  if (value === null || typeof value !== "object") return value;
  const copy = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === "id" && Array.isArray(value.children)) continue;
    if (key === "attrs" && value.type === "blockContainer") {
      const { id: _, ...attrs } = item;
      copy.attrs = attrs;
      continue;
    }
    copy[key] = withoutIds(item);
  }
  return copy;
}

const json = (value) => JSON.parse(JSON.stringify(value));

const failures = [];
for (const { name, file, source, blocks, ignoreIds } of cases) {
  const problems = [];
  const doc = new Y.Doc();
  Y.applyUpdate(doc, readFileSync(join(dir, file)));
  const fragment = doc.getXmlFragment(FRAGMENT);
  const before = Y.encodeStateAsUpdate(doc);

  const same = (a, b) => (ignoreIds ? isDeepStrictEqual(withoutIds(a), withoutIds(b)) : isDeepStrictEqual(a, b));

  let read;
  try {
    read = json(yXmlFragmentToBlocks(editor, fragment));
  } catch (error) {
    problems.push(`BlockNote cannot read it: ${error.message}`);
  }
  if (read !== undefined && !same(read, blocks)) {
    problems.push(`blocks differ\n    BlockNote reads: ${JSON.stringify(read)}\n    expected:        ${JSON.stringify(blocks)}`);
  }
  if (!isDeepStrictEqual(Y.encodeStateAsUpdate(doc), before)) {
    problems.push("reading changed the document (y-prosemirror deleted something it could not map)");
  }

  const own = new Y.Doc();
  const ownFragment = own.getXmlFragment(FRAGMENT);
  blocksToYXmlFragment(editor, source, ownFragment);
  const ours = yXmlFragmentToProseMirrorRootNode(fragment, editor.pmSchema).toJSON();
  const theirs = yXmlFragmentToProseMirrorRootNode(ownFragment, editor.pmSchema).toJSON();
  if (!same(json(ours), json(theirs))) {
    problems.push(`ProseMirror documents differ\n    Corral's:    ${JSON.stringify(ours)}\n    BlockNote's: ${JSON.stringify(theirs)}`);
  }

  if (problems.length > 0) failures.push(`${name}:\n  ${problems.join("\n  ")}`);
}

if (failures.length > 0) {
  console.error(`${failures.length} of ${cases.length} cases fail:\n\n${failures.join("\n\n")}`);
  process.exit(1);
}
console.log(`BlockNote reads all ${cases.length} of Corral's documents as expected`);
