/** Backends: each backend's check, version, CLI location and settings, and its local agent. */
import { useQueryClient } from '@tanstack/react-query';
import { backendKeys } from '../../api/keys.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { useBackends } from '../../api/run-queries.js';
import { BackendCard } from './BackendCard.js';
import { NewFolderBackend } from './NewFolderBackend.js';
import { readyFirst } from './backends-logic.js';

export default function BackendsPage() {
  const backends = useBackends();
  const qc = useQueryClient();
  const list = backends.data?.backends ?? [];
  const ready = list.filter((b) => b.preflight.status !== 'fail').length;
  return (
    <section className="page">
      <div className="page-head">
        <h1>Backends</h1>
        <span className="page-head__spacer" />
        <NewFolderBackend />
        <button type="button" onClick={() => void qc.invalidateQueries({ queryKey: backendKeys.all })} disabled={backends.isFetching}>
          {backends.isFetching ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      {backends.isPending && <p className="muted">Checking every backend (this starts each CLI once to read its version)…</p>}
      {backends.error && <ErrorNotice title="Could not check the backends" error={backends.error} onRetry={() => void backends.refetch()} />}
      {backends.data && (
        <p className="muted" aria-live="polite">
          {ready} of {list.length} backends can run prompts on this machine.
        </p>
      )}
      <div className="grid">
        {readyFirst(list).map((view) => (
          <BackendCard key={view.name} view={view} />
        ))}
      </div>
    </section>
  );
}
