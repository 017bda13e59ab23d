// Paca's three inline contents of documents (mentions, task and document references) as
// BlockNote configs: plain data, shared by the web editor (screens/docs/schema.tsx) and the
// Node scripts that convert with BlockNote (scripts/blocknote-schema.mjs). Corral's converter
// (actors/src/docs/blocknote/schema.rs) pins the same props and defaults; the server refuses
// inline types it does not know, and y-prosemirror deletes nodes the editor's schema cannot read.

export const teamMentionConfig = {
  type: 'teamMention',
  propSchema: {
    id: { default: '' },
    name: { default: 'Unknown' },
    avatar: { default: undefined, type: 'string' },
  },
  content: 'none',
};

export const taskReferenceConfig = {
  type: 'taskReference',
  propSchema: {
    id: { default: '' },
    title: { default: 'Unknown' },
    status: { default: 'open' },
  },
  content: 'none',
};

export const docReferenceConfig = {
  type: 'docReference',
  propSchema: {
    id: { default: '' },
    title: { default: 'Unknown' },
  },
  content: 'none',
};
