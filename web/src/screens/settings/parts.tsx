// Pieces the settings lists share: the table with its loading/error/empty states, the Edit
// button of a row and the row that replaces it while it is edited.

import { useState, type ReactNode } from 'react';
import { Busy, ErrorBox, ListStatus } from '../../components/ui';
import { useAction } from './action';

/**
 * A settings list: its query's states, then a table row per entry. With `editor`, the entry
 * being edited (`edit` starts, `done` ends it) shows as its editor row instead.
 */
export function SettingsTable<T extends { id: string }>({
  query,
  empty,
  testId,
  items,
  row,
  editor,
}: {
  query: Parameters<typeof ListStatus>[0]['query'];
  empty: string;
  testId?: string;
  items: T[] | undefined;
  row: (item: T, edit: () => void, index: number) => ReactNode;
  editor?: (item: T, done: () => void) => ReactNode;
}) {
  const [editing, setEditing] = useState<string | null>(null);
  return (
    <>
      <ListStatus query={query} empty={empty} />
      <table className="grid" data-testid={testId}>
        <tbody>
          {items?.map((item, i) =>
            editor && editing === item.id ? editor(item, () => setEditing(null)) : row(item, () => setEditing(item.id), i),
          )}
        </tbody>
      </table>
    </>
  );
}

/** The Edit button of a row; `label` is its accessible name ("Edit status Todo"). */
export function EditButton({ label, onClick }: { label: string; onClick: () => void }) {
  return (
    <button className="btn small ghost" onClick={onClick} aria-label={label}>
      Edit
    </button>
  );
}

/** A row edited in place: its inputs, Save and Cancel on one line; done once saved. */
export function EditorRow({
  project,
  colSpan,
  testId,
  save,
  onDone,
  children,
  notice,
}: {
  project: string;
  colSpan: number;
  testId?: string;
  save: () => Promise<unknown>;
  onDone: () => void;
  children: ReactNode;
  notice?: ReactNode;
}) {
  const { busy, error, run } = useAction(project);
  return (
    <tr data-testid={testId}>
      <td colSpan={colSpan}>
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            run('save', save).then((ok) => ok && onDone());
          }}
        >
          {children}
          <Busy busy={busy === 'save'} className="btn small primary" type="submit">
            Save
          </Busy>
          <button type="button" className="btn small" onClick={onDone}>
            Cancel
          </button>
        </form>
        {notice}
        <ErrorBox error={error} />
      </td>
    </tr>
  );
}
