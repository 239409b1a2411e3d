/**
 * An error where it happened: what failed and why in plain words, with the technical detail
 * (code, call, message, detail) one click away. Every page uses it.
 */
import { useId, useState } from 'react';
import { plainMessage, toApiCallError } from '../api/errors.js';

export interface ErrorNoticeProps {
  /** What the user was doing, e.g. "Could not load the tasks". */
  title: string;
  error: unknown;
  onRetry?: () => void;
}

export function ErrorNotice({ title, error, onRetry }: ErrorNoticeProps) {
  const [open, setOpen] = useState(false);
  const detailsId = useId();
  const apiError = toApiCallError(error);
  return (
    <div className="error-notice" role="alert">
      <p className="error-notice__title">{title}</p>
      <p className="error-notice__message">{plainMessage(error)}</p>
      <div className="error-notice__actions">
        {onRetry && (
          <button type="button" onClick={onRetry}>
            Try again
          </button>
        )}
        <button type="button" className="link-button" aria-expanded={open} aria-controls={detailsId} onClick={() => setOpen((o) => !o)}>
          {open ? 'Hide details' : 'Show details'}
        </button>
      </div>
      {open && (
        <dl className="error-notice__details kv" id={detailsId}>
          <dt>Code</dt>
          <dd>
            <code>{apiError.code}</code>
          </dd>
          {apiError.call && (
            <>
              <dt>Call</dt>
              <dd>
                <code>{apiError.call}</code>
              </dd>
            </>
          )}
          <dt>Message</dt>
          <dd>{apiError.message}</dd>
          {apiError.detail && (
            <>
              <dt>Detail</dt>
              <dd>
                <pre className="pre-block">{apiError.detail}</pre>
              </dd>
            </>
          )}
        </dl>
      )}
    </div>
  );
}
