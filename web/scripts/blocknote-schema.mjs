// The BlockNote editor the cross-check scripts convert with: BlockNote's default schema plus
// Paca's three inline contents (teamMention, taskReference, docReference), headless in Node.
// Corral's converter (actors/src/docs/blocknote/schema.rs) pins the same schema.
import {
  BlockNoteEditor,
  BlockNoteSchema,
  createInlineContentSpec,
  defaultInlineContentSpecs,
} from "@blocknote/core";

/** The Yjs fragment BlockNote's collaboration binds in Corral (not BlockNote's "prosemirror"). */
export const FRAGMENT = "document-store";

// Rendering never happens in Node: the scripts only convert between JSON and Yjs.
const notRendered = {
  render: () => {
    throw new Error("inline contents are not rendered in Node");
  },
};

const teamMention = createInlineContentSpec(
  {
    type: "teamMention",
    propSchema: {
      id: { default: "" },
      name: { default: "Unknown" },
      avatar: { default: undefined, type: "string" },
    },
    content: "none",
  },
  notRendered,
);

const taskReference = createInlineContentSpec(
  {
    type: "taskReference",
    propSchema: {
      id: { default: "" },
      title: { default: "Unknown" },
      status: { default: "open" },
    },
    content: "none",
  },
  notRendered,
);

const docReference = createInlineContentSpec(
  {
    type: "docReference",
    propSchema: {
      id: { default: "" },
      title: { default: "Unknown" },
    },
    content: "none",
  },
  notRendered,
);

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
