// A project's documents: the folder tree on the left, the open document on the right
// (`/projects/:pid/docs/:docId`). On a phone the tree folds away while a document is open.

import { useEffect, useMemo, useState } from 'react';
import { useParams } from 'react-router-dom';
import { useDocFolders, useDocs } from '../../api/queries';
import { ErrorBox, Spinner } from '../../components/ui';
import { PROJECT_KEYS, useProjectGrants } from '../../permissions';
import { DocPage } from './DocPage';
import { buildTree } from './folders';
import { FolderTree } from './FolderTree';

export function DocsScreen() {
  const { pid = '', docId } = useParams();
  const folders = useDocFolders(pid);
  const docs = useDocs(pid);
  const canWrite = useProjectGrants(pid).can(PROJECT_KEYS.docsWrite);
  const tree = useMemo(() => buildTree(folders.data ?? [], docs.data ?? []), [folders.data, docs.data]);
  const doc = docId ? docs.data?.find((d) => d.id === docId) : undefined;
  const [current, setCurrent] = useState('');
  // Opening a document makes its folder the current one.
  useEffect(() => {
    if (doc) setCurrent(doc.folder_id ?? '');
  }, [doc?.id, doc?.folder_id]); // eslint-disable-line react-hooks/exhaustive-deps
  const [treeShown, setTreeShown] = useState(false);
  useEffect(() => setTreeShown(false), [docId]);

  return (
    <div className={`docs-screen${docId ? ' has-doc' : ''}${treeShown ? ' tree-shown' : ''}`}>
      <div className="docs-side">
        {docId && (
          <button className="btn small docs-tree-toggle" aria-expanded={treeShown} onClick={() => setTreeShown((s) => !s)}>
            {treeShown ? 'Hide documents' : 'All documents'}
          </button>
        )}
        {(folders.isPending || docs.isPending) && <Spinner />}
        <ErrorBox error={folders.error ?? docs.error} onRetry={() => void Promise.all([folders.refetch(), docs.refetch()])} />
        {folders.isSuccess && docs.isSuccess && <FolderTree project={pid} tree={tree} canWrite={canWrite} current={current} onCurrent={setCurrent} />}
      </div>
      <div className="docs-main">
        {!docId && (
          <div className="empty">
            <strong>Documents</strong>
            <div className="muted">
              {canWrite ? 'Open a document from the list, or create one: everyone editing it sees the others type.' : 'Open a document from the list.'}
            </div>
          </div>
        )}
        {docId && docs.isSuccess && !doc && <ErrorBox error={new Error('This document does not exist or has been deleted.')} />}
        {docId && doc && <DocPage key={doc.id} project={pid} doc={doc} tree={tree} canWrite={canWrite} />}
      </div>
    </div>
  );
}
