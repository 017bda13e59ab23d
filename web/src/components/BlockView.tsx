// Read-only rendering of BlockNote JSON without the editor (comments): headings, lists, check
// lists, quotes, code, tables, files, styled text, links, mentions and task/doc references.
// Anything unknown degrades to its text; nothing is ever shown as raw JSON.

import type { ReactNode } from 'react';
import { asBlocks } from './blocks';

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Only links that cannot run script. */
function safeHref(href: unknown): string | undefined {
  if (typeof href !== 'string') return undefined;
  const h = href.trim();
  if (/^(https?:|mailto:)/i.test(h) || h.startsWith('/') || h.startsWith('#')) return h;
  if (!/^[a-z][a-z0-9+.-]*:/i.test(h) && h) return `https://${h}`;
  return undefined;
}

function styled(text: string, styles: Any, key: number): ReactNode {
  let node: ReactNode = text;
  if (!styles || typeof styles !== 'object') return <span key={key}>{node}</span>;
  if (styles.code) node = <code>{node}</code>;
  if (styles.bold) node = <strong>{node}</strong>;
  if (styles.italic) node = <em>{node}</em>;
  if (styles.underline) node = <u>{node}</u>;
  if (styles.strike || styles.strikethrough) node = <s>{node}</s>;
  return <span key={key}>{node}</span>;
}

function Inline({ content }: { content: unknown }): ReactNode {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return null;
  return content.map((n: Any, i: number) => {
    if (typeof n === 'string') return <span key={i}>{n}</span>;
    switch (n?.type) {
      case 'text':
        return styled(String(n.text ?? ''), n.styles, i);
      case 'link': {
        const href = safeHref(n.href);
        const inner = Array.isArray(n.content) ? <Inline content={n.content} /> : String(n.content ?? n.href ?? '');
        return href ? (
          <a key={i} href={href} target="_blank" rel="noopener noreferrer">
            {inner}
          </a>
        ) : (
          <span key={i}>{inner}</span>
        );
      }
      case 'teamMention':
      case 'mention':
        return (
          <span key={i} className="mention">
            @{n.props?.name ?? n.props?.username ?? n.props?.label ?? ''}
          </span>
        );
      case 'taskReference':
      case 'docReference': {
        const p = n.props ?? {};
        const label = p.label ?? p.title ?? p.name ?? (p.taskNumber != null ? `#${p.taskNumber}` : n.type === 'docReference' ? 'a document' : 'a task');
        return (
          <span key={i} className="reference">
            {String(label)}
          </span>
        );
      }
      default:
        if (typeof n?.text === 'string') return styled(n.text, n.styles, i);
        if (Array.isArray(n?.content)) return <Inline key={i} content={n.content} />;
        return null;
    }
  });
}

function Table({ content }: { content: Any }) {
  const rows: Any[] = Array.isArray(content?.rows) ? content.rows : [];
  return (
    <table className="block-table">
      <tbody>
        {rows.map((r, i) => (
          <tr key={i}>
            {(Array.isArray(r?.cells) ? r.cells : []).map((c: Any, j: number) => (
              <td key={j}>
                <Inline content={Array.isArray(c) ? c : c?.content} />
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Block({ b }: { b: Any }) {
  const props = b?.props ?? {};
  let body: ReactNode;
  switch (b?.type) {
    case 'heading': {
      const level = Math.min(Math.max(Number(props.level) || 1, 1), 3);
      body = (
        <p className={`block-heading h${level}`}>
          <Inline content={b.content} />
        </p>
      );
      break;
    }
    case 'quote':
      body = (
        <blockquote>
          <Inline content={b.content} />
        </blockquote>
      );
      break;
    case 'codeBlock':
      body = (
        <pre className="block-code">
          <code>
            <Inline content={b.content} />
          </code>
        </pre>
      );
      break;
    case 'checkListItem':
      body = (
        <p className="block-check">
          <input type="checkbox" checked={!!props.checked} readOnly disabled aria-label={props.checked ? 'done' : 'not done'} />{' '}
          <Inline content={b.content} />
        </p>
      );
      break;
    case 'table':
      body = <Table content={b.content} />;
      break;
    case 'image':
    case 'file':
    case 'video':
    case 'audio': {
      const href = safeHref(props.url);
      const name = props.name || props.caption || props.url || b.type;
      body = <p>{href ? <a href={href} target="_blank" rel="noopener noreferrer">{String(name)}</a> : String(name)}</p>;
      break;
    }
    default:
      body = (
        <p>
          <Inline content={b?.content} />
        </p>
      );
  }
  return (
    <>
      {body}
      {Array.isArray(b?.children) && b.children.length > 0 && (
        <div className="block-children">
          <Blocks blocks={b.children} />
        </div>
      )}
    </>
  );
}

const LIST: Record<string, 'ul' | 'ol'> = { bulletListItem: 'ul', numberedListItem: 'ol' };

function Blocks({ blocks }: { blocks: Any[] }) {
  // Consecutive list items of one kind form one list.
  const out: ReactNode[] = [];
  for (let i = 0; i < blocks.length; ) {
    const tag = LIST[blocks[i]?.type];
    if (!tag) {
      out.push(<Block key={i} b={blocks[i]} />);
      i++;
      continue;
    }
    const start = i;
    const items: ReactNode[] = [];
    while (i < blocks.length && LIST[blocks[i]?.type] === tag) {
      const b = blocks[i];
      items.push(
        <li key={i}>
          <Inline content={b.content} />
          {Array.isArray(b.children) && b.children.length > 0 && <Blocks blocks={b.children} />}
        </li>,
      );
      i++;
    }
    out.push(tag === 'ul' ? <ul key={start}>{items}</ul> : <ol key={start}>{items}</ol>);
  }
  return <>{out}</>;
}

/** A BlockNote document (or a plain-text comment) shown read-only. */
export function BlockView({ doc, className, testId }: { doc: unknown; className?: string; testId?: string }) {
  const blocks = asBlocks(doc);
  return (
    <div className={`block-view${className ? ` ${className}` : ''}`} data-testid={testId}>
      {blocks.length === 0 ? <p className="muted">(empty)</p> : <Blocks blocks={blocks} />}
    </div>
  );
}
