// A document's comments among its activity (created, renamed, edited, moved, restored), oldest
// first; people comment (@ suggests members; a mention notifies them) and edit or
// delete their own comments. `doc.*` events keep the feed current (realtime/socket.ts).

import { useMemo, useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { keys, useDocActivities, useDocSnapshots, useMembers, useReporterId } from '../../api/queries';
import type { DocActivity, DocSnapshot, DocSummary, Member } from '../../api/types';
import { commentDoc, docText, type Mentionable } from '../../components/blocks';
import { BlockView } from '../../components/BlockView';
import { MentionInput } from '../../components/MentionInput';
import { useRun } from '../../components/run';
import { Busy, ErrorBox, Spinner, fmtTime } from '../../components/ui';
import { folderPath, type Tree } from './folders';

export function DocFeed({ project, doc, tree }: { project: string; doc: DocSummary; tree: Tree }) {
  const queries = useQueryClient();
  const feed = useDocActivities(project, doc.id);
  const members = useMembers(project);
  const snapshots = useDocSnapshots(project, doc.id);
  const me = useReporterId(project);
  const [text, setText] = useState('');
  const refresh = () => queries.invalidateQueries({ queryKey: keys.docActivities(project, doc.id) });
  const { busy, error, run } = useRun(refresh);
  const comments = `/projects/${project}/docs/${doc.id}/comments`;

  // Humans are mentioned by username (agents are not triggered from documents yet).
  const people: Mentionable[] = useMemo(
    () => (members.data ?? []).filter((m) => m.member_type === 'human').map((m) => ({ id: m.user_id, name: m.username, label: m.full_name || m.username, agent: false })),
    [members.data],
  );

  function submit(e?: FormEvent) {
    e?.preventDefault();
    if (!text.trim()) return;
    void run('comment', () => api.post(comments, { content: commentDoc(text.trim(), people) })).then((ok) => ok && setText(''));
  }

  const memberById = new Map((members.data ?? []).map((m) => [m.id, m]));
  const items = [...(feed.data ?? [])].sort((a, b) => a.created_at.localeCompare(b.created_at));
  return (
    <div className="section doc-feed">
      {feed.isPending && <Spinner />}
      <ErrorBox error={feed.error} onRetry={() => feed.refetch()} />
      {feed.isSuccess && items.length === 0 && <div className="muted">No activity yet.</div>}
      <ol className="feed" data-testid="doc-feed">
        {items.map((a) => (
          <FeedItem
            key={a.id}
            a={a}
            mine={!!me && a.actor_id === me}
            memberById={memberById}
            snapshots={snapshots.data}
            tree={tree}
            people={people}
            url={`${comments}/${a.id}`}
            onChanged={refresh}
          />
        ))}
      </ol>
      <form onSubmit={submit} className="comment-form">
        <MentionInput label="Comment" placeholder="Write a comment… use @ to mention someone" value={text} onChange={setText} people={people} onSubmit={() => submit()} />
        <ErrorBox error={error} />
        <Busy busy={busy !== null} className="btn primary" type="submit" disabled={!text.trim()}>
          Comment
        </Busy>
      </form>
    </div>
  );
}

function FeedItem({
  a,
  mine,
  memberById,
  snapshots,
  tree,
  people,
  url,
  onChanged,
}: {
  a: DocActivity;
  mine: boolean;
  memberById: Map<string, Member>;
  snapshots: DocSnapshot[] | undefined;
  tree: Tree;
  people: Mentionable[];
  url: string;
  onChanged: () => Promise<unknown>;
}) {
  const [editing, setEditing] = useState<string | null>(null);
  const { busy, error, run } = useRun(onChanged);
  const actor = a.actor_name || a.actor_username || (a.actor_id ? memberById.get(a.actor_id)?.full_name : '') || 'Someone';
  const isComment = a.activity_type === 'comment';

  function save(e?: FormEvent) {
    e?.preventDefault();
    if (editing === null || !editing.trim()) return;
    void run('edit', () => api.patch(url, { content: commentDoc(editing.trim(), people) })).then((ok) => ok && setEditing(null));
  }
  function remove() {
    if (confirm('Delete your comment?')) void run('delete', () => api.del(url));
  }

  return (
    <li className={`feed-item${isComment ? ' is-comment' : ''}`} data-activity-type={a.activity_type}>
      <div className="feed-head">
        <strong>{actor}</strong>
        <span className="muted small">{fmtTime(a.created_at)}</span>
        {isComment && mine && editing === null && (
          <>
            <button className="btn ghost small" onClick={() => setEditing(docText(a.content))}>
              Edit
            </button>
            <button className="btn ghost small" onClick={remove} aria-label="Delete comment">
              Delete
            </button>
          </>
        )}
      </div>
      {isComment && editing !== null ? (
        <form className="comment-form" onSubmit={save}>
          <MentionInput label="Edit comment" value={editing} onChange={setEditing} people={people} onSubmit={() => save()} autoFocus />
          <div className="actions">
            <button type="button" className="btn small" onClick={() => setEditing(null)}>
              Cancel
            </button>
            <Busy busy={busy === 'edit'} className="btn small primary" type="submit" disabled={!editing.trim()}>
              Save
            </Busy>
          </div>
        </form>
      ) : isComment ? (
        <BlockView doc={a.content} className="comment" testId="comment" />
      ) : (
        <div className="muted">{describe(a, memberById, snapshots, tree)}</div>
      )}
      <ErrorBox error={error} />
    </li>
  );
}

/** An event of the feed in words (Paca's activity types and content). */
function describe(a: DocActivity, memberById: Map<string, Member>, snapshots: DocSnapshot[] | undefined, tree: Tree): string {
  const c = (a.content ?? {}) as any;
  const changes: any[] = Array.isArray(c.changes) ? c.changes : [];
  const folder = (id: unknown) => (id ? (folderPath(tree, String(id)) ? `"${folderPath(tree, String(id))}"` : 'a deleted folder') : 'the top level');
  switch (a.activity_type) {
    case 'doc.created':
      return 'created the document';
    case 'doc.moved': {
      const ch = changes.find((x) => x.field === 'folder_id') ?? {};
      return `moved it from ${folder(ch.old)} to ${folder(ch.new)}`;
    }
    case 'doc.updated': {
      const parts: string[] = [];
      if (c.restored_from) {
        const n = snapshots?.find((s) => s.id === c.restored_from)?.snapshot_number;
        parts.push(n ? `restored version ${n}` : 'restored an earlier version');
      }
      for (const ch of changes) {
        if (ch.field === 'title') parts.push(`renamed it from "${ch.old}" to "${ch.new}"`);
        else if (ch.field === 'content' && !c.restored_from) parts.push('edited the content');
      }
      const editors: string[] = Array.isArray(c.editors) ? c.editors.map((id: string) => memberById.get(id)?.full_name || memberById.get(id)?.username).filter(Boolean) : [];
      if (editors.length > 1) parts.push(`with ${editors.slice(1).join(', ')}`);
      return parts.length ? parts.join('; ') : 'updated the document';
    }
    default:
      return a.activity_type.replace(/[._]/g, ' ');
  }
}
