// Writes tests/fixtures/blocknote/corpus.json: for each named case of input.json, what
// @blocknote/core (the version web/ pins) makes of it. Corral's converter is tested against this
// file (actors/src/docs/blocknote/), and CI regenerates it and fails when it changes, so a
// BlockNote upgrade that changes the Yjs representation cannot pass unnoticed.
//
// Per case: the input blocks, then either BlockNote's error or
//   tree:   the Yjs tree blocksToYXmlFragment writes (element names, attributes with their value
//           types, XmlText deltas; `undefined` written as {"$undefined": true}),
//   update: base64 of Y.encodeStateAsUpdate of that document (client id 1, so it is stable),
//   blocks: yXmlFragmentToBlocks of a document the update was applied to,
//   renormalized: only where it differs from `blocks`, what BlockNote reads back after writing
//           `blocks` (its normalized form is not always stable: a table whose header rows are
//           not the first ones reads back with other `headerRows`).
//
// Run from web/: node scripts/blocknote-corpus.mjs
import { readFileSync, writeFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { blocksToYXmlFragment, yXmlFragmentToBlocks } from "@blocknote/core/yjs";
import * as Y from "yjs";
import { createEditor, FRAGMENT } from "./blocknote-schema.mjs";

const fixtures = new URL("../../tests/fixtures/blocknote/", import.meta.url);

/** A JSON value for any Yjs attribute value: sorted keys, `undefined` made visible. */
function plain(value) {
  if (value === undefined) return { $undefined: true };
  if (Array.isArray(value)) return value.map(plain);
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value).toString("base64") };
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, plain(value[key])]),
    );
  }
  return value;
}

/** The canonical tree of one Yjs XML node (the shape Corral's tests compare). */
export function tree(node) {
  if (node instanceof Y.XmlText) {
    return {
      text: node.toDelta().map((op) =>
        op.attributes && Object.keys(op.attributes).length > 0
          ? { insert: plain(op.insert), attributes: plain(op.attributes) }
          : { insert: plain(op.insert) },
      ),
    };
  }
  if (node instanceof Y.XmlElement) {
    return {
      element: node.nodeName,
      attributes: plain(node.getAttributes()),
      children: node.toArray().map(tree),
    };
  }
  return { children: node.toArray().map(tree) };
}

const json = (value) => JSON.parse(JSON.stringify(value));

/** The installed version of a package of web/node_modules. */
function version(name) {
  const file = new URL(`../node_modules/${name}/package.json`, import.meta.url);
  return JSON.parse(readFileSync(file, "utf8")).version;
}

const editor = createEditor();

/** What BlockNote reads back from a document it wrote these blocks into. */
function rewritten(blocks) {
  const fragment = new Y.Doc().getXmlFragment(FRAGMENT);
  blocksToYXmlFragment(editor, blocks, fragment);
  return json(yXmlFragmentToBlocks(editor, fragment));
}
const input = JSON.parse(readFileSync(new URL("input.json", fixtures), "utf8"));

const cases = input.cases.map(({ name, note, blocks: input }) => {
  const entry = note === undefined ? { name, input } : { name, note, input };
  const doc = new Y.Doc();
  doc.clientID = 1;
  const fragment = doc.getXmlFragment(FRAGMENT);
  try {
    blocksToYXmlFragment(editor, input, fragment);
  } catch (error) {
    return { ...entry, error: String(error.message) };
  }
  const update = Y.encodeStateAsUpdate(doc);
  const reread = new Y.Doc();
  Y.applyUpdate(reread, update);
  const blocks = json(yXmlFragmentToBlocks(editor, reread.getXmlFragment(FRAGMENT)));
  const again = rewritten(blocks);
  return {
    ...entry,
    tree: tree(fragment),
    update: Buffer.from(update).toString("base64"),
    blocks,
    ...(isDeepStrictEqual(again, blocks) ? {} : { renormalized: again }),
  };
});

const corpus = {
  blocknote: version("@blocknote/core"),
  yjs: version("yjs"),
  fragment: FRAGMENT,
  cases,
};
writeFileSync(new URL("corpus.json", fixtures), JSON.stringify(corpus, null, 2) + "\n");
console.log(`wrote ${cases.length} cases`);
