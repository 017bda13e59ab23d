// The BlockNote editor the cross-check scripts convert with: BlockNote's default schema plus
// Paca's three inline contents (teamMention, taskReference, docReference), headless in Node.
// The three configs are the web editor's (src/components/docInline.js); Corral's converter
// (actors/src/docs/blocknote/schema.rs) pins the same schema.
import {
  BlockNoteEditor,
  BlockNoteSchema,
  createInlineContentSpec,
  defaultInlineContentSpecs,
} from "@blocknote/core";
import {
  docReferenceConfig,
  taskReferenceConfig,
  teamMentionConfig,
} from "../src/components/docInline.js";

/** The Yjs fragment BlockNote's collaboration binds in Corral (not BlockNote's "prosemirror"). */
export const FRAGMENT = "document-store";

// Rendering never happens in Node: the scripts only convert between JSON and Yjs.
const notRendered = {
  render: () => {
    throw new Error("inline contents are not rendered in Node");
  },
};

const teamMention = createInlineContentSpec(teamMentionConfig, notRendered);
const taskReference = createInlineContentSpec(taskReferenceConfig, notRendered);
const docReference = createInlineContentSpec(docReferenceConfig, notRendered);

export function createEditor() {
  const schema = BlockNoteSchema.create({
    inlineContentSpecs: {
      ...defaultInlineContentSpecs,
      teamMention,
      taskReference,
      docReference,
    },
  });
  return BlockNoteEditor.create({ schema });
}
