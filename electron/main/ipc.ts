/**
 * The typed API over IPC: one handler on IPC_CALL_CHANNEL that hands (name, input) to the core's
 * dispatch (which checks the input against the contract), and UiEvents pushed on IPC_EVENT_CHANNEL.
 * Only the app's own window, showing the app's own page, may call.
 */
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, type UiEvent } from '../../core/api.js';
import type { Dispatch } from '../../core/app/handlers.js';
import { isAppUrl } from './window-options.js';

export interface IpcWiring {
  /** Calls go to the current core (it changes when another workspace is opened). */
  dispatch: () => Dispatch | null;
  window: () => BrowserWindow | null;
}

/** The app's window, its top frame (not an iframe), showing the app's own page. */
function trusted(event: IpcMainInvokeEvent, window: BrowserWindow | null): boolean {
  const frame = event.senderFrame;
  return window !== null && event.sender === window.webContents && frame !== null && frame.parent === null && isAppUrl(frame.url);
}

export function registerIpc(wiring: IpcWiring): void {
  ipcMain.handle(IPC_CALL_CHANNEL, async (event, name: unknown, input: unknown) => {
    if (!trusted(event, wiring.window())) return { ok: false, error: { code: 'forbidden', message: 'This page may not use the app.' } };
    const dispatch = wiring.dispatch();
    if (!dispatch) return { ok: false, error: { code: 'hub_offline', message: 'The app is opening its workspace; try again in a moment.' } };
    return dispatch(String(name), input);
  });
}

export function pushEvent(window: BrowserWindow | null, event: UiEvent): void {
  if (window && !window.isDestroyed()) window.webContents.send(IPC_EVENT_CHANNEL, event);
}
