// The documents pane: folders as a tree with their documents, the top-level documents after
// them. A click on a folder opens or closes it and makes it the current one: new documents and
// folders go into it, and its row offers Rename, Move and Delete to people with `docs.write`.

import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { NavLink, useNavigate } from 'react-router-dom';
import { api } from '../../api/client';
import { keys } from '../../api/queries';
import type { DocFolder, DocSummary } from '../../api/types';
import { ModalForm } from '../../components/forms';
import { useRun } from '../../components/run';
import { ErrorBox } from '../../components/ui';
import { folderOptions, folderPath, subtree, type Tree } from './folders';

type Dialog = { kind: 'new-folder' } | { kind: 'new-doc' } | { kind: 'rename'; folder: DocFolder } | { kind: 'move'; folder: DocFolder };

export function FolderTree({
  project,
  tree,
  canWrite,
  current,
  onCurrent,
}: {
  project: string;
  tree: Tree;
  canWrite: boolean;
  /** The current folder ('' for the top level). */
  current: string;
  onCurrent: (folder: string) => void;
}) {
  const queries = useQueryClient();
  // Folders opened, and folders closed that would otherwise show open (the current folder and
  // the ones above it open by themselves, so that an open document is in view).
  const [open, setOpen] = useState<Set<string>>(() => new Set());
  const [closed, setClosed] = useState<Set<string>>(() => new Set());
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const { error, run } = useRun(() => queries.invalidateQueries({ queryKey: keys.docFolders(project) }));

  const isOpen = (id: string) => open.has(id) || (current !== '' && !closed.has(id) && subtree(tree, id).has(current));
  // A click opens a folder and makes it the current one; a click on the current open folder closes it.
  const toggle = (f: DocFolder) => {
    const closing = current === f.id && isOpen(f.id);
    const nextOpen = new Set(open);
    const nextClosed = new Set(closed);
    if (closing) {
      nextOpen.delete(f.id);
      nextClosed.add(f.id);
    } else {
      nextOpen.add(f.id);
      nextClosed.delete(f.id);
    }
    setOpen(nextOpen);
    setClosed(nextClosed);
    onCurrent(f.id);
  };

  function remove(f: DocFolder) {
    const below = subtree(tree, f.id);
    const docs = [...below].flatMap((id) => tree.docs.get(id) ?? []);
    const folders = below.size - 1;
    const message =
      `Delete the folder "${f.name}"${folders ? ` and the ${folders} folder${folders > 1 ? 's' : ''} in it` : ''}?` +
      (docs.length ? ` Its documents move to the top level: ${docs.map((d) => d.title).join(', ')}.` : '');
    if (!confirm(message)) return;
    void run('delete', async () => {
      await api.del(`/projects/${project}/docs/folders/${f.id}`);
      if (below.has(current)) onCurrent('');
      await queries.invalidateQueries({ queryKey: keys.docs(project) });
    });
  }

  const folderRow = (f: DocFolder, depth: number) => {
    const expanded = isOpen(f.id);
    const selected = current === f.id;
    const kids = tree.children.get(f.id) ?? [];
    const docs = tree.docs.get(f.id) ?? [];
    return (
      <li key={f.id} data-testid="doc-folder" data-name={f.name}>
        <div className={`doc-folder-row${selected ? ' current' : ''}`} style={{ paddingLeft: depth * 14 }}>
          <button className="doc-folder-toggle" aria-expanded={expanded} aria-current={selected ? 'true' : undefined} onClick={() => toggle(f)}>
            <span className="doc-caret" aria-hidden="true">
              {expanded ? '▾' : '▸'}
            </span>
            {f.name}
          </button>
          {selected && canWrite && (
            <span className="doc-folder-actions">
              <button className="btn small ghost" aria-label={`Rename folder ${f.name}`} onClick={() => setDialog({ kind: 'rename', folder: f })}>
                Rename
              </button>
              <button className="btn small ghost" aria-label={`Move folder ${f.name}`} onClick={() => setDialog({ kind: 'move', folder: f })}>
                Move
              </button>
              <button className="btn small ghost" aria-label={`Delete folder ${f.name}`} onClick={() => remove(f)}>
                Delete
              </button>
            </span>
          )}
        </div>
        {expanded && (
          <ul className="doc-tree-list">
            {kids.map((k) => folderRow(k, depth + 1))}
            {docs.map((d) => docRow(d, depth + 1))}
            {kids.length === 0 && docs.length === 0 && (
              <li className="muted small" style={{ paddingLeft: (depth + 1) * 14 + 22 }}>
                Empty folder
              </li>
            )}
          </ul>
        )}
      </li>
    );
  };

  const docRow = (d: DocSummary, depth: number) => (
    <li key={d.id} data-testid="doc-item" data-title={d.title}>
      <NavLink className="doc-link" to={`/projects/${project}/docs/${d.id}`} style={{ paddingLeft: depth * 14 + 22 }}>
        {d.title}
      </NavLink>
    </li>
  );

  const top = tree.children.get('') ?? [];
  const loose = tree.docs.get('') ?? [];
  return (
    <nav className="doc-tree" aria-label="Documents" data-testid="doc-tree">
      <div className="doc-tree-head">
        <button className={`doc-folder-toggle${current === '' ? ' current' : ''}`} aria-current={current === '' ? 'true' : undefined} onClick={() => onCurrent('')}>
          All documents
        </button>
        {canWrite && (
          <span className="doc-tree-actions">
            <button className="btn small" onClick={() => setDialog({ kind: 'new-doc' })}>
              New document
            </button>
            <button className="btn small" onClick={() => setDialog({ kind: 'new-folder' })}>
              New folder
            </button>
          </span>
        )}
      </div>
      <ErrorBox error={error} />
      <ul className="doc-tree-list">
        {top.map((f) => folderRow(f, 0))}
        {loose.map((d) => docRow(d, 0))}
      </ul>
      {top.length === 0 && loose.length === 0 && <p className="muted small">No documents yet.</p>}
      {dialog?.kind === 'new-folder' && <NewFolder project={project} tree={tree} parent={current} onClose={() => setDialog(null)} onCreated={onCurrent} />}
      {dialog?.kind === 'new-doc' && <NewDocument project={project} tree={tree} folder={current} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'rename' && <RenameFolder project={project} folder={dialog.folder} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'move' && <MoveFolder project={project} tree={tree} folder={dialog.folder} onClose={() => setDialog(null)} />}
    </nav>
  );
}

/** A folder `<select>`: the top level, then every folder by its path. */
export function FolderSelect({
  tree,
  value,
  onChange,
  label,
  except,
  top = 'Top level',
}: {
  tree: Tree;
  value: string;
  onChange: (id: string) => void;
  label: string;
  except?: Set<string>;
  top?: string;
}) {
  return (
    <label>
      {label}
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{top}</option>
        {folderOptions(tree, except).map((o) => (
          <option key={o.id} value={o.id}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Runs a dialog's change, refreshes the folders and documents, and closes it. */
function useDialogRun(project: string, onClose: () => void) {
  const queries = useQueryClient();
  const { busy, error, run } = useRun(() =>
    Promise.all([queries.invalidateQueries({ queryKey: keys.docFolders(project) }), queries.invalidateQueries({ queryKey: keys.docs(project) })]),
  );
  return { busy: busy !== null, error, submit: (fn: () => Promise<unknown>) => run('save', fn).then((ok) => ok && onClose()) };
}

function NewFolder({ project, tree, parent, onClose, onCreated }: { project: string; tree: Tree; parent: string; onClose: () => void; onCreated: (id: string) => void }) {
  const [name, setName] = useState('');
  const [under, setUnder] = useState(parent);
  const { busy, error, submit } = useDialogRun(project, onClose);
  return (
    <ModalForm
      title="New folder"
      onClose={onClose}
      busy={busy}
      error={error}
      submitLabel="Create folder"
      onSubmit={() =>
        submit(async () => {
          const f = await api.post<DocFolder>(`/projects/${project}/docs/folders`, { name, parent_id: under || null });
          onCreated(f.id);
        })
      }
    >
      <label>
        Name
        <input value={name} onChange={(e) => setName(e.target.value)} required autoFocus maxLength={255} />
      </label>
      <FolderSelect tree={tree} value={under} onChange={setUnder} label="Inside" />
    </ModalForm>
  );
}

function NewDocument({ project, tree, folder, onClose }: { project: string; tree: Tree; folder: string; onClose: () => void }) {
  const navigate = useNavigate();
  const [title, setTitle] = useState('');
  const [into, setInto] = useState(folder);
  const { busy, error, submit } = useDialogRun(project, onClose);
  return (
    <ModalForm
      title="New document"
      onClose={onClose}
      busy={busy}
      error={error}
      submitLabel="Create document"
      onSubmit={() =>
        submit(async () => {
          const d = await api.post<DocSummary>(`/projects/${project}/docs`, { title: title.trim() || 'Untitled', folder_id: into || null });
          navigate(`/projects/${project}/docs/${d.id}`);
        })
      }
    >
      <label>
        Title
        <input value={title} onChange={(e) => setTitle(e.target.value)} placeholder="Untitled" autoFocus maxLength={500} />
      </label>
      <FolderSelect tree={tree} value={into} onChange={setInto} label="Folder" />
    </ModalForm>
  );
}

function RenameFolder({ project, folder, onClose }: { project: string; folder: DocFolder; onClose: () => void }) {
  const [name, setName] = useState(folder.name);
  const { busy, error, submit } = useDialogRun(project, onClose);
  return (
    <ModalForm
      title={`Rename folder ${folder.name}`}
      onClose={onClose}
      busy={busy}
      error={error}
      submitLabel="Rename"
      onSubmit={() => submit(() => api.patch(`/projects/${project}/docs/folders/${folder.id}`, { name }))}
    >
      <label>
        Name
        <input value={name} onChange={(e) => setName(e.target.value)} required autoFocus maxLength={255} />
      </label>
    </ModalForm>
  );
}

function MoveFolder({ project, tree, folder, onClose }: { project: string; tree: Tree; folder: DocFolder; onClose: () => void }) {
  const [parent, setParent] = useState(folder.parent_id ?? '');
  const { busy, error, submit } = useDialogRun(project, onClose);
  // Not into itself or a folder inside it (the server refuses cycles too).
  const except = subtree(tree, folder.id);
  return (
    <ModalForm
      title={`Move folder ${folder.name}`}
      onClose={onClose}
      busy={busy}
      error={error}
      submitLabel="Move"
      onSubmit={() => submit(() => api.patch(`/projects/${project}/docs/folders/${folder.id}`, { parent_id: parent || null }))}
    >
      <p className="muted">Now in: {folderPath(tree, folder.parent_id) || 'the top level'}</p>
      <FolderSelect tree={tree} value={parent} onChange={setParent} label="Move into" except={except} />
    </ModalForm>
  );
}
