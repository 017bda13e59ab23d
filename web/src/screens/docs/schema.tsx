// The documents' BlockNote schema: BlockNote's defaults plus Paca's three inline contents
// (their configs are shared with the Node scripts: components/docInline.js), rendered as a
// mention, a task reference and a link to the referenced document.

import { BlockNoteSchema, defaultInlineContentSpecs } from '@blocknote/core';
import { createReactInlineContentSpec } from '@blocknote/react';
import { docReferenceConfig, taskReferenceConfig, teamMentionConfig } from '../../components/docInline.js';

const teamMention = createReactInlineContentSpec(teamMentionConfig, {
  render: ({ inlineContent }) => <span className="mention">@{inlineContent.props.name}</span>,
});

const taskReference = createReactInlineContentSpec(taskReferenceConfig, {
  render: ({ inlineContent }) => (
    <span className="reference" title={`Task (${inlineContent.props.status})`}>
      {inlineContent.props.title}
    </span>
  ),
});

/** The referenced document's address in the project shown now. */
function docHref(id: string): string | undefined {
  const project = /^\/projects\/([^/]+)\//.exec(window.location.pathname)?.[1];
  return project && id ? `/projects/${project}/docs/${id}` : undefined;
}

const docReference = createReactInlineContentSpec(docReferenceConfig, {
  render: ({ inlineContent }) => {
    const href = docHref(inlineContent.props.id);
    return href ? (
      <a className="reference" href={href}>
        {inlineContent.props.title}
      </a>
    ) : (
      <span className="reference">{inlineContent.props.title}</span>
    );
  },
});

export const docSchema = BlockNoteSchema.create({
  inlineContentSpecs: { ...defaultInlineContentSpecs, teamMention, taskReference, docReference },
});
