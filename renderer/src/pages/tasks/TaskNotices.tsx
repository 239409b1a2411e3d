/**
 * What the task detail explains besides the task itself: why a queued task waits (no agent serves
 * its backend; start one here), and which attempt this is when it was retried after its run ended.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { call } from '../../api/client.js';
import { backendKeys, taskKeys, workerKeys } from '../../api/keys.js';
import type { ApiResult } from '../../api/types.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { StatusBadge } from '../../components/StatusBadge.js';
import { formatTime } from '../../lib/format.js';

type Detail = ApiResult<'tasks.get'>;

export function WaitNotice({ taskId, hint }: { taskId: number; hint: NonNullable<Detail['waiting']> }) {
  const qc = useQueryClient();
  const start = useMutation({
    mutationFn: (backend: string) => call('agents.start', { backend }),
    onSuccess: () =>
      Promise.all([
        qc.invalidateQueries({ queryKey: taskKeys.detail(taskId) }),
        qc.invalidateQueries({ queryKey: workerKeys.all }),
        qc.invalidateQueries({ queryKey: backendKeys.all }),
      ]),
  });
  const backend = hint.backend;
  return (
    <div className="task-notice" role="status" data-testid="wait-notice">
      <p className="task-notice__title">{backend ? `No agent serves ${backend}` : 'No agent is connected'}</p>
      <p>{hint.message}</p>
      {backend && hint.can_start && (
        <button type="button" disabled={start.isPending || start.isSuccess} onClick={() => start.mutate(backend)}>
          {start.isPending ? 'Starting…' : start.isSuccess ? 'Agent started' : `Start agent for ${backend}`}
        </button>
      )}
      {start.error && <ErrorNotice title={`The agent for ${backend ?? ''} did not start`} error={start.error} />}
    </div>
  );
}

/** "Attempt 3": the run kept attempt 1; the earlier attempts, newest last, one click away. */
export function EarlierAttempts({ attempts, currentStatus }: { attempts: Detail['earlier_attempts']; currentStatus: Detail['task']['status'] }) {
  const first = attempts[0];
  if (!first) return null;
  return (
    <section className="task-notice task-notice--info" aria-labelledby="attempts-title" data-testid="earlier-attempts">
      <h3 id="attempts-title" className="task-notice__title">
        Attempt {attempts.length + 1}: a retry after its run ended
      </h3>
      <p>
        Run <code>{first.run_id}</code> keeps attempt 1 (<StatusBadge status={first.task.status} />) in its record; this attempt is{' '}
        {currentStatus} and does not change the run. Start a new run to measure again.
      </p>
      <details className="output-details">
        <summary>Earlier attempts ({attempts.length})</summary>
        <ol className="attempt-list">
          {attempts.map((a) => (
            <li key={a.attempt}>
              Attempt {a.attempt}: <StatusBadge status={a.task.status} /> {formatTime(a.task.finished_at ?? a.task.cancelled_at)}
              {a.task.error && <pre className="pre-block pre-block--error">{a.task.error}</pre>}
              {a.task.result && <pre className="pre-block">{a.task.result}</pre>}
            </li>
          ))}
        </ol>
      </details>
    </section>
  );
}
