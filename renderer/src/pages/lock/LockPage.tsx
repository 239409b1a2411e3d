/**
 * Version lock: every locked CLI's locked and installed version and its flag check (lock.check),
 * drift highlighted first; "Write lock from this machine" replaces the pins after a confirmation.
 */
import { useState } from 'react';
import { ConfirmDialog } from '../../components/ConfirmDialog.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { Badge } from '../../components/bits.js';
import { DASH } from '../../lib/format.js';
import { useLockCheck, useWriteLock } from '../../api/run-queries.js';
import type { DriftReport } from '../../api/types.js';
import { DRIFT_INFO, driftSummary, flagText, isDrift, sortEntries, writtenSummary } from './lock-logic.js';
import { UpgradeRehearsal } from './UpgradeRehearsal.js';

function DriftTable({ report }: { report: DriftReport }) {
  const summary = driftSummary(report);
  return (
    <>
      <p className={`callout tone-${summary.tone}`} data-testid="drift-summary">
        {summary.text}
      </p>
      <p className="muted">
        Lock file <code>{report.lock_file}</code>, written {new Date(report.written_at).toLocaleString()}.
      </p>
      <table className="table" aria-label="CLIs: locked and installed versions">
        <thead>
          <tr>
            <th>CLI</th>
            <th>Status</th>
            <th>Locked</th>
            <th>Installed</th>
            <th>Flags</th>
            <th>What to do</th>
          </tr>
        </thead>
        <tbody>
          {sortEntries(report.entries).map((e) => {
            const info = DRIFT_INFO[e.status];
            const drift = isDrift(e.status);
            return (
              <tr key={e.cli} className={drift ? 'drift-row' : undefined} data-testid="lock-row" data-status={e.status}>
                <td>
                  <strong>{e.cli}</strong>
                  {e.binary_path && <div className="muted">{e.binary_path}</div>}
                </td>
                <td>
                  <Badge tone={info.tone}>{drift ? `Drift: ${info.label}` : info.label}</Badge>
                </td>
                <td>{e.locked_version ?? DASH}</td>
                <td>{e.installed_version ?? DASH}</td>
                <td>{flagText(e)}</td>
                <td>
                  <div>{e.message}</div>
                  {e.fix && (
                    <details className="detail">
                      <summary>How to fix</summary>
                      <pre className="pre-block">{e.fix}</pre>
                    </details>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}

export default function LockPage() {
  const check = useLockCheck();
  const write = useWriteLock();
  const [confirm, setConfirm] = useState(false);
  const report = check.data?.report;
  const written = write.data ? writtenSummary(write.data.lock.clis.length) : null;
  // The banner says what writing did; once a check finds drift it is no longer the news.
  const showWritten = written !== null && !(report && driftSummary(report).tone === 'bad');
  return (
    <section className="page">
      <div className="page-head">
        <h1>Version lock</h1>
        <span className="page-head__spacer" />
        <button
          type="button"
          onClick={() => {
            write.reset();
            void check.refetch();
          }}
          disabled={check.isFetching}
        >
          {check.isFetching ? 'Checking…' : 'Check again'}
        </button>
        <button type="button" className="danger" onClick={() => setConfirm(true)}>
          Write lock from this machine
        </button>
      </div>
      <p className="muted">The lock pins the CLI versions and flags your team knows to work. Drift means this machine runs something else, so its runs may not compare with the team’s.</p>
      {check.error && <ErrorNotice title="Could not check the version lock" error={check.error} onRetry={() => void check.refetch()} />}
      {check.isPending && <p className="muted">Checking the installed CLIs…</p>}
      {check.data && !report && <p className="callout tone-neutral">This workspace has no lock file yet. Write one from this machine to pin the versions installed here.</p>}
      {write.error && <ErrorNotice title="The lock was not written" error={write.error} />}
      {write.data && written && showWritten && (
        <div className={`callout tone-${written.tone}`} role="status" data-testid="lock-written">
          {written.text}
          {write.data.left_out.length > 0 && (
            <ul>
              {write.data.left_out.map((l) => (
                <li key={l.cli}>
                  Left out {l.cli}: {l.reason}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {report && <DriftTable report={report} />}
      {check.data && <UpgradeRehearsal report={report} />}
      <ConfirmDialog
        open={confirm}
        title={report ? 'Replace the version lock?' : 'Write the version lock?'}
        confirmLabel="Write the lock"
        danger
        busy={write.isPending}
        onCancel={() => setConfirm(false)}
        onConfirm={() => write.mutate(undefined, { onSettled: () => setConfirm(false) })}
      >
        <p>
          {report
            ? `This records the CLI versions and flags installed on this machine as the ones that work, replacing the current pins in ${report.lock_file}.`
            : 'This records the CLI versions and flags installed on this machine as the ones that work, in a new lock file of this workspace (mittelo.lock.json).'}
        </p>
        <p>Teammates whose versions differ will see drift until they match it. Do this after checking that runs on this machine are good.</p>
      </ConfirmDialog>
    </section>
  );
}
