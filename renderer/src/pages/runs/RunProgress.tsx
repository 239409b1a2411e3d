/** A run's progress per backend: a bar of done/failed/running/queued and the same in words. */
import type { RunFailure, RunInfo, RunRollup } from '../../api/types.js';
import { FailureList } from '../../components/Checks.js';
import { formatWhen, runName } from '../../lib/format.js';
import { Badge } from '../../components/bits.js';
import { isActive, passFail, progressOf, splitRollups } from './runs-logic.js';

function Bar({ rollup }: { rollup: RunRollup }) {
  const progress = progressOf(rollup);
  return (
    <div className="progress-row">
      <span className="nowrap">{rollup.backend ?? 'All backends'}</span>
      <div className="bar" role="img" aria-label={progress.text}>
        {progress.segments.map((s) => (
          <span key={s.kind} className={`bar__seg--${s.kind}`} style={{ width: `${s.pct}%` }} />
        ))}
      </div>
      <span className="muted" data-testid="progress-text">
        {progress.text}
      </span>
    </div>
  );
}

export function RunProgress({ run, rollups, failures = [], heading }: { run: RunInfo; rollups: RunRollup[]; failures?: RunFailure[] | undefined; heading: string }) {
  const { total, backends } = splitRollups(rollups);
  const active = isActive(total);
  const counts = passFail(total);
  return (
    <section className="card section" aria-label={`${heading}: ${runName(run)}`} data-testid="run-progress" data-run-id={run.run_id}>
      <div className="row">
        <h2 style={{ margin: 0 }}>{heading}</h2>
        <span>
          {runName(run)} · pack {run.pack_name} · {formatWhen(run.created_at)}
        </span>
        {active ? <Badge tone="warn">Running</Badge> : counts.failed > 0 ? <Badge tone="bad">Finished with failures</Badge> : <Badge tone="good">Finished</Badge>}
      </div>
      <p className="muted" aria-live="polite">
        {counts.passed} passed · {counts.failed} failed{counts.pending > 0 ? ` · ${counts.pending} still to go` : ''}
      </p>
      {backends.map((r) => (
        <Bar key={r.backend} rollup={r} />
      ))}
      <FailureList failures={failures} total={counts.failed} label={`Why tasks failed: ${runName(run)}`} />
    </section>
  );
}
