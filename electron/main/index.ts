/**
 * Electron's main process: one instance, one locked-down window over the core's open app workspace
 * (hub, agents, workspace) with the typed API on IPC. Everything else lives in core/.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, session } from 'electron';
import { startAppCore, type AppCore } from '../../core/app/app-core.js';
import { appRoot, defaultRendererDir } from '../../core/app/static-files.js';
import { userConfigDir } from '../../core/config.js';
import { lastWorkspace, useWorkspaceBackends } from '../../core/app/workspace.js';
import { errorMessage } from '../../core/errors.js';
import { pushEvent, registerIpc } from './ipc.js';
import { lockDownContents, lockDownSession } from './lockdown.js';
import { installMenu } from './menu.js';
import { registerAppScheme, serveRenderer } from './protocol.js';
import { APP_START_URL, secureWindowOptions } from './window-options.js';
import { firstRunWorkspace, pickWorkspace } from './workspace-dialog.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const log = (line: string) => process.stderr.write(`mittelo app: ${line}\n`);

let window: BrowserWindow | null = null;
let core: AppCore | null = null;
let unsubscribe: (() => void) | null = null;
let quitting = false;

async function openCore(workspace: string): Promise<void> {
  // Folder backends of the app live in the workspace unless MITTELO_BACKENDS_DIR says otherwise.
  useWorkspaceBackends(workspace);
  // The renderer's switcher uses the system's folder picker through the same core call.
  core = await startAppCore({ workspace, log }, { pickFolder: () => pickWorkspace(window, core?.current.workspace.dir) });
  for (const note of core.current.notes) log(note);
  unsubscribe = core.subscribe((event) => pushEvent(window, event));
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow(secureWindowOptions(path.join(here, '..', 'preload', 'index.cjs')));
  win.once('ready-to-show', () => win.show());
  win.on('closed', () => {
    if (window === win) window = null;
  });
  void win.loadURL(APP_START_URL);
  return win;
}

/** File → Open Workspace: the same switch as the app's switcher (core/app/app-core.ts), asking before it stops runs. */
async function openAnotherWorkspace(): Promise<void> {
  if (!core) return;
  const current = core.current.workspace.dir;
  const picked = await pickWorkspace(window, current);
  if (!picked || picked === current) return;
  const going = (await core.dispatch('workspace.current', {})) as { ok: boolean; result?: { runs_in_progress: unknown[] } };
  const runs = going.ok ? (going.result?.runs_in_progress.length ?? 0) : 0;
  if (runs > 0) {
    const question: Electron.MessageBoxOptions = {
      type: 'warning',
      message: `${runs === 1 ? 'A run is' : `${runs} runs are`} still going in ${current}`,
      detail: 'Switching stops the app\'s agents and its hub; the runs stop where they are.',
      buttons: ['Switch anyway', 'Cancel'],
      defaultId: 1,
      cancelId: 1,
    };
    const { response } = window ? await dialog.showMessageBox(window, question) : await dialog.showMessageBox(question);
    if (response !== 0) return;
  }
  try {
    await core.switchWorkspace(picked, { confirmStopRuns: true });
  } catch (err) {
    dialog.showErrorBox('Could not open the workspace', errorMessage(err));
  }
  window?.webContents.reload();
}

async function start(): Promise<void> {
  app.on('web-contents-created', (_event, contents) => lockDownContents(contents));
  lockDownSession(session.defaultSession);
  serveRenderer(defaultRendererDir());
  registerIpc({ dispatch: () => core?.dispatch ?? null, window: () => window });
  const root = appRoot();
  installMenu({ openWorkspace: () => void openAnotherWorkspace(), docs: root ? path.join(root, 'docs') : null, dev: !app.isPackaged });

  const workspace = lastWorkspace(userConfigDir()) ?? (await firstRunWorkspace());
  if (!workspace) return app.quit();
  try {
    await openCore(workspace);
  } catch (err) {
    dialog.showErrorBox('Mittelo could not start', `${errorMessage(err)}\n\nWorkspace: ${workspace}`);
    return app.quit();
  }
  window = createWindow();
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  registerAppScheme();
  app.on('second-instance', () => {
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  app.on('window-all-closed', () => app.quit());
  app.on('activate', () => {
    if (!window && core) window = createWindow();
  });
  // Graceful quit: agents give their tasks back, the hub stops, the database closes; then exit.
  app.on('before-quit', (event) => {
    if (quitting || !core) return;
    event.preventDefault();
    quitting = true;
    unsubscribe?.();
    void core.stop().finally(() => app.exit(0));
  });
  app.whenReady().then(start, (err: unknown) => {
    log(`cannot start: ${errorMessage(err)}`);
    app.exit(1);
  });
}
