/**
 * The header's workspace switcher: which folder the app has open, and a dialog to open another one
 * (a recent workspace, the system's folder picker in the desktop app, or a typed full path in browser
 * mode, checked as it is typed). Runs still going must be confirmed; after the switch the page
 * reloads, so every view reads the other workspace.
 */
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { call } from '../api/client.js';
import { plainMessage } from '../api/errors.js';
import { useHubStatus } from '../api/queries.js';
import { useDebounced } from '../lib/useDebounced.js';
import { FormDialog } from './FormDialog.js';

function folderName(dir: string): string {
  return dir.split(/[\\/]/).filter(Boolean).pop() ?? dir;
}

/** What the typed path would open, checked by the core (is it a folder, was it used before). */
function PathCheck({ path }: { path: string }) {
  const settled = useDebounced(path.trim(), 250);
  const check = useQuery({ queryKey: ['workspace', 'check', settled], queryFn: () => call('workspace.check', { path: settled }), enabled: settled !== '', retry: false });
  if (settled === '' || check.isPending) return null;
  if (check.error) return <p className="field-error" data-testid="path-check">{plainMessage(check.error)}</p>;
  return (
    <p className="muted" data-testid="path-check">
      {check.data.is_workspace ? `Opens the workspace ${check.data.dir}.` : `${check.data.dir} becomes a new workspace: the example packs are added to it.`}
    </p>
  );
}

export function WorkspaceSwitcher() {
  const [open, setOpen] = useState(false);
  const [path, setPath] = useState('');
  const [stopRuns, setStopRuns] = useState(false);
  // The header's label comes with the hub status the app reads anyway; the rest only when the dialog opens.
  const status = useHubStatus();
  const view = useQuery({ queryKey: ['workspace', 'current'], queryFn: () => call('workspace.current', {}), enabled: open, staleTime: 0 });
  const pick = useMutation({
    mutationFn: () => call('workspace.pickFolder', {}),
    onSuccess: ({ path: picked }) => {
      if (picked) setPath(picked);
    },
  });
  const change = useMutation({
    mutationFn: () => call('workspace.switch', { path: path.trim(), ...(stopRuns ? { confirm_stop_runs: true as const } : {}) }),
    // Every cached view belongs to the old workspace: start over on the new one.
    onSuccess: () => window.location.reload(),
  });
  const current = view.data;
  const going = current?.runs_in_progress ?? [];
  const openDialog = () => {
    change.reset();
    pick.reset();
    setPath('');
    setStopRuns(false);
    setOpen(true);
  };
  const openDir = status.data?.workspace ?? current?.dir;
  return (
    <>
      <button type="button" onClick={openDialog} title={openDir ? `Workspace: ${openDir}. Click to open another one.` : 'Open another workspace'} data-testid="workspace-button">
        Workspace: {openDir ? folderName(openDir) : '…'}
      </button>
      <FormDialog
        open={open}
        title="Switch workspace"
        submitLabel="Switch workspace"
        busyLabel="Switching…"
        busy={change.isPending}
        ready={path.trim() !== '' && (going.length === 0 || stopRuns)}
        error={change.error ?? pick.error}
        errorTitle={change.error ? 'The workspace was not switched' : 'The folder picker did not open'}
        onSubmit={() => change.mutate()}
        onClose={() => setOpen(false)}
      >
        <p>
          Open now: <code data-testid="workspace-current">{current?.dir ?? '…'}</code>
        </p>
        <p className="muted">
          Switching stops this workspace’s agents and its hub (running tasks go back to the queue) and opens the other folder with its own task database, packs, backends,
          settings and token. Nothing is deleted; you can switch back at any time.
        </p>
        {current && current.recent.length > 0 && (
          <fieldset>
            <legend>Recent workspaces</legend>
            <ul className="check-list" data-testid="recent-workspaces">
              {current.recent.map((r) => (
                <li key={r.dir}>
                  <button type="button" onClick={() => setPath(r.dir)} disabled={!r.available} title={r.available ? `Use ${r.dir}` : `${r.dir} is no longer there`}>
                    {folderName(r.dir)}
                  </button>{' '}
                  <span className="muted">{r.available ? r.dir : `${r.dir} (missing)`}</span>
                </li>
              ))}
            </ul>
          </fieldset>
        )}
        <div className="field-inline">
          <label className="field-inline__grow">
            Folder (its full path)
            <input value={path} onChange={(e) => setPath(e.target.value)} placeholder="/home/you/other-workspace" spellCheck={false} autoComplete="off" />
          </label>
          {current?.native_picker && (
            <button type="button" onClick={() => pick.mutate()} disabled={pick.isPending}>
              Choose folder…
            </button>
          )}
        </div>
        <PathCheck path={path} />
        {going.length > 0 && (
          <div className="callout tone-warn" data-testid="runs-going">
            {going.length === 1 ? '1 run is' : `${going.length} runs are`} still going here: {going.map((r) => r.label ?? r.run_id).join(', ')}. Switching stops{' '}
            {going.length === 1 ? 'it where it is' : 'them where they are'}.
            <label className="check-row">
              <input type="checkbox" checked={stopRuns} onChange={(e) => setStopRuns(e.target.checked)} />
              {going.length === 1 ? 'Stop it and switch' : 'Stop them and switch'}
            </label>
          </div>
        )}
      </FormDialog>
    </>
  );
}
