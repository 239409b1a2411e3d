/**
 * Every failed call reaches the pages as an ApiCallError: the bridge's ApiError (code, words for
 * people, detail) whatever the transport threw, plus the call that failed.
 */
import type { ApiError } from '../../../core/api.js';

export class ApiCallError extends Error implements ApiError {
  readonly code: string;
  readonly detail?: string;
  readonly call: string | null;

  constructor(error: ApiError, call: string | null = null) {
    super(error.message);
    this.name = 'ApiCallError';
    this.code = error.code;
    if (error.detail !== undefined) this.detail = error.detail;
    this.call = call;
  }
}

const IPC_PREFIX = /^Error invoking remote method '[^']*': (?:[A-Za-z]*Error: )?/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** The ApiError inside `value` when it has that shape (a plain object, or an Error with a code). */
export function asApiError(value: unknown): ApiError | null {
  if (!isRecord(value)) return null;
  const { code, message, detail } = value;
  if (typeof code !== 'string' || typeof message !== 'string') return null;
  return typeof detail === 'string' ? { code, message, detail } : { code, message };
}

/** Electron's invoke flattens a thrown error into "Error invoking remote method …: <message>". */
function fromIpcMessage(message: string): ApiError | null {
  if (!IPC_PREFIX.test(message)) return null;
  const rest = message.replace(IPC_PREFIX, '');
  try {
    const parsed: unknown = JSON.parse(rest);
    const error = asApiError(parsed);
    if (error) return error;
  } catch {
    // not JSON: the main process threw a plain message
  }
  return { code: 'internal', message: rest, detail: message };
}

/** Maps whatever a transport threw to an ApiCallError (never throws itself). */
export function toApiCallError(err: unknown, call: string | null = null): ApiCallError {
  if (err instanceof ApiCallError) return err;
  const shaped = asApiError(err);
  if (shaped) return new ApiCallError(shaped, call);
  if (err instanceof TypeError) {
    // fetch rejects with a TypeError when the server cannot be reached at all
    return new ApiCallError({ code: 'unreachable', message: 'Could not reach the Mittelo app. It may have stopped or be restarting.', detail: err.message }, call);
  }
  if (err instanceof Error) {
    if (err.name === 'AbortError') return new ApiCallError({ code: 'cancelled', message: 'The request was cancelled.' }, call);
    const ipc = fromIpcMessage(err.message);
    if (ipc) return new ApiCallError(ipc, call);
    return new ApiCallError({ code: 'internal', message: err.message, detail: err.stack ?? err.message }, call);
  }
  return new ApiCallError({ code: 'internal', message: 'Something went wrong.', detail: String(err) }, call);
}

/** What an HTTP bridge answer means: the result, or the error it carries. */
export function fromHttpAnswer(status: number, body: unknown, call: string): { result: unknown } | { error: ApiCallError } {
  if (isRecord(body) && body.ok === true && 'result' in body) return { result: body.result };
  if (isRecord(body) && body.ok === false) {
    const error = asApiError(body.error);
    if (error) return { error: new ApiCallError(error, call) };
  }
  if (status === 401 || status === 403) {
    return { error: new ApiCallError({ code: 'unauthorized', message: 'This page is not signed in to the Mittelo app. Open it again from the link `mittelo serve` printed.', detail: `HTTP ${status}` }, call) };
  }
  return {
    error: new ApiCallError({ code: 'bad_response', message: 'The Mittelo app sent an answer this page does not understand.', detail: `HTTP ${status}: ${JSON.stringify(body)?.slice(0, 2000)}` }, call),
  };
}

/** Plain words for the codes people meet most; the bridge's own message otherwise. */
export function plainMessage(err: unknown): string {
  const error = toApiCallError(err);
  switch (error.code) {
    case 'unreachable':
      return 'Could not reach the Mittelo app. It may have stopped or be restarting; this page reconnects by itself.';
    case 'unauthorized':
      return error.message || 'Not signed in to the Mittelo app.';
    case 'shutting_down':
      return 'The hub is shutting down, so it cannot take this request.';
    default:
      return error.message || 'Something went wrong.';
  }
}
