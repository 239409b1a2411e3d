/**
 * The one API client every page uses: `window.mittelo` in Electron (the preload's typed bridge),
 * the HTTP bridge of `mittelo serve` otherwise. Pages call `call(name, input)` and get the typed
 * result, or an ApiCallError; they never see which transport answered.
 */
import type { ApiInput, ApiName, ApiResult, MitteloApi, UiEvent } from '../../../core/api.js';
import { toApiCallError } from './errors.js';
import { createHttpTransport } from './http.js';

declare global {
  interface Window {
    /** Set by electron/preload through contextBridge; absent in browser mode. */
    mittelo?: MitteloApi;
  }
}

let transport: MitteloApi | null = null;

function current(): MitteloApi {
  transport ??= typeof window !== 'undefined' && window.mittelo ? window.mittelo : createHttpTransport();
  return transport;
}

/** Tests and tools swap the transport; pages never do. */
export function setTransport(next: MitteloApi | null): void {
  transport = next;
}

export function transportKind(): 'ipc' | 'http' {
  return typeof window !== 'undefined' && window.mittelo && current() === window.mittelo ? 'ipc' : 'http';
}

export async function call<N extends ApiName>(name: N, input: ApiInput<N>): Promise<ApiResult<N>> {
  try {
    return await current().call(name, input);
  } catch (err) {
    throw toApiCallError(err, name);
  }
}

export function subscribe(listener: (event: UiEvent) => void): () => void {
  return current().subscribe(listener);
}
