// One open document: its title (saved after a pause in typing or on leaving the field), its
// folder, Delete, the live editor, and beside it the comments with the activity feed or the
// history of snapshots. Title and folder are REST (`PATCH …/docs/{id}`); the content is Yjs.

import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router-dom';
import { api } from '../../api/client';
import { keys } from '../../api/queries';
import type { DocSummary } from '../../api/types';
import { ErrorBoundary } from '../../components/ErrorBoundary';
import { useRun } from '../../components/run';
import { ErrorBox, Spinner } from '../../components/ui';
import { useSession } from '../../session';
import { DocFeed } from './DocFeed';
import { folderPath, type Tree } from './folders';
import { FolderSelect } from './FolderTree';
import { History } from './History';

const DocEditor = lazy(() => import('./DocEditor'));

const TYPING_PAUSE_MS = 700;

export function DocPage({ project, doc, tree, canWrite }: { project: string; doc: DocSummary; tree: Tree; canWrite: boolean }) {
  const queries = useQueryClient();
  const navigate = useNavigate();
  const { state } = useSession();
  const user = state.kind === 'signed-in' ? state.user : null;
  const { error, run } = useRun(() => queries.invalidateQueries({ queryKey: keys.docs(project) }));
  const [panel, setPanel] = useState<'activity' | 'history'>('activity');
  const path = `/projects/${project}/docs/${doc.id}`;

  function move(folder: string) {
    void run('move', () => api.patch(path, { folder_id: folder || null }));
  }
  function remove() {
    if (!confirm(`Delete the document "${doc.title}"?`)) return;
    void run('delete', async () => {
      await api.del(path);
      navigate(`/projects/${project}/docs`);
    });
  }

  return (
    <article className="doc-page" data-testid="doc-page" aria-label={`Document ${doc.title}`}>
      <header className="doc-head">
        <Title project={project} doc={doc} canWrite={canWrite} />
        <div className="doc-meta">
          {canWrite ? (
            <FolderSelect tree={tree} value={doc.folder_id ?? ''} onChange={move} label="Folder" />
          ) : (
            <span className="muted">Folder: {folderPath(tree, doc.folder_id) || 'top level'}</span>
          )}
          {canWrite && (
            <button className="btn small ghost" onClick={remove}>
              Delete document
            </button>
          )}
        </div>
      </header>
      <ErrorBox error={error} />
      <div className="doc-body">
        <section className="doc-main" aria-label="Content">
          <ErrorBoundary fallback={(e) => <ErrorBox error={e} />}>
            <Suspense fallback={<Spinner label="Loading the editor…" />}>
              {user && <DocEditor project={project} docId={doc.id} editable={canWrite} me={{ id: user.id, name: user.full_name || user.username }} />}
            </Suspense>
          </ErrorBoundary>
        </section>
        <aside className="doc-side-panel" aria-label="Discussion and history">
          <div className="doc-tabs" role="tablist" aria-label="Panels">
            <button role="tab" id="doc-tab-activity" aria-controls="doc-panel" aria-selected={panel === 'activity'} className={panel === 'activity' ? 'active' : ''} onClick={() => setPanel('activity')}>
              Comments &amp; activity
            </button>
            <button role="tab" id="doc-tab-history" aria-controls="doc-panel" aria-selected={panel === 'history'} className={panel === 'history' ? 'active' : ''} onClick={() => setPanel('history')}>
              History
            </button>
          </div>
          <div role="tabpanel" id="doc-panel" aria-labelledby={`doc-tab-${panel}`}>
            {panel === 'activity' ? <DocFeed project={project} doc={doc} tree={tree} /> : <History project={project} doc={doc} canWrite={canWrite} />}
          </div>
        </aside>
      </div>
    </article>
  );
}

/** The title field: saves after a pause or on leaving; someone else's new title shows unless one is being typed. */
function Title({ project, doc, canWrite }: { project: string; doc: DocSummary; canWrite: boolean }) {
  const queries = useQueryClient();
  const [value, setValue] = useState(doc.title);
  const saved = useRef(doc.title);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const { error, run } = useRun(() => queries.invalidateQueries({ queryKey: keys.docs(project) }));
  useEffect(() => {
    if (timer.current === null && doc.title !== saved.current) {
      saved.current = doc.title;
      setValue(doc.title);
    }
  }, [doc.title]);
  function save(next: string) {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    const title = next.trim();
    if (!title || title === saved.current) return;
    saved.current = title;
    void run('title', () => api.patch(`/projects/${project}/docs/${doc.id}`, { title }));
  }
  // Leaving the document saves what was typed.
  const latest = useRef(value);
  latest.current = value;
  useEffect(() => () => (timer.current ? save(latest.current) : undefined), []); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <div className="doc-title">
      <input
        className="title-input"
        aria-label="Title"
        value={value}
        disabled={!canWrite}
        maxLength={500}
        onChange={(e) => {
          const next = e.target.value;
          setValue(next);
          if (timer.current) clearTimeout(timer.current);
          timer.current = setTimeout(() => save(next), TYPING_PAUSE_MS);
        }}
        onBlur={() => save(value)}
        onKeyDown={(e) => e.key === 'Enter' && save(value)}
      />
      <ErrorBox error={error} />
    </div>
  );
}
