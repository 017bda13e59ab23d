// The folder tree as the screens need it: children by parent, the path of a folder ("Specs /
// API"), a folder's sub-tree (what a delete takes, where a move may not go).

import type { DocFolder, DocSummary } from '../../api/types';

export interface Tree {
  /** Folders by parent id ('' for the top level), in the server's order. */
  children: Map<string, DocFolder[]>;
  byId: Map<string, DocFolder>;
  /** Documents by folder id ('' for the top level), by title. */
  docs: Map<string, DocSummary[]>;
}

export function buildTree(folders: DocFolder[], docs: DocSummary[]): Tree {
  const byId = new Map(folders.map((f) => [f.id, f]));
  const children = new Map<string, DocFolder[]>();
  for (const f of folders) {
    // A folder whose parent is not in the list (a stale read) shows at the top level.
    const parent = f.parent_id && byId.has(f.parent_id) ? f.parent_id : '';
    children.set(parent, [...(children.get(parent) ?? []), f]);
  }
  const byFolder = new Map<string, DocSummary[]>();
  for (const d of docs) {
    const folder = d.folder_id && byId.has(d.folder_id) ? d.folder_id : '';
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), d]);
  }
  for (const list of byFolder.values()) list.sort((a, b) => a.position - b.position || a.title.localeCompare(b.title));
  return { children, byId, docs: byFolder };
}

/** "Specs / API": the folder's name after its ancestors'. */
export function folderPath(tree: Tree, id: string | undefined): string {
  const names: string[] = [];
  const seen = new Set<string>();
  for (let f = id ? tree.byId.get(id) : undefined; f && !seen.has(f.id); f = f.parent_id ? tree.byId.get(f.parent_id) : undefined) {
    seen.add(f.id);
    names.unshift(f.name);
  }
  return names.join(' / ');
}

/** The folder and every folder below it. */
export function subtree(tree: Tree, id: string): Set<string> {
  const out = new Set<string>();
  const walk = (f: string) => {
    if (out.has(f)) return;
    out.add(f);
    for (const c of tree.children.get(f) ?? []) walk(c.id);
  };
  walk(id);
  return out;
}

/** Every folder depth-first (as the tree shows them), with its path, for `<select>`s. */
export function folderOptions(tree: Tree, except?: Set<string>): { id: string; label: string }[] {
  const out: { id: string; label: string }[] = [];
  const walk = (parent: string) => {
    for (const f of tree.children.get(parent) ?? []) {
      if (except?.has(f.id)) continue;
      out.push({ id: f.id, label: folderPath(tree, f.id) });
      walk(f.id);
    }
  };
  walk('');
  return out;
}
