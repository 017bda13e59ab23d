// BlockNote editor for task descriptions. Loaded lazily: it is most of the bundle.

import { useEffect, useMemo, useRef } from 'react';
import { useCreateBlockNote } from '@blocknote/react';
import { BlockNoteView } from '@blocknote/mantine';
import '@blocknote/core/fonts/inter.css';
import { asBlocks } from './blocks';
import { useTheme } from '../theme';
import '@blocknote/mantine/style.css';

const BLOCK_TYPES = new Set([
  'paragraph',
  'heading',
  'bulletListItem',
  'numberedListItem',
  'checkListItem',
  'codeBlock',
  'quote',
  'table',
  'image',
  'file',
  'video',
  'audio',
]);

/** Keeps what the default schema knows: unknown blocks become paragraphs, mentions text. */
export function sanitize(raw: unknown): any[] | undefined {
  const doc = asBlocks(raw);
  if (doc.length === 0) return undefined;
  const inline = (content: unknown): unknown => {
    if (!Array.isArray(content)) return content;
    return content.map((n: any) => {
      if (n && n.type === 'teamMention') return { type: 'text', text: `@${n.props?.name ?? ''}`, styles: {} };
      if (n && n.type !== 'text' && n.type !== 'link') return { type: 'text', text: String(n.text ?? ''), styles: {} };
      return n;
    });
  };
  const block = (b: any): any => {
    if (!b || typeof b !== 'object') return { type: 'paragraph', content: String(b ?? '') };
    const known = BLOCK_TYPES.has(b.type);
    return {
      ...(known ? b : { type: 'paragraph', props: {} }),
      content: known && b.type === 'table' ? b.content : inline(b.content),
      children: Array.isArray(b.children) ? b.children.map(block) : [],
    };
  };
  return doc.map(block);
}

export default function RichTextEditor({
  value,
  onChange,
  editable = true,
  onFocus,
}: {
  value: unknown;
  onChange?: (doc: unknown[]) => void;
  editable?: boolean;
  onFocus?: () => void;
}) {
  const initial = useMemo(() => sanitize(value), []); // eslint-disable-line react-hooks/exhaustive-deps
  const editor = useCreateBlockNote({ initialContent: initial, domAttributes: { editor: { 'aria-label': 'Description' } } });
  const theme = useTheme().effective;
  const lastProp = useRef<string>(JSON.stringify(value ?? null));
  const applying = useRef(false);
  // A new saved description (someone else's, or ours after saving) replaces what is shown.
  useEffect(() => {
    const next = JSON.stringify(value ?? null);
    if (next === lastProp.current) return;
    lastProp.current = next;
    if (JSON.stringify(editor.document) === next) return;
    applying.current = true;
    try {
      editor.replaceBlocks(editor.document, sanitize(value) ?? [{ type: 'paragraph' }]);
    } catch {
      /* keep what is shown */
    } finally {
      applying.current = false;
    }
  }, [value, editor]);
  return (
    <div className="rich-text" onFocus={onFocus} data-testid="description-editor">
      <BlockNoteView
        editor={editor}
        editable={editable}
        theme={theme}
        onChange={() => {
          if (!applying.current) onChange?.(editor.document as unknown[]);
        }}
      />
    </div>
  );
}
