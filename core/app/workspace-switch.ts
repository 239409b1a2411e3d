/**
 * Switching the app to another workspace folder: what a switch would interrupt (runs not finished),
 * and the refusal in words when the user has not confirmed stopping them. The switch itself (stop
 * this app workspace, open the next) lives in app-core.ts, which owns the current one.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { WorkspaceView } from '../api.js';
import { HubError } from '../errors.js';
import type { RunInfo } from '../runs/types.js';
import type { AppWorkspace } from './app-workspace.js';
import { recentWorkspaces, workspaceFolder, workspacePaths } from './workspace.js';

/** What the handlers need of the shell to show and switch workspaces. */
export interface WorkspaceShell {
  configDir: string;
  /** The system's folder picker (desktop app); null in browser mode. */
  pickFolder: (() => Promise<string | null>) | null;
  switchTo(dir: string, confirmStopRuns: boolean): Promise<{ dir: string; notes: string[] }>;
}

/** Runs of the open workspace whose end is not recorded (how far back: the last 200 runs). */
export async function runsInProgress(app: AppWorkspace): Promise<WorkspaceView['runs_in_progress']> {
  if (!app.connection().online) return [];
  const { runs } = await app.call('run_list', { limit: 200 }).catch(() => ({ runs: [] as { run: RunInfo }[] }));
  return runs.filter(({ run }) => run.finished_at === null).map(({ run }) => ({ run_id: run.run_id, label: run.label, pack_name: run.pack_name }));
}

function isFolder(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

export async function workspaceView(app: AppWorkspace, shell: WorkspaceShell): Promise<WorkspaceView> {
  const dir = app.workspace.dir;
  return {
    dir,
    recent: recentWorkspaces(shell.configDir)
      .filter((d) => d !== dir)
      .map((d) => ({ dir: d, available: isFolder(d) })),
    native_picker: shell.pickFolder !== null,
    runs_in_progress: await runsInProgress(app),
  };
}

/** A folder checked for opening: where it resolves, and whether the app has used it before (a database in it). */
export function checkWorkspace(given: string): { dir: string; is_workspace: boolean } {
  const dir = workspaceFolder(given);
  return { dir, is_workspace: fs.existsSync(workspacePaths(dir).dbPath) || fs.existsSync(path.join(dir, 'packs')) };
}

/** Refuses to stop runs that are still going unless the user said so. */
export async function refuseUnconfirmedStop(app: AppWorkspace, confirmStopRuns: boolean): Promise<void> {
  if (confirmStopRuns) return;
  const going = await runsInProgress(app);
  if (going.length === 0) return;
  const names = going.slice(0, 3).map((r) => r.label ?? r.run_id).join(', ');
  throw new HubError(
    'conflict',
    `${going.length === 1 ? '1 run is' : `${going.length} runs are`} still going in ${app.workspace.dir} (${names}${going.length > 3 ? ', …' : ''}): switching stops the app's agents and its hub, so ${going.length === 1 ? 'it stops' : 'they stop'} where ${going.length === 1 ? 'it is' : 'they are'}; confirm to switch anyway (send confirm_stop_runs: true)`,
  );
}
