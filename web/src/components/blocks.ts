// BlockNote JSON helpers that do not need the editor: plain text and comments with mentions.

export interface Mentionable {
  /** What the server resolves: a user's id, or an agent's id. */
  id: string;
  /** What people type after @: a username or an agent handle. */
  name: string;
  label: string;
  agent: boolean;
}

const PARAGRAPH_PROPS = { textColor: 'default', backgroundColor: 'default', textAlignment: 'left' };

function newBlockId(): string {
  return globalThis.crypto?.randomUUID?.() ?? `b${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`;
}

/** Plain text as paragraphs, one per line. */
function textBlocks(text: string): unknown[] {
  return text.split('\n').map((line) => ({ type: 'paragraph', content: line ? [{ type: 'text', text: line, styles: {} }] : [] }));
}

/**
 * Whatever a content field holds, as BlockNote blocks: the array itself; a JSON string of one
 * (older clients stored it serialized); `{text}` (plain-text comments); `{content: […]}`.
 */
export function asBlocks(doc: unknown): any[] {
  if (Array.isArray(doc)) return doc;
  if (typeof doc === 'string') {
    const t = doc.trim();
    if (t.startsWith('[') || t.startsWith('{')) {
      try {
        const parsed = JSON.parse(t);
        if (parsed && typeof parsed === 'object') return asBlocks(parsed);
      } catch {
        /* plain text after all */
      }
    }
    return doc ? textBlocks(doc) : [];
  }
  if (doc && typeof doc === 'object') {
    const o = doc as Record<string, unknown>;
    if (Array.isArray(o.content)) return o.content;
    if (Array.isArray(o.blocks)) return o.blocks;
    if (typeof o.text === 'string') return textBlocks(o.text);
    if (typeof o.type === 'string') return [o];
  }
  return [];
}

/**
 * A comment's text as BlockNote paragraphs (full blocks, as the editor writes them); `@name` of
 * a known member becomes a `teamMention` node, which the server resolves for notifications
 * and agent triggers.
 */
export function commentDoc(text: string, people: Mentionable[]): unknown[] {
  const byName = new Map(people.map((p) => [p.name.toLowerCase(), p]));
  return text.split('\n').map((line) => {
    const content: unknown[] = [];
    let rest = line;
    const re = /@([A-Za-z0-9._@-]+)/;
    for (;;) {
      const m = re.exec(rest);
      if (!m) break;
      let name = m[1];
      let who = byName.get(name.toLowerCase());
      // Trailing punctuation is not part of the name ("@bob," or "@bob.").
      while (!who && /[.\-_@]$/.test(name)) {
        name = name.slice(0, -1);
        who = byName.get(name.toLowerCase());
      }
      const before = rest.slice(0, m.index);
      if (who) {
        if (before) content.push({ type: 'text', text: before, styles: {} });
        content.push({ type: 'teamMention', props: { id: who.id, name: who.name } });
        rest = rest.slice(m.index + 1 + name.length);
      } else {
        content.push({ type: 'text', text: before + m[0], styles: {} });
        rest = rest.slice(m.index + m[0].length);
      }
    }
    if (rest) content.push({ type: 'text', text: rest, styles: {} });
    return { id: newBlockId(), type: 'paragraph', props: { ...PARAGRAPH_PROPS }, content, children: [] };
  });
}

export interface Piece {
  text: string;
  mention?: boolean;
}

/** One line of pieces per block, for showing BlockNote JSON without the editor. */
export function docLines(raw: unknown): Piece[][] {
  const doc = asBlocks(raw);
  const lines: Piece[][] = [];
  const walk = (blocks: any[]) => {
    for (const b of blocks) {
      const line: Piece[] = [];
      const content = Array.isArray(b?.content) ? b.content : typeof b?.content === 'string' ? [{ text: b.content }] : [];
      for (const n of content) {
        if (n?.type === 'teamMention') line.push({ text: `@${n.props?.name ?? ''}`, mention: true });
        else if (n?.type === 'link')
          line.push({ text: Array.isArray(n.content) ? n.content.map((c: any) => c.text ?? '').join('') : String(n.content ?? n.href ?? '') });
        else if (n?.type === 'taskReference' || n?.type === 'docReference')
          line.push({ text: String(n.props?.label ?? n.props?.title ?? n.props?.name ?? '') });
        else line.push({ text: String(n?.text ?? '') });
      }
      lines.push(line);
      if (Array.isArray(b?.children)) walk(b.children);
    }
  };
  walk(doc);
  return lines;
}

export function docText(doc: unknown): string {
  return docLines(doc)
    .map((l) => l.map((p) => p.text).join(''))
    .join('\n');
}
