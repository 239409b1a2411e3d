/**
 * The open app workspace with its contract handlers: what a shell (Electron main, `mittelo serve`)
 * starts and stops. It also switches workspaces: the open one stops (agents give their tasks back,
 * the hub stops, the database closes) and one opens on the other folder, with the same options.
 */
import type { UiEvent } from '../api.js';
import { HubError, errorMessage } from '../errors.js';
import { createDispatch, createHandlers, type Dispatch } from './handlers.js';
import { AppWorkspace, type AppWorkspaceOptions } from './app-workspace.js';
import { BackendsView } from './backends-view.js';
import { UpgradeJobs } from './upgrade-jobs.js';
import { refuseUnconfirmedStop, type WorkspaceShell } from './workspace-switch.js';
import { userConfigDir } from '../config.js';
import { workspaceFolder, workspacePaths } from './workspace.js';

export interface AppCore {
  /** The workspace open now (another one after a switch). */
  readonly current: AppWorkspace;
  dispatch: Dispatch;
  subscribe(listener: (event: UiEvent) => void): () => void;
  /** Closes this workspace and opens `dir` (an existing folder); on failure the old one is opened again. */
  switchWorkspace(dir: string, options?: { confirmStopRuns?: boolean }): Promise<{ dir: string; notes: string[] }>;
  stop(): Promise<void>;
}

export interface ShellOptions {
  /** The system's folder picker (the desktop app); browser mode has none. */
  pickFolder?: () => Promise<string | null>;
}

/**
 * Folder backends follow the workspace when the shell took them from it (useWorkspaceBackends);
 * a MITTELO_BACKENDS_DIR set by the user stays.
 */
function moveWorkspaceBackends(from: string, to: string, env: NodeJS.ProcessEnv = process.env): void {
  if (env.MITTELO_BACKENDS_DIR === workspacePaths(from).backendsDir) env.MITTELO_BACKENDS_DIR = workspacePaths(to).backendsDir;
}

export async function startAppCore(options: AppWorkspaceOptions = {}, shellOptions: ShellOptions = {}): Promise<AppCore> {
  const log = options.log ?? (() => undefined);
  const listeners = new Set<(event: UiEvent) => void>();
  let current = await AppWorkspace.start(options);
  let dispatch: Dispatch;
  let switching: Promise<unknown> | null = null;
  // Upgrade rehearsals belong to a workspace: a switch stops them with it.
  let upgrades = new UpgradeJobs();

  const attach = (opened: AppWorkspace) => {
    current = opened;
    upgrades = new UpgradeJobs();
    dispatch = createDispatch(createHandlers(opened, new BackendsView(opened), upgrades, shell));
    opened.subscribe((event) => {
      for (const listener of [...listeners]) listener(event);
    });
  };

  const open = (dir: string) => AppWorkspace.start({ ...options, workspace: dir });

  const switchTo = async (given: string, confirmStopRuns: boolean) => {
    const dir = workspaceFolder(given);
    const from = current.workspace.dir;
    if (dir === from) return { dir, notes: [`${dir} is already open`] };
    if (switching) throw new HubError('conflict', 'the app is already switching workspaces; wait for it to finish');
    await refuseUnconfirmedStop(current, confirmStopRuns);
    const step = (async () => {
      log(`switching workspace: ${from} → ${dir}`);
      upgrades.stop();
      await current.stop();
      moveWorkspaceBackends(from, dir);
      try {
        attach(await open(dir));
      } catch (err) {
        moveWorkspaceBackends(dir, from);
        log(`could not open ${dir}: ${errorMessage(err)}; opening ${from} again`);
        attach(await open(from));
        throw new HubError('bad_request', `could not open the workspace ${dir}: ${errorMessage(err)}. ${from} is open again`);
      }
      for (const note of current.notes) log(note);
      return { dir: current.workspace.dir, notes: current.notes };
    })();
    switching = step;
    try {
      return await step;
    } finally {
      switching = null;
    }
  };

  const shell: WorkspaceShell = {
    configDir: options.configDir ?? userConfigDir(),
    pickFolder: shellOptions.pickFolder ?? null,
    switchTo,
  };
  attach(current);

  return {
    get current() {
      return current;
    },
    dispatch: (name, input) => dispatch(name, input),
    subscribe: (listener) => {
      listeners.add(listener);
      listener({ kind: 'connection', ...current.connection() });
      return () => listeners.delete(listener);
    },
    switchWorkspace: (dir, switchOptions = {}) => switchTo(dir, switchOptions.confirmStopRuns ?? false),
    stop: async () => {
      await switching?.catch(() => undefined);
      upgrades.stop();
      await current.stop();
    },
  };
}
