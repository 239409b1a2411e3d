/**
 * One task in full: prompt, live output while it runs, result, error, the run record (artifact),
 * and the retry / cancel actions. Fetched with tasks.get and refreshed by its events.
 */
import { forwardRef } from 'react';
import { useTask } from '../../api/queries.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { StatusBadge } from '../../components/StatusBadge.js';
import { formatTime } from '../../lib/format.js';
import { ArtifactView } from './ArtifactView.js';
import { LiveOutput } from './LiveOutput.js';
import { EarlierAttempts, WaitNotice } from './TaskNotices.js';
import { canCancel, canRetry, type TaskActions } from './useTaskActions.js';
import { CheckList, checksVerdict } from '../../components/Checks.js';

export interface TaskDetailProps {
  taskId: number;
  actions: TaskActions;
  /** Esc and the Close button: deselect, back to the table. */
  onClose: () => void;
  /** The run's label (or null) by run id, for the runs the page knows. */
  runLabel: (runId: string) => string | null;
}

export const TaskDetail = forwardRef<HTMLElement, TaskDetailProps>(function TaskDetail({ taskId, actions, onClose, runLabel }, ref) {
  const { data, error, isPending, refetch } = useTask(taskId);
  const pendingAction = actions.retry.isPending || actions.cancel.isPending;
  const actionError = (actions.retry.variables === taskId ? actions.retry.error : null) ?? (actions.cancel.variables === taskId ? actions.cancel.error : null);
  return (
    <aside
      className="task-detail"
      ref={ref}
      tabIndex={-1}
      aria-labelledby="task-detail-title"
      data-testid="task-detail"
      onKeyDown={(e) => {
        if (e.key !== 'Escape') return;
        e.preventDefault();
        onClose();
      }}
    >
      <div className="task-detail__head">
        <h2 id="task-detail-title">Task {taskId}</h2>
        <button type="button" onClick={onClose} >
          Close
        </button>
      </div>
      {isPending && <p className="muted">Loading…</p>}
      {error && <ErrorNotice title={`Could not load task ${taskId}`} error={error} onRetry={() => void refetch()} />}
      {data && (
        <>
          <dl className="kv">
            <dt>Status</dt>
            <dd><StatusBadge status={data.task.status} /> {data.checks && checksVerdict(data.checks) && <span className={`status ${data.checks.some((c) => !c.pass && !c.pending) ? 'status--failed' : 'status--leased'}`} data-testid="checks-verdict">{checksVerdict(data.checks)}</span>} {data.task.attempts > 0 && <span className="muted">attempt {data.task.attempts}{data.task.max_attempts ? ` of ${data.task.max_attempts}` : ''}</span>}</dd>
            <dt>Backend</dt>
            <dd>{data.task.backend ?? 'any agent'}</dd>
            {data.task.run_id && (<><dt>Run</dt><dd>{runLabel(data.task.run_id) ?? ''} <code>{data.task.run_id}</code></dd></>)}
            <dt>Priority</dt>
            <dd>{data.task.priority}</dd>
            {data.task.worker_id && (<><dt>Worker</dt><dd>{data.task.worker_id}</dd></>)}
            <dt>Created</dt>
            <dd>{formatTime(data.task.created_at)}</dd>
            {data.task.finished_at && (<><dt>Finished</dt><dd>{formatTime(data.task.finished_at)}</dd></>)}
          </dl>
          <div className="task-detail__actions">
            <button type="button" disabled={!canRetry(data.task.status) || pendingAction} onClick={() => actions.retry.mutate(taskId)} aria-keyshortcuts="r">
              Retry
            </button>
            <button type="button" disabled={!canCancel(data.task.status) || pendingAction} onClick={() => actions.askCancel(taskId)} aria-keyshortcuts="c">
              Cancel task…
            </button>
          </div>
          {actionError && <ErrorNotice title="That did not work" error={actionError} />}
          {data.waiting && <WaitNotice taskId={taskId} hint={data.waiting} />}
          <EarlierAttempts attempts={data.earlier_attempts} currentStatus={data.task.status} />
          <section aria-labelledby="prompt-title">
            <h3 id="prompt-title">Prompt</h3>
            <pre className="pre-block">{data.task.prompt}</pre>
          </section>
          {data.task.status === 'leased' && <LiveOutput taskId={taskId} />}
          {/* A failed task's empty result is no result: no heading over nothing. */}
          {data.task.result !== null && (data.task.result !== '' || data.task.status === 'done') && (
            <section aria-labelledby="result-title">
              <h3 id="result-title">Result</h3>
              {data.task.result === '' ? <p className="muted">The answer was empty.</p> : <pre className="pre-block" data-testid="task-result">{data.task.result}</pre>}
            </section>
          )}
          {data.checks && data.checks.length > 0 && (
            <section aria-labelledby="checks-title">
              <h3 id="checks-title">Checks</h3>
              <CheckList checks={data.checks} />
            </section>
          )}
          {data.task.error !== null && (
            <section aria-labelledby="error-title">
              <h3 id="error-title">Error</h3>
              <pre className="pre-block pre-block--error">{data.task.error}</pre>
              {data.failure_hint && <p className="task-notice" data-testid="failure-hint">{data.failure_hint}</p>}
            </section>
          )}
          {data.artifact && <ArtifactView artifact={data.artifact} />}
          {!data.artifact && (data.task.status === 'done' || data.task.status === 'failed') && <p className="muted">No run record: the agent sent none with its answer.</p>}
        </>
      )}
    </aside>
  );
});
