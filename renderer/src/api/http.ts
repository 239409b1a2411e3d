/**
 * The browser-mode transport: `POST api/call/<name>` for calls, one shared EventSource on
 * `api/events` for UiEvents, reopened with backoff when it drops. The session token travels as the
 * cookie `mittelo serve` set, so nothing here handles it.
 */
import type { ApiInput, ApiName, ApiResult, MitteloApi, UiEvent } from '../../../core/api.js';
import { fromHttpAnswer, toApiCallError } from './errors.js';

export interface HttpTransportOptions {
  baseUrl?: string;
  /** Injected by tests; the browser's by default. */
  fetch?: typeof fetch;
  eventSource?: (url: string) => EventSource;
  /** Reconnect delays in ms, the last one repeating. */
  backoffMs?: readonly number[];
}

const DEFAULT_BACKOFF = [500, 1000, 2000, 4000, 5000] as const;

function isUiEvent(value: unknown): value is UiEvent {
  if (typeof value !== 'object' || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  return kind === 'hub' || kind === 'connection';
}

export function createHttpTransport(options: HttpTransportOptions = {}): MitteloApi {
  const baseUrl = options.baseUrl ?? '';
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const openSource = options.eventSource ?? ((url: string) => new EventSource(url));
  const backoff = options.backoffMs ?? DEFAULT_BACKOFF;
  const listeners = new Set<(event: UiEvent) => void>();
  let source: EventSource | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let failures = 0;
  let lastConnection: string | null = null;

  // Connection events go out only when the state changes, so listeners see transitions, not repeats.
  const emit = (event: UiEvent) => {
    if (event.kind === 'connection') {
      const key = `${event.online}/${event.reconnecting}`;
      if (key === lastConnection) return;
      lastConnection = key;
    }
    for (const listener of [...listeners]) listener(event);
  };

  const open = () => {
    retryTimer = null;
    const es = openSource(`${baseUrl}api/events`);
    source = es;
    // The bridge sends the hub's connection state first thing on every stream, so opening says nothing yet.
    es.onopen = () => {
      failures = 0;
    };
    es.onmessage = (message: MessageEvent<string>) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(message.data);
      } catch {
        return; // a comment or keep-alive line that is not an event
      }
      if (isUiEvent(parsed)) emit(parsed);
    };
    es.onerror = () => {
      // Reopen ourselves (EventSource gives up for good on some errors) with a growing delay.
      es.close();
      if (source !== es) return;
      source = null;
      failures += 1;
      // A few quick attempts show as "reconnecting"; after that the app is plainly offline (still retried).
      emit({ kind: 'connection', online: false, reconnecting: failures <= 3 });
      if (listeners.size > 0) {
        const delay = backoff[Math.min(failures - 1, backoff.length - 1)] ?? 5000;
        retryTimer = setTimeout(open, delay);
      }
    };
  };

  const close = () => {
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = null;
    source?.close();
    source = null;
    lastConnection = null;
  };

  return {
    async call<N extends ApiName>(name: N, input: ApiInput<N>): Promise<ApiResult<N>> {
      let response: Response;
      try {
        response = await doFetch(`${baseUrl}api/call/${name}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(input ?? {}),
          credentials: 'same-origin',
        });
      } catch (err) {
        throw toApiCallError(err, name);
      }
      let body: unknown;
      try {
        body = await response.json();
      } catch {
        body = null;
      }
      const answer = fromHttpAnswer(response.status, body, name);
      if ('error' in answer) throw answer.error;
      return answer.result as ApiResult<N>;
    },
    subscribe(listener) {
      listeners.add(listener);
      if (!source && !retryTimer) open();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) close();
      };
    },
  };
}
