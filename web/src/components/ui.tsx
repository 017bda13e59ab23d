// Small building blocks every screen uses: loading, errors, empty states, dialogs.

import { useEffect, type ReactNode } from 'react';
import { errorText } from '../api/client';

export function Spinner({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="spinner" role="status" aria-live="polite">
      <span className="spinner-dot" /> {label}
    </div>
  );
}

export function ErrorBox({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  if (!error) return null;
  return (
    <div className="error-box" role="alert">
      <span>{errorText(error)}</span>
      {onRetry && (
        <button className="btn small" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty" data-testid="empty-state">
      <strong>{title}</strong>
      {children && <div className="muted">{children}</div>}
    </div>
  );
}

export function Modal({
  title,
  onClose,
  children,
  wide,
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  wide?: boolean;
}) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className={`modal${wide ? ' wide' : ''}`} role="dialog" aria-label={title}>
        <div className="modal-head">
          <h2>{title}</h2>
          <button className="btn ghost" aria-label="Close" onClick={onClose}>
            ×
          </button>
        </div>
        {children}
      </div>
    </div>
  );
}

/** A submit button that shows progress while its action runs. */
export function Busy({ busy, children, ...rest }: { busy: boolean; children: ReactNode } & React.ButtonHTMLAttributes<HTMLButtonElement>) {
  return (
    <button {...rest} disabled={busy || rest.disabled} aria-busy={busy}>
      {busy ? <span className="spinner-dot" /> : null}
      {children}
    </button>
  );
}

export function fmtDate(s?: string | null): string {
  if (!s) return '';
  return s.slice(0, 10);
}

export function fmtTime(s?: string | null): string {
  if (!s) return '';
  const d = new Date(s);
  return d.toLocaleString();
}

/** A size for people: "820 B", "12.4 KB", "6.3 MB" (powers of 1000, as the units say). */
export function fmtBytes(n: number): string {
  if (!Number.isFinite(n) || n < 1000) return `${Number.isFinite(n) ? n : 0} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1000;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** A list query's states: loading, its error (with a retry) and, once loaded, "nothing yet". */
export function ListStatus({
  query,
  empty,
}: {
  query: { isPending: boolean; isSuccess: boolean; error: unknown; data?: unknown[]; refetch: () => unknown };
  empty: string;
}) {
  return (
    <>
      {query.isPending && <Spinner />}
      <ErrorBox error={query.error} onRetry={() => query.refetch()} />
      {query.isSuccess && query.data?.length === 0 && <Empty title={empty} />}
    </>
  );
}

/** A small row button that deletes, after a confirmation when `confirmText` is given. */
export function DeleteButton({ confirmText, onDelete }: { confirmText?: string; onDelete: () => unknown }) {
  return (
    <button className="btn small ghost" onClick={() => (confirmText === undefined || confirm(confirmText)) && onDelete()}>
      Delete
    </button>
  );
}

/** One `<option>` per entry of a list, valued by its id. */
export function Options<T extends { id: string }>({ items, label }: { items: T[] | undefined; label: (item: T) => string }) {
  return (
    <>
      {items?.map((item) => (
        <option key={item.id} value={item.id}>
          {label(item)}
        </option>
      ))}
    </>
  );
}
