/**
 * Rehearse an upgrade (lock.upgradeCheck): a button per locked CLI (or all), progress while the
 * candidate installs and the pack runs, then per CLI the verdict, why, the help diff, the Node
 * engine and the pack's comparison with its baseline. After a green rehearsal "Write lock" pins
 * the candidate's version; the candidate was not installed for the user, so the page says how to
 * install it and to check again.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { call } from '../../api/client.js';
import { lockKeys } from '../../api/keys.js';
import { ConfirmDialog } from '../../components/ConfirmDialog.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { Badge, TechDetail } from '../../components/bits.js';
import './upgrade.css';
import { usePacks } from '../../api/run-queries.js';
import type { DriftReport } from '../../api/types.js';
import { PACK_INFO, VERDICT_INFO, adoptable, candidateWhere, engineText, packCounts, type UpgradeJob, type UpgradeReport } from './upgrade-logic.js';

const POLL_MS = 1000;

function useUpgradeJob(jobId: string | null) {
  return useQuery({
    queryKey: [...lockKeys.all, 'upgrade', jobId ?? ''],
    queryFn: () => call('lock.upgradeCheck.status', { job_id: jobId ?? '' }),
    enabled: jobId !== null,
    refetchInterval: (query) => (query.state.data?.job.state === 'running' ? POLL_MS : false),
  });
}

function HelpDiff({ report }: { report: UpgradeReport }) {
  const diff = report.help_diff;
  if (!diff) return null;
  const changed = diff.flags_added.length + diff.flags_removed.length + diff.choices_changed.length;
  if (changed === 0) return <p className="muted">Help: no flag or value changed.</p>;
  return (
    <details className="detail" open={report.verdict !== 'safe'}>
      <summary>Help changes ({changed})</summary>
      <ul data-testid="help-diff">
        {diff.flags_added.length > 0 && <li>Flags added: {diff.flags_added.join(' ')}</li>}
        {diff.flags_removed.length > 0 && <li>Flags removed: {diff.flags_removed.join(' ')}</li>}
        {diff.choices_changed.map((c) => (
          <li key={c.flag}>
            {c.flag}: {c.added.length > 0 && `added ${c.added.join(', ')}`}
            {c.added.length > 0 && c.removed.length > 0 && '; '}
            {c.removed.length > 0 && `removed ${c.removed.join(', ')}`}
          </li>
        ))}
      </ul>
    </details>
  );
}

function PackResult({ report }: { report: UpgradeReport }) {
  const pack = report.pack;
  if (!pack) return <p className="muted">No pack was run.</p>;
  const info = PACK_INFO[pack.verdict];
  return (
    <div data-testid="pack-result" data-verdict={pack.verdict}>
      <p>
        Pack <strong>{pack.pack_name}</strong>: <Badge tone={info.tone}>{info.label}</Badge> <span className="muted">{packCounts(pack)}</span>
      </p>
      {pack.warnings.length > 0 && (
        <ul className="muted">
          {pack.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
      <p className="muted">
        {pack.baseline_run ? `Baseline run ${pack.baseline_run}` : 'No baseline run'}
        {pack.candidate_run && `; the candidate’s run ${pack.candidate_run} is kept in ${pack.db}`}
      </p>
    </div>
  );
}

function ReportCard({ job, report, pinned, onAdopt }: { job: UpgradeJob; report: UpgradeReport; pinned: boolean; onAdopt: (report: UpgradeReport) => void }) {
  const info = VERDICT_INFO[report.verdict];
  const engine = engineText(report);
  return (
    <article className="card upgrade-card" data-testid="upgrade-report" data-cli={report.cli} data-verdict={report.verdict} aria-label={`${report.cli} upgrade rehearsal`}>
      <h3>
        {report.cli} {report.from} → {report.to} <Badge tone={info.tone}>{info.label}</Badge>
      </h3>
      {report.reasons.length > 0 && (
        <ul data-testid="upgrade-reasons">
          {report.reasons.map((reason) => (
            <li key={reason}>{reason}</li>
          ))}
        </ul>
      )}
      <HelpDiff report={report} />
      {engine && <p className="muted">Node: {engine}</p>}
      {report.verdict !== 'current' && <PackResult report={report} />}
      {adoptable(report) && !pinned && (
        <p>
          <button type="button" onClick={() => onAdopt(report)}>
            Write lock with {report.cli} {report.to}
          </button>{' '}
          <span className="muted">Rehearsed with {candidateWhere(job, report)}.</span>
        </p>
      )}
      <TechDetail summary="Full report (technical)" text={JSON.stringify(report, null, 2)} />
    </article>
  );
}

export function UpgradeRehearsal({ report }: { report: DriftReport | null | undefined }) {
  const qc = useQueryClient();
  const packs = usePacks();
  const ids = { to: useId(), pack: useId(), path: useId() };
  const [to, setTo] = useState('latest');
  const [pack, setPack] = useState('baseline');
  const [candidatePath, setCandidatePath] = useState('');
  const [jobId, setJobId] = useState<string | null>(null);
  const [askPath, setAskPath] = useState<string[] | null>(null);
  const [adopting, setAdopting] = useState<UpgradeReport | null>(null);
  const job = useUpgradeJob(jobId);
  const start = useMutation({
    mutationFn: ({ backends, confirmed }: { backends: string[]; confirmed: boolean }) =>
      call('lock.upgradeCheck.start', {
        backends,
        to: to.trim() || 'latest',
        pack: pack === 'baseline' || pack === 'none' ? pack : { name: pack },
        ...(candidatePath.trim() ? { candidate_path: candidatePath.trim(), ...(confirmed ? { confirm_candidate_path: true as const } : {}) } : {}),
      }),
    onSuccess: ({ job: started }) => setJobId(started.job_id),
  });
  const adopt = useMutation({
    mutationFn: (r: UpgradeReport) => call('lock.adopt', { job_id: jobId ?? '', cli: r.cli, confirm: true }),
    onSuccess: () => qc.invalidateQueries({ queryKey: [...lockKeys.all, 'check'] }),
    onSettled: () => setAdopting(null),
  });
  const locked = (report?.entries ?? []).filter((e) => e.status !== 'unlocked').map((e) => e.cli);
  const current = job.data?.job;
  const running = start.isPending || current?.state === 'running';
  const rehearse = (backends: string[]) => {
    adopt.reset();
    if (candidatePath.trim()) setAskPath(backends);
    else start.mutate({ backends, confirmed: false });
  };

  return (
    <section className="upgrade-section" aria-labelledby="upgrade-heading" data-testid="upgrade-rehearsal">
      <h2 id="upgrade-heading">Rehearse an upgrade</h2>
      <p className="muted">
        Installs the candidate beside the locked version (never over yours), compares their help, checks the flags the driver passes and the Node it needs, then runs a pack with it and compares
        with that pack’s baseline run.
      </p>
      {!report ? (
        <p className="muted">Write a lock first: a rehearsal compares a candidate with the locked version.</p>
      ) : (
        <>
          <div className="upgrade-row">
            <label htmlFor={ids.to}>Candidate version</label>
            <input id={ids.to} value={to} onChange={(e) => setTo(e.target.value)} disabled={candidatePath.trim() !== ''} placeholder="latest" />
            <label htmlFor={ids.pack}>Pack</label>
            <select id={ids.pack} value={pack} onChange={(e) => setPack(e.target.value)}>
              <option value="baseline">The pack of the CLI’s baseline run</option>
              {(packs.data?.packs ?? []).map((p) => (
                <option key={p.name} value={p.name}>
                  {p.name}
                </option>
              ))}
              <option value="none">No pack (help and contract only)</option>
            </select>
          </div>
          <details className="detail">
            <summary>Rehearse a program on disk (a local build) instead</summary>
            <label htmlFor={ids.path}>Path to the candidate program</label>{' '}
            <input id={ids.path} value={candidatePath} onChange={(e) => setCandidatePath(e.target.value)} size={60} placeholder="/path/to/claude" />
            <p className="muted">Rehearses one CLI at a time; its version is what it reports.</p>
          </details>
          <div className="upgrade-row">
            {locked.map((cli) => (
              <button key={cli} type="button" disabled={running} onClick={() => rehearse([cli])}>
                Rehearse {cli}
              </button>
            ))}
            <button type="button" disabled={running || candidatePath.trim() !== '' || locked.length === 0} onClick={() => rehearse([])}>
              Rehearse all
            </button>
          </div>
        </>
      )}
      {start.error && <ErrorNotice title="The rehearsal did not start" error={start.error} />}
      {job.error && <ErrorNotice title="Lost track of the rehearsal" error={job.error} />}
      {current && (
        <div data-testid="upgrade-job" data-state={current.state}>
          {current.state === 'running' && (
            <p className="callout tone-info" role="status">
              Rehearsing… installing the candidate, comparing its help and running the pack. This can take minutes.
            </p>
          )}
          {current.state === 'failed' && <p className="callout tone-bad" role="alert">The rehearsal failed: {current.error}</p>}
          <details className="detail" open={current.state === 'running'}>
            <summary>Progress ({current.log.length} lines)</summary>
            <pre className="pre-block" aria-live="polite" data-testid="upgrade-log">
              {current.log.slice(-15).join('\n')}
            </pre>
          </details>
          {(current.reports ?? []).map((r) => (
            <ReportCard key={r.cli} job={current} report={r} pinned={adopt.data?.entry.name === r.cli && adopt.data.entry.version === r.to} onAdopt={setAdopting} />
          ))}
        </div>
      )}
      {adopt.error && <ErrorNotice title="The lock was not written" error={adopt.error} />}
      {adopt.data && (
        <div className="callout tone-warn" role="status" data-testid="adopted">
          The lock now pins {adopt.data.entry.name} {adopt.data.entry.version}. This machine still runs the version it had, so the table above shows drift until you install it
          {adopt.data.install_command ? (
            <>
              : <code>{adopt.data.install_command}</code>, then Check again.
            </>
          ) : (
            ', then Check again.'
          )}
        </div>
      )}
      <ConfirmDialog
        open={askPath !== null}
        title={`Run this program as ${askPath?.[0] ?? 'the CLI'}?`}
        confirmLabel="Run it"
        busy={start.isPending}
        onCancel={() => setAskPath(null)}
        onConfirm={() => {
          if (askPath) start.mutate({ backends: askPath, confirmed: true }, { onSettled: () => setAskPath(null) });
        }}
      >
        <p>
          The rehearsal runs <code>{candidatePath.trim()}</code> with the pack’s prompts. Only continue if you trust this program.
        </p>
      </ConfirmDialog>
      <ConfirmDialog
        open={adopting !== null}
        title={adopting ? `Pin ${adopting.cli} ${adopting.to} in the lock?` : 'Pin the candidate?'}
        confirmLabel="Write the lock"
        busy={adopt.isPending}
        onCancel={() => setAdopting(null)}
        onConfirm={() => adopting && adopt.mutate(adopting)}
      >
        {adopting && current && (
          <>
            <p>
              The lock will pin {adopting.cli} {adopting.to} instead of {adopting.from}, for everyone who uses this lock.
            </p>
            <p>
              The rehearsal ran {candidateWhere(current, adopting)}; it did not install it for you. Until you install it
              {adopting.install_command ? (
                <>
                  {' '}
                  (<code>{adopting.install_command}</code>)
                </>
              ) : null}
              , this machine drifts from the lock.
            </p>
            {adopting.verdict === 'review' && <p>The rehearsal asks for a review: {adopting.reasons.join('; ')}</p>}
          </>
        )}
      </ConfirmDialog>
    </section>
  );
}
