/** The hub: reachable or not, where it listens, and the task counts by status (live). */
import { useConnection } from '../../api/connection.js';
import { useHubStatus } from '../../api/queries.js';
import { TASK_STATUS_ORDER } from '../../api/types.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { STATUS_LABEL } from '../../components/StatusBadge.js';
import { DASH, formatCount } from '../../lib/format.js';
import { hrefFor } from '../../lib/router.js';

const STATE_TEXT = {
  unknown: 'Connecting…',
  online: 'Online: the hub takes and hands out tasks.',
  reconnecting: 'Reconnecting: lost contact with the hub, trying again.',
  offline: 'Offline: the hub cannot be reached. Tasks wait until it is back.',
} as const;

export function HubPanel() {
  const { data, error, refetch } = useHubStatus();
  const state = useConnection();
  const total = data ? TASK_STATUS_ORDER.reduce((sum, s) => sum + data.stats[s], 0) : null;
  return (
    <>
      <div className="tiles" data-testid="task-counts">
        {TASK_STATUS_ORDER.map((status) => (
          <a key={status} className={`tile tile--${status}`} href={hrefFor('/tasks', { status })}>
            <div className="tile__value">{data ? formatCount(data.stats[status]) : DASH}</div>
            <div className="tile__label">{STATUS_LABEL[status]}</div>
          </a>
        ))}
        <a className="tile" href={hrefFor('/tasks')}>
          <div className="tile__value">{formatCount(total)}</div>
          <div className="tile__label">all tasks</div>
        </a>
      </div>
      <section className="card" aria-labelledby="hub-title">
        <h2 id="hub-title">Hub</h2>
        <p className={`hub-state hub-state--${state}`} data-testid="hub-state">{STATE_TEXT[state]}</p>
        {error && <ErrorNotice title="Could not read the hub's status" error={error} onRetry={() => void refetch()} />}
        {data && (
          <dl className="kv">
            <dt>Listening on</dt>
            <dd><code>{data.host}:{data.port}</code> (JSONL over TCP)</dd>
            <dt>REST</dt>
            <dd>{data.rest_url ? <code>{data.rest_url}</code> : <span className="muted">off</span>}</dd>
            <dt>Version</dt>
            <dd>{data.version}</dd>
            <dt>Workspace</dt>
            <dd><code>{data.workspace}</code></dd>
            <dt>Database</dt>
            <dd><code>{data.db_path}</code></dd>
          </dl>
        )}
      </section>
    </>
  );
}
