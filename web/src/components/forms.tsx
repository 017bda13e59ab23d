// Form pieces several screens share: a dialog with a form, its Cancel / submit row, and the
// one-line "add" form under a list.

import type { FormEvent, ReactNode } from 'react';
import { Busy, ErrorBox, Modal } from './ui';

const submitted = (onSubmit: () => unknown) => (e: FormEvent) => {
  e.preventDefault();
  onSubmit();
};

/** Cancel, then the primary submit button that shows progress. */
export function FormActions({ busy, submitLabel, onCancel }: { busy: boolean; submitLabel: ReactNode; onCancel: () => void }) {
  return (
    <div className="actions">
      <button type="button" className="btn" onClick={onCancel}>
        Cancel
      </button>
      <Busy busy={busy} className="btn primary" type="submit">
        {submitLabel}
      </Busy>
    </div>
  );
}

/** A dialog holding one form: its fields, the error of the last attempt, Cancel and submit. */
export function ModalForm({
  title,
  onClose,
  onSubmit,
  busy,
  error,
  submitLabel,
  children,
}: {
  title: string;
  onClose: () => void;
  onSubmit: () => unknown;
  busy: boolean;
  error: unknown;
  submitLabel: ReactNode;
  children: ReactNode;
}) {
  return (
    <Modal title={title} onClose={onClose}>
      <form className="form" onSubmit={submitted(onSubmit)}>
        {children}
        <ErrorBox error={error} />
        <FormActions busy={busy} submitLabel={submitLabel} onCancel={onClose} />
      </form>
    </Modal>
  );
}

/** The one-line form under a list that adds an entry. */
export function AddForm({
  onSubmit,
  busy,
  submitLabel,
  buttonClassName = 'btn',
  children,
}: {
  onSubmit: () => unknown;
  busy: boolean;
  submitLabel: ReactNode;
  buttonClassName?: string;
  children: ReactNode;
}) {
  return (
    <form className="inline-form" onSubmit={submitted(onSubmit)}>
      {children}
      <Busy busy={busy} className={buttonClassName} type="submit">
        {submitLabel}
      </Busy>
    </form>
  );
}
