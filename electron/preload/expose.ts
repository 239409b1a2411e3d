/**
 * What the preload gives the page: exactly `window.mittelo`, a MitteloApi over two IPC channels.
 * Electron's contextBridge and ipcRenderer come in as arguments, so a plain Node test can check it.
 */
import type { ApiError, MitteloApi, UiEvent } from '../../core/api.js';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL } from '../../core/api-channels.js';

export interface Bridge {
  exposeInMainWorld(key: string, api: unknown): void;
}

export interface IpcLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

type Answer = { ok: true; result: unknown } | { ok: false; error: ApiError };

function isAnswer(value: unknown): value is Answer {
  return typeof value === 'object' && value !== null && typeof (value as { ok?: unknown }).ok === 'boolean';
}

export function createMitteloApi(ipc: IpcLike): MitteloApi {
  return {
    async call(name, input) {
      const answer = await ipc.invoke(IPC_CALL_CHANNEL, name, input);
      if (!isAnswer(answer)) throw { code: 'bad_response', message: 'The app sent an answer the page does not understand.' } satisfies ApiError;
      // A plain ApiError object: contextBridge keeps its fields (an Error would lose code and detail).
      if (!answer.ok) throw answer.error;
      return answer.result as never;
    },
    subscribe(listener) {
      const handler = (_event: unknown, payload: unknown) => listener(payload as UiEvent);
      ipc.on(IPC_EVENT_CHANNEL, handler);
      return () => {
        ipc.removeListener(IPC_EVENT_CHANNEL, handler);
      };
    },
  };
}

export function exposeMitteloApi(bridge: Bridge, ipc: IpcLike): void {
  bridge.exposeInMainWorld('mittelo', createMitteloApi(ipc));
}
