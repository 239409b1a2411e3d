/** Folder backends (`backends/<name>/run`) as drivers, looked up only when no built-in name matches. */
import { FolderBackendError, findFolderBackend, folderDriver } from '../../drivers/folder.js';
import type { Driver } from '../../drivers/types.js';

/** The folder backend `name`, or null when there is none (or the name is not a plain identifier). */
export function folderDriverFor(name: string, env: NodeJS.ProcessEnv): Driver | null {
  try {
    return findFolderBackend(name, { env }) ? folderDriver(name, { env }) : null;
  } catch (err) {
    if (err instanceof FolderBackendError) return null;
    throw err;
  }
}
