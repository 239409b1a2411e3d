/**
 * A modal form in a native <dialog>: Esc or Cancel closes it, Tab stays inside, the first field
 * has the focus, the error of the last submit is shown above the buttons.
 */
import { useEffect, useId, useRef, type FormEvent, type ReactNode } from 'react';
import { ErrorNotice } from './ErrorNotice.js';

export interface FormDialogProps {
  open: boolean;
  title: string;
  submitLabel: string;
  /** The submit button's words while busy (default "Saving…"). */
  busyLabel?: string;
  busy: boolean;
  /** False while the form is not complete (the submit button is disabled). */
  ready?: boolean;
  error: unknown;
  errorTitle: string;
  onSubmit: () => void;
  onClose: () => void;
  children: ReactNode;
}

export function FormDialog({ open, title, submitLabel, busyLabel = 'Saving…', busy, ready = true, error, errorTitle, onSubmit, onClose, children }: FormDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      dialog.showModal();
      dialog.querySelector<HTMLElement>('input:not([disabled]), textarea, select')?.focus();
    } else if (!open && dialog.open) dialog.close();
  }, [open]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSubmit();
  };
  return (
    <dialog ref={ref} className="dialog dialog--wide" aria-labelledby={titleId} onCancel={(e) => (e.preventDefault(), onClose())}>
      <form onSubmit={submit} className="stack" noValidate>
        <h2 id={titleId}>{title}</h2>
        {children}
        {error != null && <ErrorNotice title={errorTitle} error={error} />}
        <div className="dialog__actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy || !ready}>
            {busy ? busyLabel : submitLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
