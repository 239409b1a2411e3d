/**
 * Runs: start a smoke run with one button, watch its progress per backend (live from hub events via
 * api/live.ts), the history of runs with pass/fail, tokens and cost, and latency across runs.
 */
import { useState } from 'react';
import { useRuns } from '../../api/queries.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { hrefFor, useLocation } from '../../lib/router.js';
import { useShortcut } from '../../lib/shortcuts.js';
import { LatencyChart } from './LatencyChart.js';
import { RunDetail } from './RunDetail.js';
import { Packs } from './PackEditor.js';
import { RunHistory } from './RunHistory.js';
import { RunProgress } from './RunProgress.js';
import { StartRunDialog } from './StartRunDialog.js';
import { SystemTestButtons, SystemTestNotice, useSystemTestStart, type SystemTestQuestion } from './SystemTest.js';
import { isActive, splitRollups } from './runs-logic.js';

export default function RunsPage() {
  const { params } = useLocation();
  const runId = params.get('run');
  return runId ? (
    <section className="page">
      <RunDetail runId={runId} />
    </section>
  ) : (
    <RunList />
  );
}

function RunList() {
  const runs = useRuns({ limit: 50 });
  const [dialog, setDialog] = useState(false);
  // The pack the dialog opens with: the default, or the example system-test pack.
  const [dialogPack, setDialogPack] = useState<string | undefined>(undefined);
  const [started, setStarted] = useState<string | null>(null);
  // Set when the one-click system test stopped to ask: the dialog opens with its question.
  const [question, setQuestion] = useState<SystemTestQuestion | null>(null);
  const openDialog = (pack?: string, asked: SystemTestQuestion | null = null) => {
    setDialogPack(pack);
    setQuestion(asked);
    setDialog(true);
  };
  const systemTest = useSystemTestStart({ onStarted: setStarted, onQuestion: (asked) => openDialog('system', asked) });
  useShortcut('s', () => openDialog());

  const list = runs.data?.runs ?? [];
  // Shown live: every run still going, and the one started here (until another replaces it).
  const shown = list.filter((r) => r.run.run_id === started || isActive(splitRollups(r.rollups).total));
  const latest = list[0];
  const progress = shown.length > 0 ? shown : latest ? [latest] : [];

  return (
    <section className="page">
      <div className="page-head">
        <h1>Runs</h1>
        <span className="page-head__spacer" />
        <a href={hrefFor('/compare')}>Compare the latest two runs</a>
        <SystemTestButtons pending={systemTest.mutation.isPending} onStart={systemTest.start} onOptions={() => openDialog('system')} />
        <button type="button" className="primary" onClick={() => openDialog()} aria-keyshortcuts="s">
          Start smoke run
        </button>
      </div>
      <SystemTestNotice mutation={systemTest.mutation} onOptions={() => openDialog('system')} />
      {runs.error && <ErrorNotice title="Could not load the runs" error={runs.error} onRetry={() => void runs.refetch()} />}
      {runs.isPending && <p className="muted">Loading runs…</p>}
      {progress.map((r) => (
        <RunProgress key={r.run.run_id} run={r.run} rollups={r.rollups} failures={r.failures} heading={shown.includes(r) ? (isActive(splitRollups(r.rollups).total) ? 'Running now' : 'Just finished') : 'Latest run'} />
      ))}
      {runs.data && (
        <>
          <section className="section" aria-labelledby="latency-heading">
            <h2 id="latency-heading">Latency per backend across runs</h2>
            <LatencyChart runs={list} />
          </section>
          <section className="section" aria-labelledby="packs-heading">
            <h2 id="packs-heading">Packs</h2>
            <Packs />
          </section>
          <section className="section" aria-labelledby="history-heading">
            <h2 id="history-heading">History</h2>
            <RunHistory runs={list} />
          </section>
        </>
      )}
      <StartRunDialog
        open={dialog}
        onClose={() => setDialog(false)}
        onStarted={setStarted}
        {...(dialogPack ? { pack: dialogPack } : {})}
        {...(question ? { preselect: question.candidates, note: question.message } : {})}
      />
    </section>
  );
}
