/** The agents the hub has heard from: backends served, the tasks they run, whether they are alive. */
import { useWorkers } from '../../api/queries.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { HEALTH_LABEL, workerHealth } from '../../lib/agents.js';
import { DASH, formatAgo } from '../../lib/format.js';
import { hrefFor } from '../../lib/router.js';
import { useNow } from '../../lib/useNow.js';

export function AgentsPanel() {
  const { data, error, isPending, refetch } = useWorkers();
  const now = useNow(5000);
  return (
    <section className="card" aria-labelledby="agents-title">
      <h2 id="agents-title">Agents</h2>
      {isPending && <p className="muted">Loading…</p>}
      {error && <ErrorNotice title="Could not list the agents" error={error} onRetry={() => void refetch()} />}
      {data && data.workers.length === 0 && <p className="muted">No agent has asked the hub for work recently. Start one on the Backends page or with <code>mittelo agent</code>.</p>}
      {data && data.workers.length > 0 && (
        <table className="table" data-testid="agents-table">
          <thead>
            <tr>
              <th scope="col">Agent</th>
              <th scope="col">Backends</th>
              <th scope="col">Running</th>
              <th scope="col">Health</th>
            </tr>
          </thead>
          <tbody>
            {data.workers.map((worker) => {
              const health = workerHealth(worker, now);
              return (
                <tr key={worker.worker_id}>
                  <td><code>{worker.worker_id}</code></td>
                  <td>{worker.backends.length ? worker.backends.join(', ') : <span className="muted">any</span>}</td>
                  <td>
                    {worker.running.length === 0 && <span className="muted">{DASH}</span>}
                    {worker.running.map((task) => (
                      <a key={task.task_id} href={hrefFor('/tasks', { task: task.task_id })} className="task-link">
                        task {task.task_id}
                        {task.backend ? ` (${task.backend})` : ''}
                      </a>
                    ))}
                  </td>
                  <td>
                    <span className={`health health--${health}`}>{HEALTH_LABEL[health]}</span>{' '}
                    <span className="muted">seen {formatAgo(worker.last_seen, now)}</span>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
