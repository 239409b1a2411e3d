/** First run: where the workspace goes (default ~/Mittelo); later, File → Open Workspace. */
import { dialog, type BrowserWindow } from 'electron';
import { defaultWorkspace } from '../../core/app/workspace.js';

/** The folder picked, or null when the user backs out. */
export async function pickWorkspace(parent: BrowserWindow | null, current?: string): Promise<string | null> {
  const options = { title: 'Open a Mittelo workspace', defaultPath: current ?? defaultWorkspace(), properties: ['openDirectory', 'createDirectory'] as ('openDirectory' | 'createDirectory')[] };
  const picked = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
  return picked.canceled ? null : (picked.filePaths[0] ?? null);
}

export async function firstRunWorkspace(): Promise<string | null> {
  const fallback = defaultWorkspace();
  const { response } = await dialog.showMessageBox({
    type: 'question',
    title: 'Welcome to Mittelo Control Center',
    message: 'Where should Mittelo keep its workspace?',
    detail: `The workspace holds the task database, prompt packs, backend settings and the version lock.\n\nSuggested: ${fallback}`,
    buttons: [`Use ${fallback}`, 'Choose another folder…', 'Quit'],
    defaultId: 0,
    cancelId: 2,
  });
  if (response === 0) return fallback;
  if (response === 1) return pickWorkspace(null, fallback);
  return null;
}
