// A document's history: its snapshots, newest first (each the state before a burst of editing,
// or before a restore), one shown read-only, and Restore, which brings it back as a new edit
// that everyone editing sees arrive.

import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { keys, useDocSnapshots } from '../../api/queries';
import type { DocSnapshot, DocSummary } from '../../api/types';
import { BlockView } from '../../components/BlockView';
import { useRun } from '../../components/run';
import { Busy, ErrorBox, ListStatus, fmtTime } from '../../components/ui';

export function History({ project, doc, canWrite }: { project: string; doc: DocSummary; canWrite: boolean }) {
  const queries = useQueryClient();
  const snapshots = useDocSnapshots(project, doc.id);
  const [shown, setShown] = useState<string | null>(null);
  const { busy, error, run } = useRun(() =>
    Promise.all([
      queries.invalidateQueries({ queryKey: keys.docSnapshots(project, doc.id) }),
      queries.invalidateQueries({ queryKey: keys.docs(project) }),
      queries.invalidateQueries({ queryKey: keys.docActivities(project, doc.id) }),
    ]),
  );
  const snapshot = snapshots.data?.find((s) => s.id === shown);

  function restore(s: DocSnapshot) {
    if (!confirm(`Restore version ${s.snapshot_number} of "${doc.title}"? What the document holds now is kept as a version of its own.`)) return;
    void run('restore', () => api.post(`/projects/${project}/docs/${doc.id}/snapshots/${s.id}/restore`)).then((ok) => ok && setShown(null));
  }

  return (
    <div className="section doc-history" data-testid="doc-history">
      <ListStatus query={snapshots} empty="No earlier versions yet." />
      <ErrorBox error={error} />
      <ol className="snapshot-list">
        {snapshots.data?.map((s) => (
          <li key={s.id} data-testid="snapshot" data-number={s.snapshot_number} className={s.id === shown ? 'current' : ''}>
            <button className="link-button" aria-expanded={s.id === shown} onClick={() => setShown(s.id === shown ? null : s.id)}>
              Version {s.snapshot_number}
            </button>
            <span className="muted small">
              {s.created_by_name ?? 'Someone'} · {fmtTime(s.created_at)}
            </span>
          </li>
        ))}
      </ol>
      {snapshot && (
        <div className="snapshot-view" data-testid="snapshot-view">
          <div className="section-head">
            <h3>
              Version {snapshot.snapshot_number}: {snapshot.title}
            </h3>
            {canWrite && (
              <Busy busy={busy === 'restore'} className="btn small primary" onClick={() => restore(snapshot)}>
                Restore this version
              </Busy>
            )}
          </div>
          <BlockView doc={snapshot.content} />
        </div>
      )}
    </div>
  );
}
